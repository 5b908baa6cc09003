"""Word documents with python-docx: the guide, the summary table, each sheet and the story.

Shared set-up (reference document, header and footer, lists, tables, saving) is in
`docx_base`; the sheets, sized to fill their page, in `docx_sheet`.
"""

from __future__ import annotations

from pathlib import Path

from docx.document import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu
from docx.table import Table
from docx.text.paragraph import Paragraph as DocxParagraph

from kitbuilder.model import (
    SCENE_QUESTIONS,
    STEP_COLUMNS,
    Aside,
    Block,
    Edition,
    Guide,
    Heading,
    Imprint,
    Inline,
    ListBlock,
    Paragraph,
    StoryPart,
    SummaryTable,
    TableBlock,
    plain,
)
from kitbuilder.model import Document as KitDocument
from kitbuilder.render import docx_base as base
from kitbuilder.render import docx_matter as matter
from kitbuilder.render.docx_base import REFERENCE
from kitbuilder.render.docx_sheet import sheet
from kitbuilder.typography import NBSP

__all__ = ["REFERENCE", "VERSION", "guide", "guide_book", "sheet", "story", "story_book",
           "summary_table"]

VERSION = "9"  # bump when the output changes for the same model, to refresh the cache
QUESTIONS = "Questions pour le groupe"


def guide(imprint: Imprint, item: Guide | KitDocument, out: Path) -> None:
    """The guide, or any toolbox document written like it."""
    doc = base.document(imprint, item.title)
    base.title(doc, item.title, imprint.title)
    _blocks(doc, item.blocks)
    base.save(doc, out)


def guide_book(imprint: Imprint, item: Guide, edition: Edition, out: Path) -> None:
    """The getting-started guide: a cover, the guide, the credits page."""
    doc = base.document(imprint, item.title)
    matter.cover(doc, imprint, item.title, edition)
    _blocks(doc, item.blocks)
    matter.credits_page(doc, edition)
    base.save(doc, out)


def summary_table(imprint: Imprint, table: SummaryTable, out: Path) -> None:
    doc = base.document(imprint, table.title)
    base.landscape(doc)
    base.title(doc, table.title, imprint.title)
    if table.intro:
        doc.add_paragraph(table.intro)
    headers = ["Étape", *(label for _, label in STEP_COLUMNS)]
    grid = base.grid(doc, headers, len(table.steps))
    usable = base.usable(doc)[0]
    # The step's name is short; the five descriptive columns share the rest of the width.
    widths = [Cm(3.7)] + [int((usable - Cm(3.7)) / len(STEP_COLUMNS))] * len(STEP_COLUMNS)
    for row in grid.rows:
        base.keep_row_whole(row)
        for cell, width in zip(row.cells, widths):
            cell.width = width
    for row, (number, step) in zip(grid.rows[1:], enumerate(table.steps, 1)):
        base.cell_text(row.cells[0], f"{number}. {step.title}", bold=True, size=9.5)
        for cell, (name, _) in zip(row.cells[1:], STEP_COLUMNS):
            base.cell_text(cell, getattr(step, name), size=9.5)
    base.save(doc, out)


def story(imprint: Imprint, story_title: str, parts: tuple[StoryPart, ...], out: Path) -> None:
    """The story, or some of its parts; each part starts on a new page."""
    title = story_title if len(parts) > 1 else f"{story_title} — {parts[0].title}"
    doc = base.document(imprint, title)
    base.title(doc, story_title, imprint.title)
    _parts(doc, parts, first_break=len(parts) > 1)
    base.save(doc, out)


def story_book(imprint: Imprint, story_title: str, parts: tuple[StoryPart, ...],
               edition: Edition, out: Path) -> None:
    """The complete story: a cover (rather than a first page holding only the title), then
    each part on a page of its own."""
    doc = base.document(imprint, story_title)
    matter.cover(doc, imprint, f"{story_title}, le récit complet", edition)
    _parts(doc, parts, first_break=False)
    base.save(doc, out)


def _parts(doc: Document, parts: tuple[StoryPart, ...], first_break: bool) -> None:
    with base.in_parts(doc) as part_done:
        for index, part in enumerate(parts):
            _part(doc, part, page_break=first_break or index > 0)
            part_done()


def _part(doc: Document, part: StoryPart, page_break: bool) -> None:
    heading = doc.add_heading(part.title, level=1)
    heading.paragraph_format.page_break_before = page_break
    _blocks(doc, part.intro)
    for scene in part.scenes:
        doc.add_heading(scene.title, level=2)
        _blocks(doc, scene.blocks)
        if scene.questions:
            # A bold line, not a heading: Word's navigation pane lists the scenes only.
            label = doc.add_paragraph()
            label.add_run(SCENE_QUESTIONS).bold = True
            label.paragraph_format.keep_with_next = True
            _blocks(doc, (ListBlock(scene.questions),))
    doc.add_heading(QUESTIONS, level=2)
    # The questions are read together: never split across two pages.
    questions = _list(doc, ListBlock(part.questions, ordered=True))
    for paragraph in questions[:-1]:
        paragraph.paragraph_format.keep_with_next = True


# --- building blocks --------------------------------------------------------------------------


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
            _list(doc, block)
        elif isinstance(block, TableBlock):
            grid = base.grid(doc, [""] * len(block.header), len(block.rows) + 1)
            base.header_row(grid.rows[0])
            for index, (row, cells) in enumerate(zip(grid.rows, (block.header, *block.rows))):
                for cell, spans in zip(row.cells, cells):
                    _spans(cell.paragraphs[0], spans, bold=index == 0)
                    base.tight(cell.paragraphs[0])
            _widths(doc, grid, block)
        elif isinstance(block, Aside):
            _aside(doc, block)


def _widths(doc: Document, grid: Table, block: TableBlock) -> None:
    """Columns as wide as what they hold, roughly: a column of minutes or acronyms stays
    narrow, one of sentences takes the room (Word and LibreOffice would share it evenly)."""
    section = doc.sections[0]
    usable = int(section.page_width or 0) - int(section.left_margin or 0) - int(
        section.right_margin or 0)
    rows = (block.header, *block.rows)
    def weight(i: int) -> float:
        texts = [plain(row[i]) for row in rows if i < len(row)]
        longest = max((len(word) for text in texts for word in text.split()), default=1)
        share: float = max(float(longest), sum(map(len, texts)) / len(texts)) ** 0.5
        return share

    weights = [weight(i) for i in range(len(block.header))]
    grid.autofit = False
    for column, share in zip(grid.columns, weights):
        column.width = Emu(int(usable * share / sum(weights)))
    for row in grid.rows:
        for cell, column in zip(row.cells, grid.columns):
            cell.width = column.width


def _aside(doc: Document, aside: Aside) -> None:
    """A framed, tinted box: one cell holding the title, then paragraphs, lists and tables."""
    cell = base.grid(doc, [""], 1).rows[0].cells[0]
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
                # A box holds short lists: a written number rather than Word numbering.
                _spans(cell.add_paragraph(f"{number}.\t" if block.ordered else "",
                                          style=None if block.ordered else "List Bullet"), item)
        elif isinstance(block, TableBlock):
            grid = cell.add_table(len(block.rows) + 1, len(block.header))
            grid.style = doc.styles["Table Grid"]
            for index, (row, cells) in enumerate(zip(grid.rows, (block.header, *block.rows))):
                for inner, spans in zip(row.cells, cells):
                    _spans(inner.paragraphs[0], spans, bold=index == 0)


def _list(doc: Document, block: ListBlock) -> list[DocxParagraph]:
    """A real Word list: numbered (numbering.xml, restarting at 1) or bulleted."""
    if block.ordered:
        paragraphs = base.numbered(doc, len(block.items))
    else:
        paragraphs = [doc.add_paragraph(style="List Bullet") for _ in block.items]
    for paragraph, item in zip(paragraphs, block.items):
        _spans(paragraph, item)
    return paragraphs


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
