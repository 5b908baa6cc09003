"""The built site as static files, with the kit's protected paths held back."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.staticfiles import StaticFiles


class SiteFiles(StaticFiles):
    """The built site as static files, except the protected paths (kit files, kit page)."""

    def __init__(self, directory: Path, protected: tuple[Path, ...]) -> None:
        super().__init__(directory=directory, html=True)
        self.protected = tuple(p.resolve() for p in protected)

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        full, stat = super().lookup_path(path)
        # Whatever spelling reached here (« //fichiers », « ./ », « %2e »), judge where it lands.
        if full and any(Path(full) == p or Path(full).is_relative_to(p) for p in self.protected):
            return "", None
        return full, stat
