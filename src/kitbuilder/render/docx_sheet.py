"""A discussion sheet as a Word file: one A4 page (or its `pages` budget) to print and fill in
by hand, its writing spaces sized from the source and grown into the page's free space.

Each section a reader navigates by (the instructions, each field) is a real heading
(« Titre 1 » in a French Word), styled small on a sheet. Ruled lines are the rows of a table
with only horizontal borders: unlike paragraph borders, which Word and LibreOffice merge into
one box when consecutive paragraphs share them (ISO/IEC 29500 § 17.3.1.24), a row's bottom
border is always drawn, so `lines: 3` prints three lines.
"""

from __future__ import annotations

from pathlib import Path

from docx.document import Document
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.shared import Cm, Emu, Pt, RGBColor
from docx.table import Table

from kitbuilder.model import (
    BoxField,
    ChecklistField,
    Imprint,
    LinesField,
    Phase,
    Sheet,
    SheetField,
    SheetInfo,
    TableField,
)
from kitbuilder.render import docx_base as base
from kitbuilder.render import docx_fit as fit
from kitbuilder.typography import NBSP

INSTRUCTIONS = "Consignes pour l’animation"
# The sheet's type sizes and spacing, in points; the height estimates below read the same.
TITLE, BODY, LABEL, CELL, BANNER, INFO = 18.0, 10.5, 10.5, 9.5, 9.0, 9.0
INFO_LABEL = Cm(2.4)  # the info box's label column
ACCENT = "#1f4e5f"  # the banner's colour for a sheet without a phase
MARGIN = 1.5  # top and bottom, in centimetres
LABEL_BEFORE, LABEL_AFTER = 5.0, 2.0
LIST_INDENT = 18.0  # « List Number »'s hanging indent in the reference document
CELL_MARGIN = 5.4  # Word's default left and right cell margins
RULE = "808080"  # grey writing lines: visible, lighter than the text
FRAME = "404040"
CHECKBOX = f"☐{NBSP}{NBSP}"


def sheet(imprint: Imprint, item: Sheet, number: int, total: int, phases: tuple[Phase, ...],
          out: Path) -> None:
    """Sheet `number` of `total`, with its phase's banner and its info box when it has them."""
    doc = base.document(imprint, item.title)
    if item.landscape:
        base.landscape(doc)
    section = doc.sections[0]
    # Narrower top and bottom margins than the other documents: room to write in. The kit's
    # name is in the header, so no subtitle repeats it.
    section.top_margin = section.bottom_margin = Cm(MARGIN)
    section.header_distance = section.footer_distance = Cm(0.7)
    _sheet_styles(doc)
    phase = next((p for p in phases if p.id == item.phase), None)
    _banner(doc, f"Fiche {number} sur {total}" + (f" · {phase.label}" if phase else ""),
            phase.colour if phase else ACCENT)
    doc.add_paragraph(item.title, style="Title")
    doc.add_paragraph().add_run(item.purpose).italic = True
    if item.info:
        _info_box(doc, item.info)
    if item.instructions:
        doc.add_heading(INSTRUCTIONS, level=1)
        for paragraph, text in zip(base.numbered(doc, len(item.instructions)),
                                   item.instructions):
            paragraph.add_run(text)
    heights = _heights(doc, item)
    for field, height in zip(item.fields, heights):
        doc.add_heading(field.label, level=1)
        _field(doc, field, height)
    if not isinstance(item.fields[-1], ChecklistField):
        # Word ends a document with a paragraph; after a table, one too small to need a page.
        base.tiny(doc.add_paragraph())
    base.save(doc, out)


def _banner(doc: Document, text: str, colour: str) -> None:
    """« Fiche 3 sur 6 · Animer », white on the phase's colour (the loader checked that
    white text reads on it)."""
    table = doc.add_table(rows=1, cols=1)
    base.borders(table)
    cell = table.rows[0].cells[0]
    base.cell_text(cell, text, bold=True, size=BANNER)
    cell.paragraphs[0].runs[0].font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
    base.shade(cell, colour)


def _info_box(doc: Document, info: SheetInfo) -> None:
    """When, with whom, how long, what to have at hand: one framed row each, label first."""
    rows = _info_rows(info)
    table = doc.add_table(rows=len(rows), cols=2)
    base.borders(table, top=FRAME, left=FRAME, bottom=FRAME, right=FRAME)
    base.widths(table, [INFO_LABEL, base.usable(doc)[0] - INFO_LABEL])
    for row, (label, value) in zip(table.rows, rows):
        base.keep_row_whole(row)
        for cell, text, bold in ((row.cells[0], label, True), (row.cells[1], value, False)):
            paragraph = cell.paragraphs[0]
            paragraph.style = doc.styles["Encadré"]
            paragraph.add_run(text).bold = bold or None
            base.tight(paragraph)
        row.cells[0].paragraphs[0].paragraph_format.keep_with_next = True
    base.shade_row(table.rows, "#F2F5F6")


def _info_rows(info: SheetInfo) -> list[tuple[str, str]]:
    """The info box's rows as Word shows them: what to have at hand on one line, or « — »."""
    return [(label, value if isinstance(value, str) else ", ".join(value) or "—")
            for label, value in info.rows()]


def _sheet_styles(doc: Document) -> None:
    """On a sheet, headings are labels above the writing spaces: bold, small, kept with the
    space they name."""
    heading = doc.styles["Heading 1"]
    heading.font.size = Pt(LABEL)
    heading.paragraph_format.space_before = Pt(LABEL_BEFORE)
    heading.paragraph_format.space_after = Pt(LABEL_AFTER)
    doc.styles["Title"].font.size = Pt(TITLE)
    doc.styles["Normal"].font.size = Pt(BODY)
    doc.styles["Encadré"].font.size = Pt(INFO)


def _field(doc: Document, field: SheetField, height: float) -> None:
    if isinstance(field, LinesField):
        table = doc.add_table(rows=field.lines, cols=1)
        base.borders(table, bottom=RULE, insideH=RULE)
        _rows(table, height, 0)
    elif isinstance(field, BoxField):
        table = doc.add_table(rows=1, cols=1)
        base.borders(table, top=FRAME, left=FRAME, bottom=FRAME, right=FRAME)
        _rows(table, height, 0)
    elif isinstance(field, TableField):
        table = base.grid(doc, list(field.columns), len(field.items) + field.rows)
        _rows(table, height, 1)
        if field.items:
            _headed_rows(doc, table, field.items)
    elif isinstance(field, ChecklistField):
        for text in field.items:
            paragraph = doc.add_paragraph(f"{CHECKBOX}{text}", style="Case à cocher")
            paragraph.paragraph_format.keep_with_next = text != field.items[-1]


def _headed_rows(doc: Document, table: Table, items: tuple[str, ...]) -> None:
    """Rows that start with their item (a question to rate, a step): the first column takes
    the room the item needs, the others share the rest."""
    base.widths(table, _headed_widths(base.usable(doc)[0], len(table.columns)))
    for row, item in zip(table.rows[1:], items):
        base.cell_text(row.cells[0], item)


def _headed_widths(usable: int, columns: int) -> list[int]:
    first = int(usable * (0.45 if columns > 2 else 0.5))
    return [first] + [int((usable - first) / max(columns - 1, 1))] * (columns - 1)


def _rows(table: Table, height: float, skip: int) -> None:
    """Every row from `skip` on at least `height` points high, with nothing in it that would
    make it taller."""
    for row in table.rows[skip:]:
        row.height, row.height_rule = Pt(height), WD_ROW_HEIGHT_RULE.AT_LEAST
        base.keep_row_whole(row)
        for cell in row.cells:
            base.tight(cell.paragraphs[0])


# --- sharing the page -------------------------------------------------------------------------


def _heights(doc: Document, item: Sheet) -> list[float]:
    """Each field's row (or box) height in points: its least, grown to share the page's free
    space when the sheet is one page."""
    width, page = (Emu(length).pt for length in base.usable(doc))
    spaces = [fit.least(field) for field in item.fields]
    fixed = _fixed(item, width)
    # A sheet of several pages loses some room at each page break (a field is never split).
    room = item.pages * (page - fit.SAFETY) - (item.pages - 1) * fit.PAGE_BREAK - fixed
    growing = [space for space in spaces if space]
    shared = iter(fit.share(growing, room))
    return [next(shared) if space else 0.0 for space in spaces]


def _fixed(item: Sheet, width: float) -> float:
    """Points taken by everything on the sheet but its writing spaces."""
    total = BANNER * fit.LINE + 2
    total += fit.paragraph(item.title, TITLE, width, after=4) * fit.SINGLE / fit.LINE + 6
    if item.info:
        column = width - Emu(INFO_LABEL).pt - 2 * CELL_MARGIN
        total += sum(fit.paragraph(value, INFO, column) + 1
                     for _, value in _info_rows(item.info))
    total += fit.paragraph(item.purpose, BODY, width, after=6)
    if item.instructions:
        total += _label(INSTRUCTIONS, width)
        total += sum(fit.paragraph(text, BODY, width - LIST_INDENT, after=2)
                     for text in item.instructions)
    for field in item.fields:
        total += _label(field.label, width)
        if isinstance(field, TableField):
            column = width / len(field.columns) - 2 * CELL_MARGIN
            total += max(fit.paragraph(c, CELL, column, bold=True) for c in field.columns) + 2
            if field.items:  # an item longer than its row makes the row taller
                first = _headed_widths(int(width * 12700), len(field.columns))[0] / 12700
                total += sum(max(0.0, fit.paragraph(item, CELL, first - 2 * CELL_MARGIN) + 2
                                 - fit.MIN_TICK) for item in field.items)
        elif isinstance(field, ChecklistField):
            total += sum(fit.paragraph(CHECKBOX + text, BODY, width - LIST_INDENT, after=2)
                         * 1.04 for text in field.items)
        else:
            total += 1  # the borders
    return total + 1  # the last, tiny paragraph


def _label(text: str, width: float) -> float:
    return fit.paragraph(text, LABEL, width, before=LABEL_BEFORE, after=LABEL_AFTER, bold=True)
