"""The built kit page as the frame of every page the server writes.

Why not a template of our own: the kit page is a static page of the site (MkDocs + Material),
with its header, navigation and styles. The server takes that built page and swaps only the
region between the form's markers (see render/form.py): the form with a fresh token, the same
form with the visitor's answers and messages, or the download links. Every page the visitor
sees therefore looks like the site and says what the site says, with no second copy of its
layout to keep in step. All these pages live in the kit's folder (/kit/, /kit/demande,
/kit/telechargement), so the built page's relative links stay right.
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from kitbuilder.render.downloads import RegionMeta, find_region

_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)


class SiteError(Exception):
    """The built site cannot be served as it is (told in words an operator understands)."""


@dataclass(frozen=True)
class _Parsed:
    mtime: int
    before: str
    after: bytes  # encoded once: encoding the whole page cost more than the rest of a request
    meta: RegionMeta
    titled: dict[str, bytes] = field(default_factory=dict)  # the page's start, per title


# How often the built files are looked at again (a stat() on each of a request's three or four
# looks was a tenth of a kit page's cost): a rebuilt site is served within this many seconds.
RECHECK = 1.0


class KitPage:
    """The kit page of a built site, read again whenever the site is rebuilt."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._parsed: _Parsed | None = None
        self._checked = 0.0
        self._load()

    def _load(self) -> _Parsed:
        now = time.monotonic()
        if self._parsed is not None and now - self._checked < RECHECK:
            return self._parsed
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            raise SiteError(f"« {self.path} » : pas de page du kit ; construisez d'abord le "
                            "site (./scripts/build) ou donnez son dossier avec --site") from None
        if self._parsed is None or self._parsed.mtime != mtime:
            text = self.path.read_text(encoding="utf-8")
            found = find_region(text)
            if found is None:
                raise SiteError(f"« {self.path} » : la page du kit n'a pas de formulaire de "
                                "demande ; le site a été construit en mode statique (form_url "
                                "dans mkdocs.yml) ou sans le module du kit")
            start, end, meta = found
            self._parsed = _Parsed(mtime, text[:start], text[end:].encode("utf-8"), meta)
        self._checked = now
        return self._parsed

    @property
    def version(self) -> int:
        """Changes whenever the site is rebuilt (the page's modification time)."""
        return self._load().mtime

    @property
    def meta(self) -> RegionMeta:
        """What the form's marker carries: privacy page, zip name, files and their titles."""
        return self._load().meta

    def render(self, region: str | bytes, title: str = "") -> bytes:
        """The page with `region` (text, or already in UTF-8) in place of the form, its title
        prefixed with `title`, in UTF-8."""
        parsed = self._load()
        before = parsed.titled.get(title)
        if before is None:
            text = parsed.before
            if title:
                text = _TITLE.sub(lambda m: f"<title>{html.escape(title)} – {m[1]}</title>",
                                  text, count=1)
            before = parsed.titled[title] = text.encode("utf-8")
        encoded = region if isinstance(region, bytes) else region.encode("utf-8")
        return b"".join((before, encoded, parsed.after))  # one copy, not two
