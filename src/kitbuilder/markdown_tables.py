"""A Python-Markdown extension putting each table in a region of its own that the keyboard
reaches: a table wider than the screen (a phone, or a page zoomed to 200 %) scrolls there,
and without a focusable region only a mouse or a finger could scroll it (WCAG 2.1.1).

Enable it in mkdocs.yml (`markdown_extensions: [kitbuilder.markdown_tables]`); the kit plugin
adds it when it is missing, and the kit's offline pages use it too. Tables written as HTML in
the Markdown (a sheet's writing table) bring their own region. kit.css makes the region the
element that scrolls, in place of Material's wrapper, which sits inside it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

CLASS = "kit-table"


class TableRegions(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        number = 0
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                if child.tag != "table":
                    continue
                number += 1
                region = ET.Element("div", {"class": CLASS, "role": "region", "tabindex": "0",
                                            "aria-label": f"Tableau {number}"})
                region.tail, child.tail = child.tail, None
                parent.remove(child)
                region.append(child)
                parent.insert(index, region)


class TablesExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # Once the blocks (and so the tables) are parsed, before the inline patterns (20).
        md.treeprocessors.register(TableRegions(md), "kitbuilder_tables", 25)


def makeExtension(**kwargs: Any) -> TablesExtension:
    return TablesExtension(**kwargs)
