"""A Python-Markdown extension applying French typography to every page's text.

Enable it in mkdocs.yml (`markdown_extensions: [kitbuilder.markdown_typography]`). Code, scripts
and attributes (so URLs and e-mail addresses in links) are left alone.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from markdown import Extension, Markdown
from markdown.inlinepatterns import HTML_RE
from markdown.treeprocessors import Treeprocessor

from kitbuilder.typography import typeset

_SKIP = frozenset({"code", "pre", "kbd", "samp", "script", "style"})


def _continued(text: str) -> str:
    """Typeset text that follows other text (after an inline element): « **oui** ! »."""
    return typeset("x" + text)[1:]


class FrenchTypography(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        self._walk(root, first=True)

    def _walk(self, element: ET.Element, first: bool) -> None:
        if element.tag in _SKIP:
            return
        if element.text:
            element.text = typeset(element.text) if first else _continued(element.text)
        for child in element:
            self._walk(child, first=child.tag not in _INLINE)
            if child.tail:
                child.tail = _continued(child.tail)


class TocLabels(Treeprocessor):
    """The table of contents' labels with the headings' non-breaking spaces.

    Python-Markdown's `toc` makes each label by stripping the heading's tags and collapsing
    its spaces with `str.split()`, which takes the no-break spaces for ordinary ones: « Pour
    qui ? » reached the nav and the TOC with a plain space. This runs after `toc` and remakes
    each label from the heading's own HTML, collapsing only ASCII white space."""

    def run(self, root: ET.Element) -> None:
        _relabel(getattr(self.md, "toc_tokens", []))


_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_ASCII_SPACE = re.compile(r"[ \t\n\r\f\v]+")


def toc_label(html: str) -> str:
    """A heading's inner HTML as plain text (entities kept), its no-break spaces kept."""
    text = re.sub(HTML_RE, "", _COMMENT.sub("", html), flags=re.DOTALL)
    return _ASCII_SPACE.sub(" ", text).strip()


def _relabel(tokens: list[dict[str, Any]]) -> None:
    for token in tokens:
        source = token.get("data-toc-label") or token.get("html")
        if source:
            token["name"] = toc_label(source)
        _relabel(token.get("children", []))


_INLINE = frozenset({"a", "em", "strong", "span", "b", "i", "abbr", "mark", "small", "sub", "sup"})


class FrenchTypographyExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # After inline parsing (20), before the table of contents reads headings (5).
        md.treeprocessors.register(FrenchTypography(md), "french_typography", 10)
        # Just after the table of contents (5): give its labels their no-break spaces back.
        md.treeprocessors.register(TocLabels(md), "french_toc_labels", 4)


def makeExtension(**kwargs: Any) -> FrenchTypographyExtension:
    return FrenchTypographyExtension(**kwargs)
