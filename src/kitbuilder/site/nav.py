"""The kit's part of the site navigation, made from its manifest so it is never listed twice.

The nav is written as MkDocs writes it (a list of pages and {title: pages} sections), which
ProperDocs and most Markdown site generators read too.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from kitbuilder import layout

if TYPE_CHECKING:
    from kitbuilder.model import Kit


def kit_nav(kit: Kit, base: str) -> list[Any]:
    """Nav entries for every kit page, in the manifest's order.

    MkDocs templates write titles as they are (no autoescape), so the kit's titles, which are
    text, are given as HTML: « <b> » in a title is shown, never made an element.
    """
    t = html.escape
    return [
        f"{base}/index.md",
        {t(kit.guide.title): f"{base}/guide.md"},
        {t(kit.table.title): f"{base}/tableau.md"},
        {"Fiches d’animation": [{t(s.title): f"{base}/{layout.sheet_page(s)}"}
                                for s in kit.sheets]},
        *([{"Outils de l’animateur": [{t(d.title): f"{base}/{layout.document_page(d)}"}
                                      for d in kit.documents]}] if kit.documents else []),
        {t(kit.story.title): [{t(p.title): f"{base}/{layout.part_page(p)}"}
                              for p in kit.story.parts]},
    ]


def expand(nav: Any, placeholder: str, entries: list[Any]) -> Any:
    """Replace each `placeholder` entry of a MkDocs nav (e.g. « kit/ ») with the kit's entries."""
    if isinstance(nav, list):
        out: list[Any] = []
        for item in nav:
            if item == placeholder:
                out.extend(entries)
            else:
                out.append(expand(item, placeholder, entries))
        return out
    if isinstance(nav, dict):
        return {title: entries if value == placeholder else expand(value, placeholder, entries)
                for title, value in nav.items()}
    return nav
