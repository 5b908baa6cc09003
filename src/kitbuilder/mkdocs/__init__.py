"""The MkDocs faces: the `kit` and `association` plugins, thin calls of the core."""
