"""How much room text takes in the Word files, and how a sheet's free space is shared out.

Word has no « fill the rest of the page »: a sheet's writing spaces get fixed heights, computed
here from an estimate of what the printed text above them takes. Text is measured with Arial's
advance widths (the Word files' font; LibreOffice prints it with the metric-compatible Liberation
Sans), wrapped word by word as a word processor does. Estimates err on the tall side, and the
page keeps a safety margin: a sheet that overflows onto a second page is worse than 5 mm unused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MM = 72 / 25.4  # points per millimetre
# Line height as a share of the font size: Arial's ascent and descent (1.117 em) times the
# styles' 1.15 line spacing, rounded up.
LINE = 1.3
# Where the group writes by hand: about 8 to 10 mm a line (more is welcome, less is not).
MIN_PITCH, MAX_PITCH = 8.5 * MM, 12 * MM
MIN_ROW, MAX_ROW = 9 * MM, 40 * MM
MIN_TICK = 8 * MM  # a table row where one ticks a box
PAGE_BREAK = 40 * MM  # lost at a page break of a sheet of several pages, at worst
SAFETY = 7 * MM  # left unallocated at the foot of each sheet (LibreOffice needs a few mm)

# Arial advance widths in thousandths of an em (the same as Helvetica's), by character.
_WIDTHS: dict[str, int] = {}
for _chars, _width in (
        ("ijl'|", 222), ("’‘‚", 222), (" ft!.,:;/\\[]\u00a0\u202f", 278), ("I", 278),
        ("r()-`°", 333), ("\"", 355), ("*", 389), ("J", 500), ("ckszvxy", 500),
        ("^", 469), ("abdeghnopqu0123456789$#_?€«»–", 556), ("L", 556), ("+<=>~", 584),
        ("FTZ", 611), ("ABEKPSVXY&", 667), ("CDHNRUw", 722), ("GOQ", 778), ("mM", 833),
        ("%", 889), ("W", 944), ("@—…", 1015)):
    for _char in _chars:
        _WIDTHS[_char] = _width
_ACCENTED = str.maketrans("àâäáãåçéèêëíìîïñóòôöõúùûüýÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ",
                          "aaaaaaceeeeiiiinooooouuuuyyoaAAACEEEEIIOOUUUYOA")


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in points of `text` set in Arial at `size` points."""
    units = sum(_WIDTHS.get(c, 600) for c in text.translate(_ACCENTED))
    units += sum(550 for c in text if c in "œæŒÆ")  # two letters in one
    return units * size / 1000 * (1.08 if bold else 1.0)


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
