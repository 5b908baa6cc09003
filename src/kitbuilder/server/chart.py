"""The request counts as an SVG image: one horizontal bar chart per breakdown.

SVG because it needs no plotting library, stays sharp when printed, and opens in browsers,
Word and LibreOffice.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

Section = tuple[str, Sequence[tuple[str, int]]]

_WIDTH = 760
_LABEL = 300  # width of the label column
_BAR = 380  # longest bar
_ROW = 22
_MAX_ROWS = 15  # a long breakdown (départements) keeps its first rows and sums the rest
_COLOUR = "#00695c"


def _rows(rows: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    rows = list(rows)
    if len(rows) <= _MAX_ROWS:
        return rows
    rest = sum(n for _, n in rows[_MAX_ROWS - 1:])
    return rows[:_MAX_ROWS - 1] + [(f"{len(rows) - _MAX_ROWS + 1} autres", rest)]


def bar_charts(title: str, sections: Sequence[Section]) -> str:
    """An SVG document with a title and one bar chart per section."""
    parts: list[str] = []
    y = 40
    parts.append(f'<text x="20" y="28" class="title">{escape(title)}</text>')
    for heading, raw in sections:
        rows = _rows(raw)
        y += 22
        parts.append(f'<text x="20" y="{y}" class="heading">{escape(heading)}</text>')
        y += 8
        top = max([n for _, n in rows] + [1])
        if not rows:
            y += _ROW
            parts.append(f'<text x="20" y="{y - 6}">(aucune)</text>')
        for label, n in rows:
            width = round(_BAR * n / top)
            parts.append(f'<text x="{_LABEL}" y="{y + 15}" text-anchor="end">'
                         f"{escape(label)}</text>")
            parts.append(f'<rect x="{_LABEL + 10}" y="{y + 3}" width="{width}" height="16" '
                         f'fill="{_COLOUR}"><title>{escape(label)}\u00a0: {n}</title></rect>')
            parts.append(f'<text x="{_LABEL + 16 + width}" y="{y + 15}">{n}</text>')
            y += _ROW
        y += 12
    height = y + 10
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
            f'viewBox="0 0 {_WIDTH} {height}" role="img" aria-label="{escape(title)}">\n'
            "<style>text{font-family:sans-serif;font-size:13px;fill:#222}"
            ".title{font-size:18px;font-weight:bold}.heading{font-size:15px;font-weight:bold}"
            "</style>\n"
            f'<rect width="{_WIDTH}" height="{height}" fill="#fff"/>\n'
            + "\n".join(parts) + "\n</svg>\n")
