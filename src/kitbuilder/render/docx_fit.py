"""How much room text takes in the Word files, and how a sheet's free space is shared out
(in the Word files and the PDFs).

Word has no « fill the rest of the page »: a sheet's writing spaces get fixed heights, computed
here from an estimate of what the printed text above them takes. Text is measured with the
advance widths and line height of the house font, Atkinson Hyperlegible, which every Word file
embeds (scripts/make-reference-docx) and which Word and LibreOffice then both print with; it is
wrapped word by word as a word processor does. Estimates err on the tall side, and the page
keeps a safety margin: a sheet that overflows onto a second page is worse than 5 mm unused.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from fontTools.ttLib import TTFont

from kitbuilder.model import BoxField, LinesField, SheetField, TableField

FONTS = files("kitbuilder") / "resources" / "fonts"
MM = 72 / 25.4  # points per millimetre
# Where the group writes by hand: about 8 to 10 mm a line (more is welcome, less is not).
MIN_PITCH, MAX_PITCH = 8.5 * MM, 12 * MM
MIN_ROW, MAX_ROW = 9 * MM, 40 * MM
MIN_TICK = 8 * MM  # a table row where one ticks a box
PAGE_BREAK = 40 * MM  # lost at a page break of a sheet of several pages, at worst
SAFETY = 7 * MM  # left unallocated at the foot of each sheet (LibreOffice needs a few mm)
# A character the house font lacks (the ballot box ☐) is printed from another font: count a
# whole em, wider than any such glyph.
MISSING = 1000


@cache
def _font(bold: bool) -> TTFont:
    """The house font's file, read once: the widths and the line height come from it."""
    weight = 700 if bold else 400
    with FONTS.joinpath(f"atkinson-hyperlegible-latin-{weight}-normal.woff2").open("rb") as f:
        return TTFont(f)


@cache
def _widths(bold: bool) -> dict[str, float]:
    """Advance widths in thousandths of an em, by character."""
    font = _font(bold)
    scale = 1000 / font["head"].unitsPerEm
    advances = font["hmtx"]
    return {chr(code): advances[name][0] * scale for code, name in font.getBestCmap().items()}


def _line_height() -> tuple[float, float]:
    """Line height as a share of the font size: the font's ascent and descent (what Word and
    LibreOffice space single lines by) times the styles' 1.15 line spacing, rounded up."""
    font = _font(False)
    metrics = font["OS/2"]
    single = (metrics.usWinAscent + metrics.usWinDescent) / font["head"].unitsPerEm
    return math.ceil(single * 1.15 * 20) / 20, math.ceil(single * 20) / 20


LINE, SINGLE = _line_height()  # 1.15 spacing (the body), single spacing (the title)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in points of `text` set in the house font at `size` points."""
    widths = _widths(bold)
    return sum(widths.get(c, MISSING) for c in text) * size / 1000


def text_lines(text: str, size: float, width: float, bold: bool = False,
               indent: float = 0) -> int:
    """How many lines `text` takes in a column `width` points wide, wrapped at spaces (not at
    non-breaking ones, which the typography puts before « : ; ! ? » and inside « »)."""
    lines, used = 1, indent
    space = text_width(" ", size, bold)
    for word in text.split(" "):
        advance = text_width(word, size, bold)
        if used > indent and used + space + advance > width:
            lines, used = lines + 1, indent + advance
        else:
            used += (space if used > indent else 0) + advance
    return lines


def paragraph(text: str, size: float, width: float, before: float = 0, after: float = 0,
              bold: bool = False, indent: float = 0) -> float:
    """Height in points of one paragraph, its spacing included."""
    return text_lines(text, size, width, bold, indent) * size * LINE + before + after


@dataclass(frozen=True)
class Growing:
    """A writing space that takes its share of the page: `count` rows (lines or table rows)
    of the same height, or one box, between `least` and `most` points each."""

    count: int
    least: float
    most: float | None = None


def least(field: SheetField) -> Growing | None:
    """How a sheet's field takes its share of the page, in the Word files and the PDFs alike;
    None for what does not grow (a checklist)."""
    if isinstance(field, LinesField):
        return Growing(field.lines, MIN_PITCH, MAX_PITCH)
    if isinstance(field, BoxField):
        return Growing(1, field.height * 10 * MM)
    if isinstance(field, TableField):
        # Rows headed by items are ticked, not written in: 8 mm will do.
        return Growing(len(field.items) + field.rows, MIN_ROW if field.rows else MIN_TICK,
                       MAX_ROW)
    return None


def share(spaces: Sequence[Growing], room: float) -> list[float]:
    """Each space's row height when `room` points are shared among them: every one grows by
    the same factor from its least height, up to its most; never below the least."""
    def total(factor: float) -> float:
        return sum(s.count * _grow(s, factor) for s in spaces)

    if not spaces or total(1.0) >= room:
        return [s.least for s in spaces]
    low, high = 1.0, 50.0
    if total(high) <= room:
        return [_grow(s, high) for s in spaces]
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if total(middle) <= room else (low, middle)
    return [_grow(s, low) for s in spaces]


def _grow(space: Growing, factor: float) -> float:
    height = space.least * factor
    return min(height, space.most) if space.most is not None else height
