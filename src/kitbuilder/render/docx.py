"""Word documents with python-docx: the guide, the summary table, each sheet and the story.

Every document starts from `resources/reference.docx` (A4, French, the house styles), made by
`scripts/make-reference-docx`: the code never depends on Word's default template.
"""

from __future__ import annotations

import io
import zipfile
from importlib.resources import files
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph as DocxParagraph

from kitbuilder.model import (
    SCENE_QUESTIONS,
    STEP_COLUMNS,
    Aside,
    Block,
    BoxField,
    ChecklistField,
    Guide,
    Heading,
    Imprint,
    Inline,
    LinesField,
    ListBlock,
    Paragraph,
    Sheet,
    SheetField,
    StoryPart,
    SummaryTable,
    TableBlock,
    TableField,
)
from kitbuilder.model import Document as KitDocument
from kitbuilder.render import bundle
from kitbuilder.typography import NBSP

TABLE_ROW_HEIGHT = Cm(0.9)

VERSION = "4"  # bump when the output changes for the same model, to refresh the cache
REFERENCE = files("kitbuilder") / "resources" / "reference.docx"


def guide(imprint: Imprint, item: Guide | KitDocument, out: Path) -> None:
    """The guide, or any toolbox document written like it."""
    doc = _document(imprint, item.title)
    _title(doc, item.title, imprint.title)
    _blocks(doc, item.blocks)
    _save(doc, out)


def summary_table(imprint: Imprint, table: SummaryTable, out: Path) -> None:
    doc = _document(imprint, table.title)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    _title(doc, table.title, imprint.title)
    if table.intro:
        doc.add_paragraph(table.intro)
    headers = ["Étape", *(label for _, label in STEP_COLUMNS)]
    grid = _grid(doc, headers, len(table.steps))
    usable = section.page_width - section.left_margin - section.right_margin
    # The step's name is short; the five descriptive columns share the rest of the width.
    widths = [Cm(3.7)] + [int((usable - Cm(3.7)) / len(STEP_COLUMNS))] * len(STEP_COLUMNS)
    for row in grid.rows:
        _keep_row_whole(row)
        for cell, width in zip(row.cells, widths):
            cell.width = width
    for row, (number, step) in zip(grid.rows[1:], enumerate(table.steps, 1)):
        _cell_text(row.cells[0], f"{number}. {step.title}", bold=True)
        for cell, (name, _) in zip(row.cells[1:], STEP_COLUMNS):
            _cell_text(cell, getattr(step, name))
    _save(doc, out)


def _cell_text(cell, text: str, bold: bool = False) -> None:
    run = cell.paragraphs[0].add_run(text)
    run.bold = bold or None
    run.font.size = Pt(9.5)
    cell.paragraphs[0].paragraph_format.space_after = Pt(0)


def _keep_row_whole(row) -> None:
    """A table row is never split across two pages."""
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def sheet(imprint: Imprint, item: Sheet, out: Path) -> None:
    doc = _document(imprint, item.title)
    _title(doc, item.title, imprint.title)
    doc.add_paragraph().add_run(item.purpose).italic = True
    if item.instructions:
        doc.add_paragraph("Consignes pour l’animation", style="Kit Field Label")
        for number, text in enumerate(item.instructions, 1):
            doc.add_paragraph(f"{number}.\t{text}", style="Kit Numbered")
    for field in item.fields:
        doc.add_paragraph(field.label, style="Kit Field Label")
        _field(doc, field)
    _save(doc, out)


def story(imprint: Imprint, story_title: str, parts: tuple[StoryPart, ...], out: Path) -> None:
    """The story, or some of its parts; each part starts on a new page."""
    title = story_title if len(parts) > 1 else f"{story_title} — {parts[0].title}"
    doc = _document(imprint, title)
    _title(doc, story_title, imprint.title)
    for part in parts:
        heading = doc.add_heading(part.title, level=1)
        heading.paragraph_format.page_break_before = len(parts) > 1
        _blocks(doc, part.intro)
        for scene in part.scenes:
            doc.add_heading(scene.title, level=2)
            _blocks(doc, scene.blocks)
            if scene.questions:
                doc.add_heading(SCENE_QUESTIONS, level=3)
                _blocks(doc, (ListBlock(scene.questions),))
        doc.add_heading("Questions pour le groupe", level=2)
        _blocks(doc, (ListBlock(part.questions, ordered=True),))
    _save(doc, out)


# --- building blocks --------------------------------------------------------------------------


def _save(doc: Document, out: Path) -> None:
    """Save with the zip's fixed date on every part, where python-docx stamps the time of
    saving: the same sources give the same Word file, and so the same kit zip, byte for byte."""
    saved = io.BytesIO()
    doc.save(saved)
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(bundle.entry(item.filename), source.read(item))


def _document(imprint: Imprint, title: str) -> Document:
    doc = docx.Document(str(REFERENCE))
    # Word's document properties hold 255 characters at most (python-docx refuses more);
    # the whole title is on the first page.
    properties = doc.core_properties
    properties.title = title[:255]
    properties.subject = imprint.title[:255]
    properties.author = properties.last_modified_by = imprint.publisher[:255]
    # Not the template's « generated by python-docx » of 2013. No date at all rather than the
    # time of the build: the same sources give the same document (Word dates its own saves).
    properties.comments = ""
    for date in ("created", "modified"):
        for element in properties._element.findall(qn(f"dcterms:{date}")):
            properties._element.remove(element)
    section = doc.sections[0]
    section.header.paragraphs[0].text = f"{imprint.title} — {imprint.publisher}"
    footer = section.footer.paragraphs[0]
    footer.add_run(f"{title}    Page{NBSP}")
    _field_code(footer, "PAGE")
    footer.add_run(f"{NBSP}sur{NBSP}")
    _field_code(footer, "NUMPAGES")
    return doc


def _field_code(paragraph: DocxParagraph, instruction: str) -> None:
    """A Word field (page number, page count) that Word computes when it lays out the page."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _title(doc: Document, title: str, subtitle: str) -> None:
    doc.add_paragraph(title, style="Title")
    doc.add_paragraph(subtitle, style="Subtitle")


def _blocks(doc: Document, blocks: tuple[Block, ...]) -> None:
    for block in blocks:
        if isinstance(block, Heading):
            doc.add_heading(block.text, level=min(block.level, 3))
        elif isinstance(block, Paragraph):
            paragraph = doc.add_paragraph()
            if block.speaker:
                paragraph.add_run(f"{block.speaker}{NBSP}: ").bold = True
            _spans(paragraph, block.spans)
        elif isinstance(block, ListBlock):
            for number, item in enumerate(block.items, 1):
                if block.ordered:
                    paragraph = doc.add_paragraph(f"{number}.\t", style="Kit Numbered")
                else:
                    paragraph = doc.add_paragraph(style="List Bullet")
                _spans(paragraph, item)
        elif isinstance(block, TableBlock):
            grid = _grid(doc, [""] * len(block.header), len(block.rows))
            for row, cells in zip(grid.rows, (block.header, *block.rows)):
                for cell, spans in zip(row.cells, cells):
                    _spans(cell.paragraphs[0], spans, bold=row is grid.rows[0])
        elif isinstance(block, Aside):
            _aside(doc, block)


def _aside(doc: Document, aside: Aside) -> None:
    """A framed, tinted box: one cell holding the title, then paragraphs, lists and tables."""
    cell = _grid(doc, [""], 0).rows[0].cells[0]
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:fill"), "EAF1F3")
    cell._tc.get_or_add_tcPr().append(shading)
    cell.paragraphs[0].add_run(aside.title).bold = True
    for block in aside.blocks:
        if isinstance(block, Paragraph):
            _spans(cell.add_paragraph(), block.spans)
        elif isinstance(block, ListBlock):
            for number, item in enumerate(block.items, 1):
                _spans(cell.add_paragraph(f"{number}.\t" if block.ordered else "",
                                          style="Kit Numbered" if block.ordered
                                          else "List Bullet"), item)
        elif isinstance(block, TableBlock):
            grid = cell.add_table(len(block.rows) + 1, len(block.header))
            grid.style = doc.styles["Table Grid"]
            for row, cells in zip(grid.rows, (block.header, *block.rows)):
                for inner, spans in zip(row.cells, cells):
                    _spans(inner.paragraphs[0], spans, bold=row is grid.rows[0])


def _spans(paragraph: DocxParagraph, spans: Inline, bold: bool = False) -> None:
    for span in spans:
        run = paragraph.add_run(span.text)
        run.bold = span.strong or bold or None
        run.italic = span.em or None
        if span.code:
            run.font.name = "Courier New"
        if (span.href and ":" in span.href
                and span.href not in (span.text, f"mailto:{span.text}")):
            # Printed documents cannot be clicked: show where the link goes. A link to another
            # page of the site (« ../rendez-vous.md ») means nothing on paper; its text says it.
            paragraph.add_run(f" ({span.href.removeprefix('mailto:')})")


def _grid(doc: Document, headers: list[str], rows: int) -> Table:
    """A bordered table with a header row repeated on every page."""
    table = doc.add_table(rows=rows + 1, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    header = table.rows[0]
    header_props = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    header_props.append(repeat)
    for cell, text in zip(header.cells, headers):
        if text:
            cell.paragraphs[0].add_run(text).bold = True
    return table


def _field(doc: Document, field: SheetField) -> None:
    if isinstance(field, LinesField):
        for _ in range(field.count):
            doc.add_paragraph(style="Kit Writing Line")
    elif isinstance(field, BoxField):
        box = _grid(doc, [""], 0)
        row = box.rows[0]
        row.height, row.height_rule = Cm(field.height), WD_ROW_HEIGHT_RULE.EXACTLY
    elif isinstance(field, TableField):
        grid = _grid(doc, list(field.columns), len(field.items) + field.rows)
        for row in grid.rows[1:]:
            row.height, row.height_rule = TABLE_ROW_HEIGHT, WD_ROW_HEIGHT_RULE.AT_LEAST
        for row, item in zip(grid.rows[1:], field.items):
            _cell_text(row.cells[0], item)
    elif isinstance(field, ChecklistField):
        for item in field.items:
            doc.add_paragraph(f"☐{NBSP}{NBSP}{item}")
