"""The toolbox: every tool `kit.yml` lists is a page and a Word file; the landing page's text
comes from `kit.yml`; mistakes in either are named with their file and line."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest
import yaml
from pypdf import PdfReader

from conftest import ROOT
from fixture_kit import FILES, MANIFEST, write_kit
from kitbuilder import layout
from kitbuilder.build import _jobs, _pdf_jobs, build_kit
from kitbuilder.errors import KitError
from kitbuilder.model import Kit
from kitbuilder.render import pages, pdf
from kitbuilder.site.nav import kit_nav
from kitbuilder.sources import load_kit

INTRO = """\
intro: |
  Pour les directions d'Ehpad : **gratuit**, trois mois environ.

  ## Ce qu'il faut prévoir

  - Une salle et deux heures par séance.
  - [L'aide aux personnes](../entretiens.md).
"""

GLOSSARY = """\
# Glossaire

## Sigles

| Sigle | Sens |
| --- | --- |
| IDEC | Infirmière coordinatrice |
"""

WITH_TOOLS = {**FILES, "kit.yml": MANIFEST + INTRO + "documents:\n  - outils/glossaire.md\n",
              "outils/glossaire.md": GLOSSARY}


def _title(path: Path) -> str:
    return docx.Document(str(path)).paragraphs[0].text


def _tools(kit: Kit) -> list[tuple[str, str, str]]:
    """(title, page, Word file) of every sheet and document."""
    return ([(s.title, layout.sheet_page(s), layout.sheet_docx(s)) for s in kit.sheets]
            + [(d.title, layout.document_page(d), layout.document_docx(d))
               for d in kit.documents])


def test_every_tool_of_the_kit_is_a_page_and_a_word_file(tmp_path: Path) -> None:
    """On this repository's kit: each file listed under sheets or documents in kit.yml."""
    manifest = yaml.safe_load((ROOT / "kit" / "kit.yml").read_text(encoding="utf-8"))
    kit = load_kit(ROOT / "kit")
    listed = [*manifest["sheets"], *manifest.get("documents", ())]
    tools = _tools(kit)
    assert len(tools) == len(listed) >= 6
    built = pages.pages(kit)
    jobs = {job.name: job for job in _jobs(kit)}
    for (title, page, word), rel in zip(tools, listed):
        assert Path(rel).stem in page
        assert built[page].startswith(f"# {pages.esc(title)}\n"), page
        assert f"{layout.FILES}/{word})" in built[page], page
        out = tmp_path / word
        jobs[word].render(*jobs[word].args, out)
        assert _title(out) == title, word
        assert f"({page})" in built["index.md"], page


def test_a_document_is_built_like_the_guide_and_listed_everywhere(tmp_path: Path) -> None:
    result = build_kit(write_kit(tmp_path, WITH_TOOLS), tmp_path / "cache")
    (document,) = result.kit.documents
    assert (document.slug, document.title) == ("glossaire", "Glossaire")
    page = result.pages["outils/glossaire.md"]
    assert "| IDEC | Infirmière coordinatrice |" in page
    word = next(f.path for f in result.files if f.name == "outil-glossaire.docx")
    table = docx.Document(str(word)).tables[0]
    assert [c.text for c in table.rows[1].cells] == ["IDEC", "Infirmière coordinatrice"]
    assert "(outils/glossaire.md)" in result.pages["index.md"]
    nav = kit_nav(result.kit, "kit")
    assert {"Outils de l’animateur": [{"Glossaire": "kit/outils/glossaire.md"}]} in nav


def test_the_landing_text_comes_from_the_manifest(tmp_path: Path) -> None:
    kit = load_kit(write_kit(tmp_path, WITH_TOOLS))
    index = pages.index(kit)
    lead = "Pour les directions d’Ehpad\u00a0: **gratuit**, trois mois environ."
    assert lead in index and index.index(lead) < index.index("## Ce que contient le kit")
    assert "## Ce qu’il faut prévoir" in index
    assert "- [L’aide aux personnes](../entretiens.md)" in index


def test_every_acronym_of_the_tools_and_landing_text_is_in_the_glossary() -> None:
    kit = load_kit(ROOT / "kit")
    used = set(re.findall(r"\b[A-Z]{2,6}\b", repr((kit.documents, kit.intro))))
    assert used <= {a for a, _ in kit.edition.glossary}, used


def test_the_real_landing_page_tells_a_director_what_matters() -> None:
    kit = load_kit(ROOT / "kit")
    head = pages.index(kit).split("## Ce que contient le kit")[0]
    for words in ("gratuit", "Pour qui", "semaines", "Ce qu’il faut prévoir", "../entretiens.md"):
        assert words in head, words


AFTER_MANIFEST = len(MANIFEST.splitlines()) + 1  # the line of a key added at its end


@pytest.mark.parametrize("intro, line, words", [
    ("intro: |\n  Bonjour.\n\n  <div>boîte</div>\n", AFTER_MANIFEST + 3, "non pris en charge"),
    ("intro: |\n  # Un second titre\n", AFTER_MANIFEST + 1, "commencez les sections par « ## »"),
])
def test_a_mistake_in_the_landing_text_is_named_with_its_line(tmp_path: Path, intro: str,
                                                              line: int, words: str) -> None:
    with pytest.raises(KitError) as caught:
        load_kit(write_kit(tmp_path, {**FILES, "kit.yml": MANIFEST + intro}))
    (problem,) = caught.value.problems
    assert (str(problem.file), problem.line) == ("kit/kit.yml", line)
    assert words in problem.message


def test_a_document_left_out_of_the_manifest_is_reported(tmp_path: Path) -> None:
    files = {**WITH_TOOLS, "outils/oublie.md": "# Oublié\n\nTexte.\n"}
    with pytest.raises(KitError) as caught:
        load_kit(write_kit(tmp_path, files))
    (problem,) = caught.value.problems
    assert str(problem.file) == "kit/outils/oublie.md" and "documents" in problem.message


BOXED = """\
# Glossaire

Avant l'encadré.

> **Cadre de référence**
>
> L'accord du 19 juin 2013.
>
> - Le DUERP
> - Le CSE
"""


def test_a_box_is_a_quote_on_the_page_and_a_tinted_cell_in_word(tmp_path: Path) -> None:
    kit = load_kit(write_kit(tmp_path, {**WITH_TOOLS, "outils/glossaire.md": BOXED}))
    page = pages.pages(kit)["outils/glossaire.md"]
    assert ("> **Cadre de référence**\n>\n> L’accord du 19 juin 2013.\n>\n> - Le DUERP\n"
            "> - Le CSE\n") in page
    jobs = {job.name: job for job in _jobs(kit)}
    out = tmp_path / "glossaire.docx"
    jobs["outil-glossaire.docx"].render(*jobs["outil-glossaire.docx"].args, out)
    (box,) = docx.Document(str(out)).tables
    cell = box.rows[0].cells[0]
    assert [p.text for p in cell.paragraphs] == ["Cadre de référence", ("L’accord du 19 juin "
                                                 "2013."), "Le DUERP", "Le CSE"]
    assert cell.paragraphs[0].runs[0].bold
    assert 'w:fill="EAF1F3"' in cell._tc.xml


@pytest.mark.parametrize("name, text, line, words", [
    ("outils/glossaire.md", "# G\n\n> Sans titre.\n", 3, "commence par son titre en gras"),
    ("recit/nuit.md", FILES["recit/nuit.md"].replace("## Questions", "> **Boîte**\n>\n> Non.\n\n"
                                                     "## Questions"), 7, "pas d’encadré"),
])
def test_a_misplaced_or_untitled_box_is_named_with_its_line(tmp_path: Path, name: str, text: str,
                                                            line: int, words: str) -> None:
    with pytest.raises(KitError) as caught:
        load_kit(write_kit(tmp_path, {**WITH_TOOLS, name: text}))
    (problem,) = caught.value.problems
    assert (str(problem.file), problem.line) == (f"kit/{name}", line)
    assert words.replace("’", "'") in problem.message.replace("’", "'")


def test_every_tool_has_its_pdf_with_its_boxes_and_headed_rows(tmp_path: Path) -> None:
    """The PDF edition prints the guide's boxes and the rows a sheet's table starts with."""
    kit = load_kit(ROOT / "kit")
    guide = tmp_path / "guide.pdf"
    pdf.guide(kit.imprint, kit.guide, guide)
    text = " ".join(page.extract_text() for page in PdfReader(str(guide)).pages)
    assert "Cadre de référence" in text and "Orienter une personne en difficulté" in text
    assert "3114" in text
    printed = {job.name: job for job in _pdf_jobs(kit)}
    for title, _, word in _tools(kit):  # every tool has its PDF, titled like its page
        assert layout.pdf(word) in printed, word
    for document in kit.documents:
        out = tmp_path / f"{document.slug}.pdf"
        pdf.guide(kit.imprint, document, out)
        assert document.title.split(" :")[0] in PdfReader(str(out)).pages[0].extract_text()
    for number, sheet in enumerate(kit.sheets, 1):  # each on the pages it says it takes
        out = tmp_path / f"{sheet.slug}.pdf"
        pdf.sheet(kit.imprint, sheet, number, len(kit.sheets), kit.phases, out)
        reader = PdfReader(str(out))
        assert len(reader.pages) == sheet.pages, sheet.slug
        if sheet.slug == "evaluation-des-participants":
            assert "Le temps passé en valait la peine." in reader.pages[0].extract_text()


def test_a_word_table_gives_its_columns_the_room_their_text_needs(tmp_path: Path) -> None:
    kit = load_kit(ROOT / "kit")
    script = next(d for d in kit.documents if d.slug == "deroule-seance-1")
    out = tmp_path / "seance-1.docx"
    jobs = {job.name: job for job in _jobs(kit)}
    jobs["outil-deroule-seance-1.docx"].render(*jobs["outil-deroule-seance-1.docx"].args, out)
    minutes, happens, say = docx.Document(str(out)).tables[0].columns
    assert minutes.width < happens.width < say.width
    assert minutes.width > 0.08 * (minutes.width + happens.width + say.width)  # « Minutes » fits
    assert script.title.startswith("Déroulé de la séance 1")


def test_the_download_comes_before_the_landing_text(tmp_path: Path) -> None:
    index = pages.index(load_kit(write_kit(tmp_path, WITH_TOOLS)))
    assert index.index("Télécharger le kit") < index.index("Pour les directions")


FULL_GLOSSARY = """\
title: Glossaire
intro: Les mots du kit.
sections:
  - title: Les métiers
    terms:
      - term: IDEC
        stands_for: Infirmière coordinatrice
        meaning: organise les soins.
      - term: Ehpad
        stands_for: Établissement d'hébergement pour personnes âgées dépendantes
  - title: La démarche
    terms:
      - term: Restitution
        meaning: La séance où la direction répond.
"""
GLOSSARY_TOOL = {**FILES, "glossaire.yml": FULL_GLOSSARY,
                 "kit.yml": MANIFEST + "documents:\n  - glossaire.yml\n"}


def test_one_glossary_makes_the_tool_and_the_last_pages_acronyms(tmp_path: Path) -> None:
    kit = load_kit(write_kit(tmp_path, GLOSSARY_TOOL))
    assert kit.edition.glossary == (
        ("Ehpad", "Établissement d’hébergement pour personnes âgées dépendantes"),
        ("IDEC", "Infirmière coordinatrice"))  # « Restitution » is a word, not an acronym
    (tool,) = kit.documents
    assert (tool.slug, tool.title) == ("glossaire", "Glossaire")
    page = pages.pages(kit)["outils/glossaire.md"]
    assert "Les mots du kit." in page and "## La démarche" in page
    assert "| **IDEC** | Infirmière coordinatrice\u00a0: organise les soins. |" in page
    assert "| **Restitution** | La séance où la direction répond. |" in page
    jobs = {job.name: job for job in _jobs(kit)}
    out = tmp_path / "glossaire.docx"
    jobs["outil-glossaire.docx"].render(*jobs["outil-glossaire.docx"].args, out)
    rows = [[c.text for c in row.cells] for t in docx.Document(str(out)).tables for row in t.rows]
    assert ["Ehpad", "Établissement d’hébergement pour personnes âgées dépendantes"] in rows
    assert layout.pdf("outil-glossaire.docx") in {job.name for job in _pdf_jobs(kit)}


def test_the_shipped_kit_has_one_glossary() -> None:
    """kit/glossaire.yml alone: listed as a tool and named as the glossary; no Markdown twin."""
    manifest = yaml.safe_load((ROOT / "kit" / "kit.yml").read_text(encoding="utf-8"))
    assert manifest["glossary"] in manifest["documents"]
    assert not list((ROOT / "kit").rglob("glossaire.md"))
    kit = load_kit(ROOT / "kit")
    tool = next(d for d in kit.documents if d.slug == "glossaire")
    table = repr(tool.blocks)
    assert all(f"text='{a}'" in table for a, _ in kit.edition.glossary)
    assert len(kit.edition.glossary) >= 15


@pytest.mark.parametrize("old, new, line, words", [
    ("        meaning: La séance où la direction répond.\n", "", 13, "Restitution"),
    ("      - term: Ehpad\n", "      - term: IDEC\n", 9, "déjà dans le glossaire"),
    ("        meaning: organise les soins.\n", "        sens: organise les soins.\n", 8,
     "sens"),
])
def test_a_mistake_in_the_glossary_is_named_with_its_line(tmp_path: Path, old: str, new: str,
                                                          line: int, words: str) -> None:
    files = {**GLOSSARY_TOOL, "glossaire.yml": FULL_GLOSSARY.replace(old, new)}
    with pytest.raises(KitError) as caught:
        load_kit(write_kit(tmp_path, files))
    assert any((str(p.file), p.line) == ("kit/glossaire.yml", line) and words in p.message
               for p in caught.value.problems), [str(p) for p in caught.value.problems]


def test_a_tool_in_yaml_other_than_the_glossary_is_refused(tmp_path: Path) -> None:
    files = {**FILES, "kit.yml": MANIFEST + "documents:\n  - outils/liste.yml\n",
             "outils/liste.yml": "title: Liste\n"}
    with pytest.raises(KitError) as caught:
        load_kit(write_kit(tmp_path, files))
    (problem,) = caught.value.problems
    assert str(problem.file) == "kit/kit.yml" and "glossaire" in problem.message
