"""The model's blocks written as Markdown for MkDocs, and the mark that the print style reads."""

from __future__ import annotations

from kitbuilder.model import Aside, Block, Heading, ListBlock, Paragraph, TableBlock
from kitbuilder.render.escape import esc, inline
from kitbuilder.typography import NBSP


def blocks(items: tuple[Block, ...]) -> list[str]:
    lines: list[str] = []
    for block in items:
        if isinstance(block, Heading):
            lines.append("#" * (block.level + 1) + " " + esc(block.text))
        elif isinstance(block, Paragraph):
            who = f"**{esc(block.speaker)}**{NBSP}: " if block.speaker else ""
            lines.append(who + inline(block.spans))
        elif isinstance(block, ListBlock):
            lines += [(f"{n}. " if block.ordered else "- ") + inline(item)
                      for n, item in enumerate(block.items, 1)]
        elif isinstance(block, TableBlock):
            lines.append("| " + " | ".join(inline(c) for c in block.header) + " |")
            lines.append("|" + " --- |" * len(block.header))
            lines += ["| " + " | ".join(inline(c) for c in row) + " |" for row in block.rows]
        elif isinstance(block, Aside):
            inner = [f"**{esc(block.title)}**", "", *blocks(block.blocks)]
            lines += [f"> {line}".rstrip() for line in inner[:-1]]
        lines.append("")
    return lines



def print_mark(*classes: str, pages: int = 1) -> str:
    """An invisible mark that the print style reads with :has(): a kit page (its running
    footer names the kit, phases.css), a sheet's number of pages, and how the page prints
    (`kit-sheet`: fills its pages; `kit-landscape`: A4 sideways)."""
    names = " ".join(("kit-print-mark", *classes))
    several = f' data-kit-pages="{pages}"' if pages > 1 else ""
    return f'\n\n<div class="{names}"{several} hidden></div>\n'
