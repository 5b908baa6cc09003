"""What every Word file of the kit shares: the reference document, properties, header and
footer, real Word lists, bordered tables, and a save that gives the same bytes for the same
sources.

Every document starts from `resources/reference.docx` (A4, French, the house styles, Word's
current compatibility mode), made by `scripts/make-reference-docx`: the code never depends on
python-docx's default template (US Letter, English, Word 2010 mode).
"""

from __future__ import annotations

import contextlib
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from importlib.resources import files
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Emu, Pt
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

from kitbuilder.model import Imprint
from kitbuilder.render import bundle
from kitbuilder.typography import NBSP

REFERENCE = files("kitbuilder") / "resources" / "reference.docx"
# The numbering definition (numbering.xml) of the reference's « List Number » style: each
# numbered list gets its own instance of it, so that each starts again at 1.
_DECIMAL_LIST = 7


def document(imprint: Imprint, title: str) -> Document:
    """A new Word document from the reference, with its properties, header and footer."""
    doc = docx.Document(str(REFERENCE))
    # Word's document properties hold 255 characters at most (python-docx refuses more);
    # the whole title is on the first page.
    properties = doc.core_properties
    properties.title = title[:255]
    properties.subject = imprint.title[:255]
    properties.author = properties.last_modified_by = imprint.publisher[:255]
    properties.comments = ""
    # No date at all rather than the time of the build: the same sources give the same
    # document (Word dates its own saves).
    for date in ("created", "modified"):
        for element in properties._element.findall(qn(f"dcterms:{date}")):
            properties._element.remove(element)
    section = doc.sections[0]
    section.header.paragraphs[0].text = f"{imprint.title} — {imprint.publisher}"
    footer = section.footer.paragraphs[0]
    footer.add_run(f"{title}    Page{NBSP}")
    field_code(footer, "PAGE")
    footer.add_run(f"{NBSP}sur{NBSP}")
    field_code(footer, "NUMPAGES")
    return doc


def usable(doc: Document) -> tuple[int, int]:
    """Width and height (EMU) of the first section's page inside its margins."""
    section = doc.sections[0]
    def size(length: int | None) -> int:
        return int(length or 0)
    return (size(section.page_width) - size(section.left_margin) - size(section.right_margin),
            size(section.page_height) - size(section.top_margin) - size(section.bottom_margin))


@contextlib.contextmanager
def in_parts(doc: Document) -> Iterator[Callable[[], None]]:
    """Build a long document part by part: call the function given after each part.

    python-docx finds where each new paragraph goes by walking the body for its final
    `w:sectPr`, so every addition cost as much as the document so far: the complete story's
    Word file grew with the square of its length (76 s for 150 parts). Each finished part is
    moved out of the body, and everything put back in order at the end; the bytes are the same.
    """
    body = doc.element.body
    end = qn("w:sectPr")
    finished: list[BaseOxmlElement] = []

    def set_aside() -> None:
        for child in list(body):
            if child.tag != end:
                body.remove(child)
                finished.append(child)

    yield set_aside
    set_aside()
    sections = body.find(end)
    for child in finished:
        if sections is not None:
            sections.addprevious(child)
        else:
            body.append(child)


def landscape(doc: Document) -> None:
    """A4 turned sideways, for the whole document."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width


def save(doc: Document, out: Path) -> None:
    """Save with the zip's fixed date on every part, where python-docx stamps the time of
    saving: the same sources give the same Word file, and so the same kit zip, byte for byte."""
    saved = io.BytesIO()
    doc.save(saved)
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(bundle.entry(item.filename), source.read(item))


def field_code(paragraph: Paragraph, instruction: str) -> None:
    """A Word field (page number, page count) that Word computes when it lays out the page."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def title(doc: Document, text: str, subtitle: str) -> None:
    doc.add_paragraph(text, style="Title")
    doc.add_paragraph(subtitle, style="Subtitle")


def numbered(doc: Document, count: int) -> list[Paragraph]:
    """`count` paragraphs of one real Word numbered list (numbering.xml) that starts at 1:
    Word renumbers it when an item is added, and screen readers announce a list."""
    numbering = doc.part.numbering_part.element
    num = numbering.add_num(_DECIMAL_LIST)
    num.add_lvlOverride(ilvl=0).add_startOverride(1)
    items = []
    for _ in range(count):
        paragraph = doc.add_paragraph(style="List Number")
        props = paragraph._p.get_or_add_pPr().get_or_add_numPr()
        props.get_or_add_ilvl().val = 0
        props.get_or_add_numId().val = num.numId
        items.append(paragraph)
    return items


def grid(doc: Document, headers: list[str], rows: int) -> Table:
    """A bordered table; its first row, when `headers` say something, is a header row: bold,
    repeated at the top of each page, never split."""
    table: Table = doc.add_table(rows=rows + (1 if any(headers) else 0), cols=len(headers))
    table.style = doc.styles["Table Grid"]
    if any(headers):
        header = table.rows[0]
        header_row(header)
        for cell, text in zip(header.cells, headers):
            cell_text(cell, text, bold=True)
    return table


def header_row(row: _Row) -> None:
    """Mark a table row as the header: Word repeats it on each page, readers announce it."""
    keep_row_whole(row)
    _insert(row._tr.get_or_add_trPr(), "w:tblHeader", _ROW_ORDER)


def keep_row_whole(row: _Row) -> None:
    """A table row is never split across two pages."""
    _insert(row._tr.get_or_add_trPr(), "w:cantSplit", _ROW_ORDER)


# The order ISO 29500 gives the children of a row's and a table's properties: Word refuses a
# file whose elements come in another order.
_ROW_ORDER = ("w:cnfStyle", "w:divId", "w:gridBefore", "w:gridAfter", "w:wBefore", "w:wAfter",
              "w:cantSplit", "w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc",
              "w:hidden")
_CELL_ORDER = ("w:cnfStyle", "w:tcW", "w:gridSpan", "w:hMerge", "w:vMerge", "w:tcBorders",
               "w:shd", "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign",
               "w:hideMark")
_TABLE_ORDER = ("w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual",
                "w:tblStyleRowBandSize", "w:tblStyleColBandSize", "w:tblW", "w:jc",
                "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout",
                "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription")


def _insert(parent: BaseOxmlElement, tag: str, order: tuple[str, ...]) -> BaseOxmlElement:
    """The child `tag` of `parent` (made if missing), at its place in `order`."""
    found: BaseOxmlElement | None = parent.find(qn(tag))
    if found is not None:
        return found
    child: BaseOxmlElement = OxmlElement(tag)
    later = {qn(t) for t in order[order.index(tag) + 1:]}
    successor = next((c for c in parent if c.tag in later), None)
    if successor is None:
        parent.append(child)
    else:
        successor.addprevious(child)
    return child


def cell_text(cell: _Cell, text: str, bold: bool = False, size: float = 10) -> None:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold = bold or None
    run.font.size = Pt(size)
    tight(paragraph)


def widths(table: Table, columns: list[int]) -> None:
    """Column widths (EMU) as Word and LibreOffice both read them: the table's grid (which
    LibreOffice follows) and each cell's width (which Word follows)."""
    table.autofit = False
    for grid_column, width in zip(table._tbl.tblGrid.gridCol_lst, columns):
        grid_column.w = Emu(width)
    for row in table.rows:
        for cell, width in zip(row.cells, columns):
            cell.width = Emu(width)


def shade(cell: _Cell, colour: str) -> None:
    """Fill a table cell with a colour (« #1f4e5f »)."""
    props = cell._tc.get_or_add_tcPr()
    fill = _insert(props, "w:shd", _CELL_ORDER)
    for attr, value in (("w:val", "clear"), ("w:color", "auto"),
                        ("w:fill", colour.removeprefix("#").upper())):
        fill.set(qn(attr), value)


def shade_row(rows: Iterable[_Row], colour: str) -> None:
    """Fill every cell of some table rows with a colour."""
    for row in rows:
        for cell in row.cells:
            shade(cell, colour)


def tiny(paragraph: Paragraph) -> None:
    """An empty paragraph one point high: its mark set in 1 pt type, at exactly 1 pt."""
    tight(paragraph)
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph.paragraph_format.line_spacing = Pt(1)
    mark = OxmlElement("w:rPr")
    for tag in ("w:sz", "w:szCs"):
        size = OxmlElement(tag)
        size.set(qn("w:val"), "2")
        mark.append(size)
    paragraph._p.get_or_add_pPr().append(mark)


def tight(paragraph: Paragraph) -> None:
    """No space before or after: the paragraph of a table cell."""
    paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(0)


def borders(table: Table, **sides: str | None) -> None:
    """Set the table's borders: a side named with None is not drawn, else drawn in that colour
    (sides: top, left, bottom, right, insideH, insideV)."""
    props = table._tbl.tblPr
    for old in props.findall(qn("w:tblBorders")):
        props.remove(old)
    element = _insert(props, "w:tblBorders", _TABLE_ORDER)
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        border = OxmlElement(f"w:{side}")
        colour = sides.get(side)
        border.set(qn("w:val"), "single" if colour else "nil")
        if colour:
            for attr, value in (("w:sz", "6"), ("w:space", "0"), ("w:color", colour)):
                border.set(qn(attr), value)
        element.append(border)
