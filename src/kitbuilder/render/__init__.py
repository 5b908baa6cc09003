"""Renderers: each turns the model into one format and knows nothing else."""
