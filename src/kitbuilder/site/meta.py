"""What a page says about itself in its head: its description and its title, for search
engines and for link previews (Open Graph). Plain functions; the MkDocs face calls them."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

DESCRIPTION_MAX = 160  # what search engines show of a description
TITLE_DASH = " – "  # « Prendre rendez-vous – Mieux-être & Travail »
# Blocks whose text is the same on several pages: never a page's own description.
_SHARED_BLOCKS = ("mt-urgence", "mt-contact", "kit-form")


class _Paragraphs(HTMLParser):
    """The text of each top-level <p> of a page's content, outside shared blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0  # depth inside a shared block
        self._depth = 0  # depth inside elements, to know when a shared block ends
        self._skip_at: list[int] = []
        self._current: list[str] | None = None
        self._in_link = 0
        self._link_chars = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "img", "input", "hr", "meta", "link", "source", "track", "wbr"):
            return
        self._depth += 1
        classes = dict(attrs).get("class") or ""
        if tag == "nav" or any(block in classes.split() for block in _SHARED_BLOCKS):
            self._skip_at.append(self._depth)
        elif tag == "p" and not self._skip_at and self._current is None:
            # A paragraph with a class is a line of the page's furniture (a banner, a link
            # to download), not its text.
            self._current = None if classes else []
            self._link_chars = 0
        self._in_link += tag in ("a", "button")

    def handle_endtag(self, tag: str) -> None:
        self._in_link -= tag in ("a", "button") and self._in_link > 0
        if tag == "p" and self._current is not None:
            text = "".join(self._current).strip()
            # A line of links (downloads, « see also ») describes nothing.
            if text and self._link_chars * 2 < len(text):
                self.found.append(text)
            self._current = None
        if self._skip_at and self._skip_at[-1] == self._depth:
            self._skip_at.pop()
        self._depth = max(0, self._depth - 1)

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data.replace("\n", " "))
            self._link_chars += len(data) if self._in_link else 0


def shorten(text: str, limit: int = DESCRIPTION_MAX) -> str:
    """Text cut at a word to at most `limit` characters, « … » marking the cut."""
    text = re.sub(r"[ \t\r\n]+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:\u00a0\u202f") + "…"


def paragraphs(content: str) -> list[str]:
    """A page's paragraphs that could describe it: its own text, not links or furniture."""
    parser = _Paragraphs()
    parser.feed(content)
    parser.close()
    return parser.found


def describe(found: list[str], limit: int = DESCRIPTION_MAX) -> str:
    """A description made from a page's first paragraphs, for pages that give none."""
    text = ""
    for paragraph in found:
        text = f"{text} {paragraph}".strip()
        if len(text) >= limit // 2:
            break
    return shorten(text, limit)


def distinct(pages: dict[str, list[str]], limit: int = DESCRIPTION_MAX) -> dict[str, str]:
    """A description for each page from its paragraphs, leaving out those several pages
    share (a credit line, a notice): a description others have describes none of them."""
    seen: dict[str, int] = {}
    for found in pages.values():
        for paragraph in set(found):
            seen[paragraph] = seen.get(paragraph, 0) + 1
    return {key: describe([p for p in found if seen[p] == 1] or found, limit)
            for key, found in pages.items()}


def title(page_title: str, section: str | None, site_name: str) -> str:
    """The <title>: the page, the section it belongs to when it is a sub-section's (a story
    part names « 24 h en Ehpad »), the site; joined with « – »."""
    parts = [page_title] if page_title and page_title != site_name else []
    if parts and section and section not in page_title:
        parts.append(section)
    return TITLE_DASH.join([*parts, site_name])


def plain(text: str) -> str:
    """An HTML fragment's text, for a head tag that holds text only."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))
