"""Build the « Discuter du travail » kit and the association's site from YAML and Markdown."""
