"""The kit's Word files as printed: LibreOffice (what many associations and nursing homes use,
and a stand-in for Word's layout) converts every one to PDF, and the PDF is read back.

For each discussion sheet: exactly its page budget (one A4 page), each lines field drawing as
many rules as its source's `lines`, every writing line and table row at least 8 mm high, boxes at
least their `height`, and the page's free space given to the writing fields, not left blank.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pdfplumber
import pytest

from conftest import ROOT
from kitbuilder import layout
from kitbuilder.model import BoxField, ChecklistField, Kit, LinesField, Sheet, TableField
from kitbuilder.render import docx
from kitbuilder.render import pdf as pdf_edition
from kitbuilder.sources import load_kit
from paper import MM, find_text, rules, to_pdf

MIN_ROW = 8 * MM
# Handwriting takes 8 to 10 mm a line; the sheets grow lines to 12 mm, the first one measured
# from its label with the space under the label.
MAX_PITCH = 15 * MM
# Below the last field, at most this much of the page's writing area stays unused.
MAX_BLANK = 30 * MM


@pytest.fixture(scope="module")
def kit() -> Kit:
    return load_kit(ROOT / "kit")


@pytest.fixture(scope="module")
def printed(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The repository kit's Word files, as LibreOffice prints them (name.docx -> PDF)."""
    folder = tmp_path_factory.mktemp("word")
    imprint = kit.imprint
    made = []
    for number, sheet in enumerate(kit.sheets, 1):
        made.append(folder / layout.sheet_docx(sheet))
        docx.sheet(imprint, sheet, number, len(kit.sheets), kit.phases, made[-1])
    made.append(folder / layout.GUIDE_DOCX)
    docx.guide_book(imprint, kit.guide, kit.edition, made[-1])
    made.append(folder / layout.TABLE_DOCX)
    docx.summary_table(imprint, kit.table, made[-1])
    made.append(folder / layout.STORY_DOCX)
    docx.story_book(imprint, kit.story.title, kit.story.parts, kit.edition, made[-1])
    for part in kit.story.parts:
        made.append(folder / layout.part_docx(part))
        docx.story(imprint, kit.story.title, (part,), made[-1])
    return to_pdf(made, folder / "pdf")


def _measure(sheet: Sheet, pdf: Path) -> list[str]:
    """What is wrong with one printed sheet, in words (empty when nothing)."""
    problems = []
    with pdfplumber.open(pdf) as document:
        if len(document.pages) != sheet.pages:
            problems.append(f"{len(document.pages)} pages for a budget of {sheet.pages}")
        pages = document.pages[:sheet.pages]
        # Each field on the page where its label is printed, down to the next label there.
        found = [next(((n, hit) for n, page in enumerate(pages)
                       if (hit := find_text(page, field.label, bold=True))), None)
                 for field in sheet.fields]
        missing = [f.label for f, where in zip(sheet.fields, found) if where is None]
        if missing:
            return [*problems, f"labels not found: {missing}"]
        for number, page in enumerate(pages):
            drawn = rules(page)
            footer = find_text(page, f"Page {number + 1} sur")
            foot = footer["top"] if footer else page.height - 12 * MM
            here = [(f, hit) for f, (n, hit) in zip(sheet.fields, found) if n == number]
            ends = [hit["top"] for _, hit in here[1:]] + [foot]
            for (field, label), end in zip(here, ends):
                inside = [r.top for r in drawn if label["bottom"] - 1 < r.top < end]
                problems += _field_problems(field, label["bottom"], inside)
            if number == len(pages) - 1:
                ink = [c["bottom"] for c in page.chars if c["bottom"] < foot - 2 * MM]
                lowest = max([*ink, *(r.top for r in drawn if r.top < foot - 2 * MM)])
                blank = foot - 3 * MM - lowest  # the footer sits 3 mm below the writing area
                if sheet.pages == 1 and blank > MAX_BLANK:
                    problems.append(f"{blank / MM:.0f} mm left blank at the foot")
                if blank > page.height / 4:
                    problems.append("more than a quarter of the page left blank")
    return [f"{sheet.slug}: {p}" for p in problems]


def _field_problems(field, label_bottom: float, tops: list[float]) -> list[str]:
    name = f"« {field.label} »"
    gaps = [b - a for a, b in itertools.pairwise(tops)]
    if isinstance(field, LinesField):
        if len(tops) != field.lines:
            return [f"{name}: {len(tops)} ruled lines drawn for lines: {field.lines}"]
        pitches = [tops[0] - label_bottom, *gaps]
        short = [f"{p / MM:.1f}" for p in pitches if p < MIN_ROW - 0.5 * MM]
        # Lines far apart are no longer lines to write on: a single rule under 5 cm of blank
        # page leaves the writer guessing where to write.
        wide = [f"{p / MM:.1f}" for p in pitches if p > MAX_PITCH]
        return ([f"{name}: lines of {short} mm"] if short else []) + (
            [f"{name}: lines {wide} mm apart"] if wide else [])
    if isinstance(field, BoxField):
        if len(tops) != 2:
            return [f"{name}: a box should draw 2 horizontal rules, {len(tops)} drawn"]
        if gaps[0] < field.height * 10 * MM - MM:
            return [f"{name}: box of {gaps[0] / MM:.0f} mm for height {field.height} cm"]
        return []
    if isinstance(field, TableField):
        rows = len(field.items) + field.rows
        if len(tops) != rows + 2:
            return [f"{name}: {len(tops) - 2} rows drawn for {rows} (items and rows)"]
        short = [f"{g / MM:.1f}" for g in gaps[1:] if g < MIN_ROW - 0.5 * MM]
        return [f"{name}: rows of {short} mm"] if short else []
    assert isinstance(field, ChecklistField)
    return []


def test_every_sheet_prints_on_its_page_with_the_writing_space_its_source_asks(
        kit: Kit, printed: dict[str, Path]) -> None:
    problems = [p for sheet in kit.sheets
                for p in _measure(sheet, printed[layout.sheet_docx(sheet)])]
    assert problems == [], "\n".join(problems)


def test_every_pdf_sheet_has_the_writing_space_its_source_asks(kit: Kit,
                                                              tmp_path: Path) -> None:
    """The same measures on the PDF edition's sheets (WeasyPrint), as a facilitator prints
    them: the free space of the page goes to every writing field, tables included."""
    problems = []
    for number, sheet in enumerate(kit.sheets, 1):
        out = tmp_path / f"{sheet.slug}.pdf"
        pdf_edition.sheet(kit.imprint, sheet, number, len(kit.sheets), kit.phases, out)
        problems += _measure(sheet, out)
    assert problems == [], "\n".join(problems)


def test_every_word_file_converts_and_no_page_is_empty(printed: dict[str, Path]) -> None:
    empty = []
    for name, pdf in printed.items():
        with pdfplumber.open(pdf) as document:
            empty += [f"{name} page {n}" for n, page in enumerate(document.pages, 1)
                      if len(page.chars) < 60]  # the header and footer alone
    assert empty == []


def test_every_word_file_prints_in_the_house_font_it_embeds(printed: dict[str, Path]) -> None:
    """LibreOffice, which has no Atkinson Hyperlegible installed here, sets the text in the
    font the file embeds: what the sheets' layout was measured with. Only the ballot boxes
    (☐), which the font lacks, and the bullets of Word's bullet lists (U+F0B7 in the Symbol
    font) come from other fonts."""
    for name, pdf in printed.items():
        fonts: dict[str, set[str]] = {}
        with pdfplumber.open(pdf) as document:
            for char in (c for page in document.pages for c in page.chars):
                fonts.setdefault(char["fontname"].partition("+")[2], set()).add(char["text"])
        others = set().union(*(t for f, t in fonts.items()
                               if not f.startswith("AtkinsonHyperlegible")))
        assert others <= {"☐", "☒", "\uf0b7", " "}, (name, others)
        assert "AtkinsonHyperlegible-Regular" in fonts and "AtkinsonHyperlegible-Bold" in fonts
