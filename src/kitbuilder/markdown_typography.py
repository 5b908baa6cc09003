"""A Python-Markdown extension applying French typography to every page's text.

Enable it in mkdocs.yml (`markdown_extensions: [kitbuilder.markdown_typography]`). Code, scripts
and attributes (so URLs and e-mail addresses in links) are left alone.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from markdown import Extension, Markdown
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


_INLINE = frozenset({"a", "em", "strong", "span", "b", "i", "abbr", "mark", "small", "sub", "sup"})


class FrenchTypographyExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # After inline parsing (20), before the table of contents reads headings (5).
        md.treeprocessors.register(FrenchTypography(md), "french_typography", 10)


def makeExtension(**kwargs: Any) -> FrenchTypographyExtension:
    return FrenchTypographyExtension(**kwargs)
