"""A discussion sheet's page: its banner and info box, and the blanks to fill in by hand.

The phases' colours live here too: the sheets' banners, the summary table and the kit pages
share them.
"""

from __future__ import annotations

import html

from kitbuilder import layout
from kitbuilder.model import (
    BoxField,
    ChecklistField,
    Kit,
    LinesField,
    Sheet,
    SheetField,
    TableField,
)
from kitbuilder.render import offers
from kitbuilder.render.escape import css_string, esc, html_text
from kitbuilder.render.offers import Facts
from kitbuilder.render.page_blocks import print_mark
from kitbuilder.typography import NBSP


def phases_css(kit: Kit) -> str:
    """A class per phase with its colour, and the kit's name for the running footer of a kit
    page on paper (kit.css prints it; a stylesheet: the site's CSP refuses inline styles)."""
    rules = [f".kit-phase-{p.id} {{ --kit-phase: {p.colour}; }}" for p in kit.phases]
    name = css_string(f"{kit.title} — {kit.publisher}")
    rules.append(f":root:has(.kit-print-mark) {{ --kit-name: {name}; }}")
    return ("/* Made by the kit build from kit/kit.yml (phases, title, publisher): edit them "
            "there. */\n" + "\n".join(rules) + "\n")


def phase_chip(kit: Kit, key: str | None) -> str:
    """The phase's label on its colour, as the table and the kit pages show it."""
    phase = kit.phase(key)
    if phase is None:
        return ""
    return (f'<span class="kit-chip kit-phase-{phase.id}">{html_text(phase.label)}</span>')


def banner(kit: Kit, item: Sheet) -> str:
    """« Fiche 3 sur 6 · Animer »: where the sheet stands in the kit, on its phase's colour."""
    number = kit.sheets.index(item) + 1
    phase = kit.phase(item.phase)
    text = f"Fiche {number} sur {len(kit.sheets)}" + (f" · {phase.label}" if phase else "")
    css = f" kit-phase-{phase.id}" if phase else ""
    return f'<p class="kit-banner{css}">{html_text(text)}</p>'


def info_box(kit: Kit, item: Sheet) -> str:
    """When, with whom, how long, what to have at hand: the box under a sheet's title."""
    if item.info is None:
        return ""
    rows = "".join(f"<div><dt>{label}{NBSP}:</dt><dd>{_value(value)}</dd></div>"
                   for label, value in item.info.rows() if value)
    phase = kit.phase(item.phase)
    css = f" kit-phase-{phase.id}" if phase else ""
    return f'<dl class="kit-info{css}">{rows}</dl>'


def _value(value: str | tuple[str, ...]) -> str:
    """An info box's value on the page: a text, or a list (what to have at hand)."""
    if isinstance(value, tuple):
        return "<ul>" + "".join(f"<li>{html_text(v)}</li>" for v in value) + "</ul>"
    return html_text(value)


def sheet(kit: Kit, item: Sheet, facts: Facts | None = None) -> str:
    up = "../"
    lines = [f"# {esc(item.title)}", "", banner(kit, item), "",
             offers.offer(up, layout.sheet_docx(item), facts), "{ .kit-download }", "",
             ('<button type="button" class="md-button kit-print" data-kit-print hidden>'
             "Imprimer la fiche</button>"), "",
             f"*{esc(item.purpose)}*", ""]
    if item.info is not None:
        lines += [info_box(kit, item), ""]
    if item.instructions:
        lines += ["## Consignes pour l’animation", ""]
        lines += [f"{n}. {esc(text)}" for n, text in enumerate(item.instructions, 1)] + [""]
    for field in item.fields:
        lines += [f"### {esc(field.label)}", "", _field(field), ""]
    return "\n".join(lines) + print_mark(
        "kit-sheet", *(["kit-landscape"] if item.landscape else []), pages=item.pages)


def _field(field: SheetField) -> str:
    """Blank spaces to fill in by hand once the page is printed."""
    if isinstance(field, LinesField):
        return '<div class="kit-lines">' + '<div class="kit-line"></div>' * field.lines + "</div>"
    if isinstance(field, BoxField):
        return f'<div class="kit-box kit-h-{_half_cm(field.height)}"></div>'
    if isinstance(field, TableField):
        head = "".join(f'<th scope="col">{html_text(c)}</th>' for c in field.columns)
        row = "<tr>" + "<td></td>" * len(field.columns) + "</tr>"
        headed = "".join(f'<tr><th scope="row">{html_text(item)}</th>'
                         + "<td></td>" * (len(field.columns) - 1) + "</tr>"
                         for item in field.items)
        # A wide table (a follow-up table of seven columns) scrolls in its own region on a
        # phone instead of widening the page; the region is focusable, so that a keyboard
        # scrolls it too. On paper the region steps aside (kit.css) and the table fills.
        return (f'<div class="kit-fill-wrap" role="region" tabindex="0" '
                f'aria-label="{html.escape(field.label, quote=True)}">'
                f'<table class="kit-fill"><thead><tr>{head}</tr></thead>'
                f"<tbody>{headed}{row * field.rows}</tbody></table></div>")
    if isinstance(field, ChecklistField):
        items = "".join(f"<li>☐{NBSP}{html_text(item)}</li>" for item in field.items)
        return f'<ul class="kit-checklist">{items}</ul>'
    raise TypeError(field)


def _half_cm(height: float) -> str:
    """Box heights rounded to half a centimetre, as CSS class suffixes (5.5 -> « 5-5 »)."""
    halves = round(height * 2)
    return f"{halves // 2}" + ("-5" if halves % 2 else "")
