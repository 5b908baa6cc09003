"""The kit's files behind the download link: which names are kit files, their sizes, and the
list the download page shows."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from kitbuilder.render import downloads
from kitbuilder.server.page import KitPage

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")
# The story's recordings and their transcripts play inside the site's own pages, whose
# <audio> and <track> cannot carry a token: they stay open. The kit itself (Word, zip) does not.
PLAYED_IN_PAGES = {".mp3": "audio/mpeg", ".vtt": "text/vtt; charset=utf-8"}


class KitFiles:
    """The built kit's files folder, as the server may hand it out."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._listed: tuple[int, downloads.DownloadList] | None = None

    def find(self, name: str) -> Path | None:
        """The kit file of that plain name, or None for anything else (paths, links, folders)."""
        if not _SAFE_NAME.fullmatch(name) or ".." in name:
            return None
        path = self.folder / name
        try:
            if path.is_file() and path.resolve().parent == self.folder.resolve():
                return path
        except (OSError, RuntimeError):  # RuntimeError: a loop of symbolic links
            pass
        return None

    def size(self, name: str) -> int | None:
        path = self.find(name)
        try:
            return path.stat().st_size if path else None
        except OSError:  # removed since: no size shown
            return None

    def listing(self, page: KitPage) -> downloads.DownloadList:
        """The files the download page lists, with their sizes, and the list itself: made
        once per build of the site (resolving each path on every request was most of the
        page's cost, and making each link again most of the rest)."""
        version = page.version
        if self._listed is None or self._listed[0] != version:
            meta = page.meta
            bundle = downloads.KitFile(meta.bundle, "Télécharger tout le kit",
                                       self.size(meta.bundle))
            groups = [(title, tuple(replace(item, size=self.size(item.name))
                                    for item in items if self.find(item.name)))
                      for title, items in meta.groups]
            self._listed = (version, downloads.DownloadList(bundle, groups))
        return self._listed[1]
