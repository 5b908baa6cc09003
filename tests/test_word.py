"""The Word files read back with python-docx as a French Word user meets them: headings to
navigate by, French style names, Word's current mode, honest properties, real lists, header
rows, nothing split that belongs together."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Cm
from fontTools.ttLib import TTFont

from kitbuilder.build import BuildResult, build_kit
from kitbuilder.errors import KitError
from kitbuilder.sources import load_kit

FRENCH_CUSTOM_STYLES = {"Case à cocher", "Encadré", "Couverture"}


@pytest.fixture
def built(kit_dir: Path, tmp_path: Path) -> BuildResult:
    return build_kit(kit_dir, tmp_path / "cache")


def _path(result: BuildResult, name: str) -> Path:
    return next(f.path for f in result.files if f.name == name)


def _open(result: BuildResult, name: str) -> docx.document.Document:
    return docx.Document(str(_path(result, name)))


def _word_files(result: BuildResult) -> list[str]:
    return [f.name for f in result.files if f.name.endswith(".docx")]


def test_sheet_sections_are_headings_a_reader_can_navigate_by(built: BuildResult) -> None:
    sheet = _open(built, "fiche-regles.docx")
    headings = [p.text for p in sheet.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["Consignes pour l’animation", "Règles retenues",
                        "Règles ajoutées par le groupe"]
    assert all(p.style.paragraph_format.keep_with_next for p in sheet.paragraphs
               if p.style.name == "Heading 1")


def test_lines_are_drawn_one_per_line_at_least_9_mm_apart(built: BuildResult) -> None:
    """`lines: 4` gives a table of four rows, each with its own bottom rule: paragraph
    borders would merge into one box and draw a single line."""
    sheet = _open(built, "fiche-regles.docx")
    lines = sheet.tables[-1]
    assert len(lines.rows) == 4 and len(lines.columns) == 1
    assert all(row.height >= Cm(0.9) for row in lines.rows)
    borders = lines._tbl.tblPr.find(qn("w:tblBorders"))
    drawn = {b.tag.split("}")[1] for b in borders if b.get(qn("w:val")) == "single"}
    assert drawn == {"bottom", "insideH"}


def test_a_sheet_grows_its_writing_spaces_into_the_free_page(built: BuildResult) -> None:
    follow_up = _open(built, "fiche-suivi.docx")
    proposals, remarks = follow_up.tables[-2:]
    assert [c.text for c in proposals.rows[0].cells][-1] == "Où en est-on"
    assert len(proposals.rows) == 7 and all(c.text == "" for c in proposals.rows[3].cells)
    # The source's 5 cm is the least: the page has room for more.
    assert remarks.rows[0].height > Cm(5.5)
    assert all(row.height >= Cm(1) for row in proposals.rows[1:])


def test_landscape_sheet_when_its_source_asks(kit_dir: Path, tmp_path: Path) -> None:
    source = kit_dir / "fiches" / "suivi.yml"
    source.write_text(source.read_text() + "landscape: true\n")
    section = _open(build_kit(kit_dir, tmp_path / "cache"), "fiche-suivi.docx").sections[0]
    assert section.page_width > section.page_height


def test_header_rows_are_bold_and_repeated(built: BuildResult) -> None:
    for name in ("guide-de-demarrage.docx", "tableau-de-synthese.docx", "fiche-suivi.docx"):
        table = next(t for t in _open(built, name).tables if len(t.rows) > 1)
        header = table.rows[0]
        assert header._tr.trPr.find(qn("w:tblHeader")) is not None, name
        runs = [r for c in header.cells for p in c.paragraphs for r in p.runs if r.text]
        assert runs and all(r.bold for r in runs), name


def test_numbered_lists_are_real_word_lists_that_restart(built: BuildResult) -> None:
    guide = _open(built, "guide-de-demarrage.docx")
    items = [p for p in guide.paragraphs if p.style.name == "List Number"]
    assert [p.text for p in items] == ["La direction", "Les équipes"]  # no typed « 1. »
    story = _open(built, "recit-complet.docx")
    numbering = story.part.numbering_part.element
    lists = set()
    for paragraph in story.paragraphs:
        if paragraph.style.name == "List Number":
            num_id = paragraph._p.pPr.numPr.numId.val
            num = numbering.num_having_numId(num_id)
            assert num.find(f".//{qn('w:startOverride')}").get(qn("w:val")) == "1"
            lists.add(num_id)
    assert len(lists) == 2  # each part's questions start again at 1


def test_questions_are_kept_together_with_their_heading(built: BuildResult) -> None:
    story = _open(built, "recit-complet.docx")
    paragraphs = story.paragraphs
    for index, paragraph in enumerate(paragraphs):
        if paragraph.text == "Questions pour le groupe":
            assert paragraph.style.paragraph_format.keep_with_next
            questions = [p for p in paragraphs[index + 1:index + 3]
                         if p.style.name == "List Number"]
            assert all(p.paragraph_format.keep_with_next for p in questions[:-1])


def test_custom_styles_have_french_names(built: BuildResult) -> None:
    for name in _word_files(built):
        styles = _open(built, name).styles.element.findall(qn("w:style"))
        custom = {s.find(qn("w:name")).get(qn("w:val")) for s in styles
                  if s.get(qn("w:customStyle")) == "1"}
        english = {n for n in custom - FRENCH_CUSTOM_STYLES if not n.endswith(" Car")}
        assert english == set(), name


def test_current_compatibility_mode_honest_application_no_thumbnail(
        built: BuildResult) -> None:
    for name in _word_files(built):
        document = _open(built, name)
        modes = [s.get(qn("w:val")) for s in document.settings.element.iter(
            qn("w:compatSetting")) if s.get(qn("w:name")) == "compatibilityMode"]
        assert modes == ["15"], name
        with zipfile.ZipFile(_path(built, name)) as archive:
            names = archive.namelist()
            app = archive.read("docProps/app.xml").decode()
        assert "Microsoft" not in app and "<Application>kitbuilder" in app, name
        assert not any("thumbnail" in n for n in names), names


def test_styles_name_the_house_font_which_every_file_embeds_with_a_fallback(
        built: BuildResult) -> None:
    for name in _word_files(built):
        document = _open(built, name)
        named = {f.get(qn("w:ascii")) for f in document.styles.element.iter(qn("w:rFonts"))
                 if f.get(qn("w:ascii"))}
        # Word's built-in styles for code name Courier: those are left as they are.
        assert named <= {"Atkinson Hyperlegible", "Courier New", "Courier"}, (name, named)
        defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
        assert defaults.find(qn("w:rPr")).find(qn("w:rFonts")).get(
            qn("w:ascii")) == "Atkinson Hyperlegible", name
        with zipfile.ZipFile(_path(built, name)) as archive:
            table = archive.read("word/fontTable.xml").decode()
            rels = archive.read("word/_rels/fontTable.xml.rels").decode()
            assert "<w:embedTrueTypeFonts/>" in archive.read("word/settings.xml").decode()
            entry = re.search(r'<w:font w:name="Atkinson Hyperlegible">(.*?)</w:font>', table)
            assert entry, name
            assert '<w:altName w:val="Arial"/>' in entry[1] and 'w:val="swiss"' in entry[1]
            embedded = {m[0]: (m[1], m[2]) for m in re.findall(
                r'<w:(embed\w+) r:id="(rId\d+)" w:fontKey="([^"]+)"', entry[1])}
            assert set(embedded) == {"embedRegular", "embedBold", "embedItalic",
                                     "embedBoldItalic"}, name
            targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', rels))
            styles = set()
            for rid, key in embedded.values():
                data = bytearray(archive.read(f"word/{targets[rid]}"))
                reversed_key = bytes.fromhex(key.strip("{}").replace("-", ""))[::-1]
                for index in range(32):  # undo Word's obfuscation (ISO/IEC 29500-1, 17.8.1)
                    data[index] ^= reversed_key[index % 16]
                font = TTFont(io.BytesIO(bytes(data)))
                assert font["name"].getDebugName(1) == "Atkinson Hyperlegible"
                assert font["OS/2"].fsType == 0  # installable: Word may edit with it
                styles.add(font["name"].getDebugName(2))
            assert styles == {"Regular", "Bold", "Italic", "Bold Italic"}, (name, styles)


def test_old_name_count_still_reads_but_not_with_lines(kit_dir: Path) -> None:
    source = kit_dir / "fiches" / "regles.yml"
    text = source.read_text()
    source.write_text(text.replace("lines: 4", "count: 4"))
    assert load_kit(kit_dir).sheets[0].fields[1].lines == 4
    source.write_text(text.replace("lines: 4", "lines: 4\n    count: 4"))
    with pytest.raises(KitError) as raised:
        load_kit(kit_dir)
    assert "regles.yml" in str(raised.value) and "count" in str(raised.value)


def test_the_guide_has_a_cover_and_ends_with_credits_contacts_edition_and_licence(
        built: BuildResult) -> None:
    guide = _open(built, "guide-de-demarrage.docx")
    assert len(guide.inline_shapes) == 1  # the association's logo, on the cover
    cover = [p.text for p in guide.paragraphs[:6]]
    assert "Discuter du travail" in cover and "Guide de démarrage" in cover
    assert any("Mieux-être & Travail" in t and "Édition du 1er mars 2026" in t for t in cover)
    assert guide.sections[0].different_first_page_header_footer  # no header on the cover
    headings = [p.text for p in guide.paragraphs if p.style.name == "Heading 1"]
    assert headings[-1] == "Crédits et contacts"
    back = "\n".join(p.text for p in guide.paragraphs[-14:])
    for expected in ("Rédaction : l’équipe du kit.", "contact@example.org", "01 00 00 00 00",
                     "Creative Commons BY-NC-SA 4.0", "Édition du 1er mars 2026"):
        assert expected.replace(" :", "\u00a0:") in back or expected in back, expected


def test_the_complete_story_opens_on_a_cover_not_a_page_holding_its_title(
        built: BuildResult) -> None:
    story = _open(built, "recit-complet.docx")
    assert len(story.inline_shapes) == 1
    parts = [p for p in story.paragraphs if p.style.name == "Heading 1"]
    # The cover ends with a page break: the first part follows it, the others start a page.
    assert not parts[0].paragraph_format.page_break_before
    assert all(p.paragraph_format.page_break_before for p in parts[1:])
    assert "24\u00a0h en Ehpad, le récit complet" in [p.text for p in story.paragraphs[:6]]


def test_a_sheet_carries_its_banner_and_info_box(built: BuildResult) -> None:
    sheet = _open(built, "fiche-regles.docx")
    banner, info = sheet.tables[0], sheet.tables[1]
    assert banner.rows[0].cells[0].text == "Fiche 1 sur 2 · Animer"
    fill = banner.rows[0].cells[0]._tc.tcPr.find(qn("w:shd")).get(qn("w:fill"))
    assert fill == "B3400F"  # the phase's colour
    assert [row.cells[0].text for row in info.rows] == ["Quand", "Avec qui", "Durée",
                                                        "À prévoir"]
    assert info.rows[3].cells[1].text == "Des feutres"
