"""The download list: the marked region of the kit page the server rewrites, and the links.

The kit page is built with the form inside a region between the `START` and `END` markers; the
opening marker carries the files' names and titles, so that a built site is all the request
server needs. After a request, the server swaps the download list in.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from kitbuilder.render.form import ANCHOR, END, START, TOKEN, html_attr, html_text
from kitbuilder.typography import NBSP

_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre")


@dataclass(frozen=True)
class KitFile:
    """A downloadable file as the download page lists it."""

    name: str
    title: str
    size: int | None = None


FileGroup = tuple[str, tuple[KitFile, ...]]  # a heading (may be empty) and its files


# --- The region of the kit page that the server rewrites ------------------------------------


def region(body: str, privacy_url: str, bundle: str, groups: Sequence[FileGroup]) -> str:
    """The form or download list between markers; the opening one carries what the server needs.

    The server reads the files' names and titles from here rather than from the kit's sources,
    so that a built site is all it needs.
    """
    meta = {"privacy_url": privacy_url, "bundle": bundle,
            "groups": [[title, [[f.name, f.title] for f in files]] for title, files in groups]}
    # « -- » may not appear inside an HTML comment; no « < » or « > » either, so that no
    # title of the kit reads as a tag to anything that scans the page.
    data = (json.dumps(meta, ensure_ascii=False).replace("--", "-\\u002d")
            .replace("<", "\\u003c").replace(">", "\\u003e"))
    return f"{START} {data} -->\n\n{body}\n\n{END}"


@dataclass(frozen=True)
class RegionMeta:
    privacy_url: str
    bundle: str
    groups: tuple[FileGroup, ...]


_REGION = re.compile(re.escape(START) + r" (\{.*?\}) -->(.*?)" + re.escape(END), re.DOTALL)


def find_region(page: str) -> tuple[int, int, RegionMeta] | None:
    """Where the region lies in a built page (start, end) and what its marker carries."""
    match = _REGION.search(page)
    if not match:
        return None
    data = json.loads(match[1])
    groups = tuple((str(title), tuple(KitFile(str(n), str(t)) for n, t in files))
                   for title, files in data["groups"])
    return match.start(), match.end(), RegionMeta(str(data["privacy_url"]), str(data["bundle"]),
                                                  groups)


# --- The download list ----------------------------------------------------------------------


def french_date(moment: date | datetime) -> str:
    """« 1er mars 2026 », and « à 14 h 05 » after it when given a time."""
    number = "1er" if moment.day == 1 else str(moment.day)
    text = f"{number} {_MONTHS[moment.month - 1]} {moment.year}"
    if isinstance(moment, datetime):
        text += f" à {moment.hour}{NBSP}h{NBSP}{moment.minute:02d}"
    return text


def file_size(size: int) -> str:
    """A size as French readers write it: « 35 ko », « 1,2 Mo »."""
    if size < 1000 * 1000:
        return f"{max(1, round(size / 1000))}{NBSP}ko"
    return f"{size / 1e6:.1f}".replace(".", ",") + f"{NBSP}Mo"


def _kind(name: str) -> str:
    return {"zip": "zip", "docx": "Word", "mp3": "MP3", "vtt": "WebVTT", "pdf": "PDF"}.get(
        name.rsplit(".", 1)[-1].lower(), name.rsplit(".", 1)[-1])


def _link(item: KitFile, token: str, css: str = "") -> str:
    href = f"fichiers/{html_attr(item.name)}?{TOKEN}={html_attr(token)}"
    size = f", {file_size(item.size)}" if item.size is not None else ""
    cls = f' class="{css}"' if css else ""
    return (f'<a{cls} href="{href}">{html_text(item.title)}</a>'
            f' <span class="kit-form__hint">({_kind(item.name)}{size})</span>')


def downloads(bundle: KitFile, groups: Sequence[FileGroup], token: str, until: datetime) -> str:
    """The thank-you message and every file's link carrying the token, grouped as on the page,
    made anew: what DownloadList.render gives from its pieces made once (the tests check)."""
    return _list(bundle, groups, token, _until(until.replace(second=0, microsecond=0)))


def _list(bundle: KitFile, groups: Sequence[FileGroup], token: str, until: str) -> str:
    """The list with `token` in each link (as is) and `until` (HTML) as the links' end."""
    parts = [
        '<div id="kit-files" class="kit-files" role="status">',
        f"<p><strong>{html_text('Merci ! Votre demande est enregistrée.')}</strong> {until}</p>",
        f"<p>{_link(bundle, token, 'md-button md-button--primary')}</p>",
    ]
    for title, files in groups:
        if title:
            parts.append(f"<h3>{html_text(title)}</h3>")
        items = "".join(f"<li>{_link(f, token)}</li>" for f in files)
        parts.append(f"<ul>{items}</ul>")
    parts.append(f'<p><a href="./#{ANCHOR}">{html_text("Faire une autre demande")}</a></p>')
    parts.append("</div>")
    return "\n".join(parts)


class DownloadList:
    """The download list of one build of the site, made once: from one request to the next
    only the token in each link and the links' end date change (making every link again, each
    title typeset, was most of the download page's cost)."""

    # Stand for the token and the date while the list is made; escaping leaves them as they are.
    _TOKEN = "kit-token-placeholder-5d1f"
    _UNTIL = "kit-until-placeholder-5d1f"

    def __init__(self, bundle: KitFile, groups: Sequence[FileGroup]) -> None:
        head, tail = _list(bundle, groups, self._TOKEN, self._UNTIL).split(self._UNTIL)
        if self._TOKEN in head:
            raise AssertionError("the links come after the date")
        # In UTF-8 already: encoding the 11 kB of the list for every download page was two
        # thirds of what the server added to the page.
        self._head = head.encode("utf-8")
        self._pieces = [piece.encode("utf-8") for piece in tail.split(self._TOKEN)]

    def render(self, token: str, until: datetime) -> bytes:
        """downloads(…, token, until), in UTF-8."""
        return b"".join((self._head, _until_utf8(until.replace(second=0, microsecond=0)),
                         html_attr(token).encode("utf-8").join(self._pieces)))


def _until(moment: datetime) -> str:
    """The sentence saying until when the links work."""
    return html_text(f"Ces liens restent valables jusqu’au {french_date(moment)}.")


@functools.lru_cache(maxsize=64)
def _until_utf8(moment: datetime) -> bytes:
    """_until(moment) in UTF-8 (to the minute, so made once a minute)."""
    return _until(moment).encode("utf-8")
