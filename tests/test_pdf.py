"""The PDF edition, read back as a reader's software would: pages, fonts, tags, text."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from fixture_kit import write_kit
from kitbuilder import layout
from kitbuilder.build import BuildResult, build_kit
from kitbuilder.render import pdf
from kitbuilder.render.pdf_book import sections
from kitbuilder.sources import load_kit

A4 = (595.3, 841.9)  # points


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The fixture kit built once for this module (the PDFs take a few seconds)."""
    root = tmp_path_factory.mktemp("pdf")
    return build_kit(write_kit(root), root / "cache")


def _pdfs(built: BuildResult) -> dict[str, Path]:
    return {f.name: f.path for f in built.files if f.name.endswith(".pdf")}


def _text(page) -> str:
    return " ".join(page.extract_text().split())


def _text_of(source: str) -> str:
    """A source's text as _text reads it back: spaces of every kind as one."""
    return " ".join(source.split())


def _size(page) -> tuple[float, float]:
    return float(page.mediabox.width), float(page.mediabox.height)


def test_every_document_has_its_pdf_and_the_zip_holds_them(built: BuildResult) -> None:
    kit = built.kit
    docx = [f.name for f in built.files if f.name.endswith(".docx")]
    assert set(_pdfs(built)) == {layout.pdf(n) for n in docx} | {layout.KIT_PDF}
    zipped = next(f.path for f in built.files if f.name == kit.bundle)
    with zipfile.ZipFile(zipped) as archive:
        names = {Path(n).name for n in archive.namelist()}
    assert set(_pdfs(built)) <= names


def test_page_sizes_one_page_per_sheet_and_a_landscape_table(built: BuildResult) -> None:
    for name, path in _pdfs(built).items():
        reader = PdfReader(path)
        if name == layout.pdf(layout.TABLE_DOCX):
            assert all(_size(p) == pytest.approx(A4[::-1], abs=1) for p in reader.pages)
        elif name != layout.KIT_PDF:
            assert all(_size(p) == pytest.approx(A4, abs=1) for p in reader.pages), name
        if name.startswith("fiche-"):
            assert len(reader.pages) == 1, name


def test_fonts_embedded_french_tagged_and_titled(built: BuildResult) -> None:
    for name, path in _pdfs(built).items():
        reader = PdfReader(path)
        root = reader.trailer["/Root"]
        assert root["/Lang"] == "fr", name
        assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"], name
        assert reader.metadata.title, name
        for page in reader.pages:
            for font in page["/Resources"]["/Font"].values():
                font = font.get_object()
                descendant = font["/DescendantFonts"][0].get_object()
                descriptor = descendant["/FontDescriptor"].get_object()
                assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, name
                assert "Atkinson" in str(font["/BaseFont"]) or name, name
    fonts = {str(f.get_object()["/BaseFont"]) for p in PdfReader(
        _pdfs(built)[layout.KIT_PDF]).pages for f in p["/Resources"]["/Font"].values()}
    assert any("Atkinson-Hyperlegible" in f for f in fonts), fonts


def test_the_cover_names_the_kit_the_association_and_the_edition(built: BuildResult) -> None:
    cover = _text(PdfReader(_pdfs(built)[layout.KIT_PDF]).pages[0])
    kit = built.kit
    for words in (kit.title, kit.publisher, "Édition du 1er mars 2026"):
        assert words in cover, (words, cover)


def test_the_contents_page_gives_the_page_where_each_section_starts(built: BuildResult) -> None:
    reader = PdfReader(_pdfs(built)[layout.KIT_PDF])
    pages = [_text(p) for p in reader.pages]
    contents = next(i for i, t in enumerate(pages) if t.startswith("Sommaire"))
    listed = 0
    for (_, title), subs in sections(built.kit):
        for entry in [" ".join(t.split()) for t in (title, *(t for _, t in subs))]:
            found = re.search(re.escape(entry) + r"[ .]*?(\d+)(?!\d)", pages[contents])
            assert found, (entry, pages[contents])
            number = int(found[1])
            # The heading opens that page (after a sheet's banner or a part's kicker).
            body = pages[number - 1]
            assert 0 <= body.find(entry) < 80, (entry, number, body[:200])
            listed += 1
    assert listed >= 10


def test_each_pdf_reads_back_its_source_in_order(built: BuildResult) -> None:
    kit = built.kit
    pdfs = _pdfs(built)

    def in_order(name: str, expected: list[str]) -> None:
        text = " ".join(_text(p) for p in PdfReader(pdfs[name]).pages)
        at = 0
        for words in expected:
            words = " ".join(words.split())  # as the text reads back: no-break spaces too
            found = text.find(words, at)
            assert found >= 0, (name, words, text[at:at + 300])
            at = found + len(words)

    guide = [kit.guide.title] + [b.text for b in kit.guide.blocks if hasattr(b, "level")]
    in_order(layout.pdf(layout.GUIDE_DOCX), guide)
    for number, sheet in enumerate(kit.sheets, 1):
        banner = f"Fiche {number} sur {len(kit.sheets)}"
        in_order(layout.pdf(layout.sheet_docx(sheet)),
                 [banner, sheet.title, sheet.purpose.split(",")[0], *sheet.instructions,
                  *(f.label for f in sheet.fields)])
    in_order(layout.pdf(layout.TABLE_DOCX),
             [kit.table.title, *(s.title for s in kit.table.steps)])
    for part in kit.story.parts:
        in_order(layout.pdf(layout.part_docx(part)),
                 [part.title, *(s.title for s in part.scenes), "Questions pour le groupe"])
    in_order(layout.KIT_PDF, ["Le kit en bref", "Sommaire", kit.guide.title, kit.table.title,
                              *(s.title for s in kit.sheets),
                              *(p.title for p in kit.story.parts), "Glossaire des sigles",
                              *(a for a, _ in kit.edition.glossary)])


def test_typography_survives_copy_and_paste(built: BuildResult) -> None:
    text = " ".join(_text(p) for p in PdfReader(_pdfs(built)[layout.pdf(
        layout.GUIDE_DOCX)]).pages)
    assert "n’est" in text and "'" not in text  # typographic apostrophes, no straight ones
    assert "\ufffd" not in text
    # The narrow no-break space before « ? » copies out as itself, not as a plain space (the
    # published font had no such glyph: scripts/make-fonts adds it).
    raw = "".join(p.extract_text() for p in PdfReader(_pdfs(built)[layout.pdf(
        layout.GUIDE_DOCX)]).pages)
    assert "participe\u202f?" in raw and "participe ?" not in raw


def test_the_pages_offer_the_pdf_first_with_size_and_pages(built: BuildResult) -> None:
    sheet = built.pages["fiches/regles.md"]
    assert re.search(r"\*\*Imprimer\u00a0:\*\* \[PDF, 1\u00a0page, \d+\u00a0ko\]"
                     r"\(\.\./fichiers/fiche-regles\.pdf\) · \*\*Modifier\u00a0:\*\* "
                     r"\[Word, 1\u00a0page, \d+\u00a0ko\]\(\.\./fichiers/fiche-regles\.docx\)",
                     sheet), sheet
    # A Word file that flows has no page count of its own: the reading program makes it.
    assert re.search(r"\[Word, \d+\u00a0ko\]\(fichiers/guide-de-demarrage\.docx\)",
                     built.pages["guide.md"]), built.pages["guide.md"][:800]
    assert built.pages["guide.md"].index("PDF") < built.pages["guide.md"].index("Word")
    # Each story part says how long it plays (beside how each scene is voiced).
    assert re.search(r"Durée de l’écoute\u00a0: \d+\u00a0min\u00a0\d\d\u00a0s\.",
                     built.pages["recit/matin.md"]), built.pages["recit/matin.md"][:600]
    index = built.pages["index.md"]
    assert "«\u00a0Le kit complet\u00a0» (PDF, " in index  # typeset, like every line
    assert '"kit-complet.pdf"' in index  # the download list after the form


def test_each_shipped_sheet_prints_on_the_pages_its_source_gives(tmp_path: Path) -> None:
    """The real sheets, not only the fixture's: a field too many spills onto a second page."""
    kit = load_kit(Path(__file__).resolve().parent.parent / "kit")
    for number, sheet in enumerate(kit.sheets, 1):
        out = tmp_path / f"{sheet.slug}.pdf"
        pdf.sheet(kit.imprint, sheet, number, len(kit.sheets), kit.phases, out)
        assert pdf.page_count(out) == sheet.pages, sheet.slug
        # A label never ends a page apart from its blanks: a checklist's boxes and a table's
        # column heads are on its label's page (« Analyser une situation » once printed the
        # label of its checklist at the foot of page 1 and the items on page 2).
        pages = [_text(page) for page in PdfReader(out).pages]
        for field in sheet.fields:
            words = [_text_of(w) for w in (*getattr(field, "items", ()),
                                           *getattr(field, "columns", ()))]
            if not words:
                continue
            label = _text_of(field.label)
            page = next(t for t in pages if label in t)
            assert all(w in page.split(label, 1)[1] for w in words), (sheet.slug, field)


def test_in_the_whole_kit_each_sheet_takes_its_pages(built: BuildResult) -> None:
    reader = PdfReader(_pdfs(built)[layout.KIT_PDF])
    pages = [_text(p) for p in reader.pages]
    starts = [next(i for i, t in enumerate(pages) if t.startswith(f"Fiche {n} sur "))
              for n in range(1, len(built.kit.sheets) + 1)]
    for sheet, start, following in zip(built.kit.sheets, starts, starts[1:]):
        assert following - start == sheet.pages, sheet.slug


def test_bookmarks_follow_the_sections(built: BuildResult) -> None:
    reader = PdfReader(_pdfs(built)[layout.KIT_PDF])
    top = [(" ".join(item.title.split()), reader.get_destination_page_number(item) + 1)
           for item in reader.outline if not isinstance(item, list)]
    titles = [t for t, _ in top]
    expected = [" ".join(title.split()) for (_, title), _ in sections(built.kit)]
    assert [t for t in titles if t in expected] == expected, titles
    assert [p for _, p in top] == sorted(p for _, p in top)  # in reading order
