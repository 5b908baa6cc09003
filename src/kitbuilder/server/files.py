"""The built site as static files, with the kit's protected paths held back."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from starlette.staticfiles import StaticFiles


class SiteFiles(StaticFiles):
    """The built site as static files, except the protected paths (kit files, kit page).

    `protected` are paths inside the site (« kit/fichiers »), judged against where a request
    lands at the moment it is answered: the site's folder may be a symbolic link switched to a
    new build while the server runs. A file that cannot be looked up (a loop of links, a name
    the system refuses) is simply not found.
    """

    def __init__(self, directory: Path, protected: tuple[str, ...]) -> None:
        super().__init__(directory=directory, html=True)
        self.site = directory
        self.protected = tuple(PurePosixPath(p) for p in protected)

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        try:
            full, stat = super().lookup_path(path)
        except (OSError, RuntimeError, ValueError):
            return "", None
        if not full:
            return full, stat
        # Whatever spelling reached here (« //fichiers », « ./ », « %2e »), judge where it lands,
        # inside the site as it is now; if it lands outside (the site was switched between the
        # two looks), refuse rather than guess.
        inside = os.path.relpath(full, os.path.realpath(self.site))
        if inside == ".." or inside.startswith(("../", "/")):
            return "", None
        landed = PurePosixPath(Path(inside).as_posix())
        if any(landed == p or p in landed.parents for p in self.protected):
            return "", None
        return full, stat
