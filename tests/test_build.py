"""Building: Word files read back with python-docx, the zip and its checksums, the cache."""

from __future__ import annotations

import hashlib
import os
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm

from fixture_kit import FILES, write_kit
from kitbuilder import cli
from kitbuilder.build import BuildResult, build_kit
from kitbuilder.cache import Cache


@pytest.fixture
def built(kit_dir: Path, tmp_path: Path) -> BuildResult:
    return build_kit(kit_dir, tmp_path / "cache")


def _open(result: BuildResult, name: str) -> docx.document.Document:
    return docx.Document(str(next(f.path for f in result.files if f.name == name)))


def _headings(document, level: int) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


def _is_a4_french(document) -> None:
    section = document.sections[0]
    size = sorted([section.page_width, section.page_height])
    assert abs(size[0] - Cm(21)) < Cm(0.05) and abs(size[1] - Cm(29.7)) < Cm(0.05)
    lang = document.styles.element.find(qn("w:docDefaults")).find(".//" + qn("w:lang"))
    assert lang.get(qn("w:val")) == "fr-FR"
    assert "Discuter du travail" in section.header.paragraphs[0].text
    footer = section.footer.paragraphs[0]._p.xml
    assert 'w:instr="PAGE"' in footer and 'w:instr="NUMPAGES"' in footer


def test_every_word_file_is_a4_in_french_with_header_and_page_numbers(built: BuildResult):
    names = [f.name for f in built.files if f.name.endswith(".docx")]
    assert len(names) == 7
    for name in names:
        _is_a4_french(_open(built, name))


def test_guide_keeps_headings_lists_and_table(built: BuildResult) -> None:
    guide = _open(built, "guide-de-demarrage.docx")
    assert guide.paragraphs[0].text == "Guide de démarrage"
    assert _headings(guide, 1) == ["Pourquoi parler du travail"]
    assert _headings(guide, 2) == ["Qui participe\u202f?"]
    assert [p.text for p in guide.paragraphs if p.style.name == "List Bullet"] == [
        "Un premier point", "Un second point"]
    assert [p.text for p in guide.paragraphs if p.style.name == "Kit Numbered"] == [
        "1.\tLa direction", "2.\tLes équipes"]
    assert [c.text for c in guide.tables[0].rows[1].cells] == ["Lancer", "1\u00a0h"]
    body = next(p for p in guide.paragraphs if "jamais" in p.text)
    assert [r.text for r in body.runs if r.bold] == ["jamais"]
    assert "(https://example.org)" in body.text  # a printed link shows where it goes


def test_summary_table_is_landscape_with_one_row_per_step(built: BuildResult) -> None:
    table_doc = _open(built, "tableau-de-synthese.docx")
    section = table_doc.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert section.page_width > section.page_height
    grid = table_doc.tables[0]
    assert [c.text for c in grid.rows[0].cells] == [
        "Étape", "Objectif", "Qui", "Quand et combien de temps", "Outils", "Ce qui en sort"]
    assert len(grid.rows) == 3
    assert grid.rows[2].cells[0].text == "2. Suivre"
    assert grid.rows[2].cells[2].text == "Le groupe de pilotage."
    assert grid.rows[1].cells[0].width < grid.rows[1].cells[1].width  # short step names
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in grid.rows)


def test_sheet_blanks_can_be_filled_in_by_hand(built: BuildResult) -> None:
    rules = _open(built, "fiche-regles.docx")
    assert rules.paragraphs[0].text == "Les règles de l’échange"
    assert sum(p.style.name == "Kit Writing Line" for p in rules.paragraphs) == 4
    assert "☐\u00a0\u00a0Ce qui est dit ici reste ici." in [p.text for p in rules.paragraphs]
    follow_up = _open(built, "fiche-suivi.docx")
    proposals, remarks = follow_up.tables
    assert [c.text for c in proposals.rows[0].cells][-1] == "Où en est-on"
    assert len(proposals.rows) == 7 and all(c.text == "" for c in proposals.rows[3].cells)
    assert abs(remarks.rows[0].height - Cm(5)) < Cm(0.01)


def test_story_parts_start_on_new_pages_with_scenes_and_questions(built: BuildResult) -> None:
    story = _open(built, "recit-complet.docx")
    parts = [p for p in story.paragraphs if p.style.name == "Heading 1"]
    assert [p.text for p in parts] == ["Le matin", "La nuit"]
    assert all(p.paragraph_format.page_break_before for p in parts)
    assert _headings(story, 2) == [
        "6\u00a0h\u00a045 — Salle de transmissions", "7\u00a0h\u00a030 — Couloir du premier étage",
        "Questions pour le groupe", "21\u00a0h — Poste de soins", "Questions pour le groupe"]
    dialogue = next(p for p in story.paragraphs if p.text.startswith("Sabrina"))
    assert dialogue.runs[0].bold and dialogue.text.startswith("Sabrina\u00a0: Tu as vu")
    night = _open(built, "recit-2-nuit.docx")
    assert _headings(night, 1) == ["La nuit"]
    assert night.paragraphs[-1].text == "1.\tComment la nuit est-elle organisée chez nous\u202f?"


def test_zip_holds_every_file_with_matching_checksums(built: BuildResult) -> None:
    bundle = next(f for f in built.files if f.name == "kit-test.zip")
    with zipfile.ZipFile(bundle.path) as archive:
        names = archive.namelist()
        expected = [f"kit-test/{f.name}" for f in built.files if f.name != "kit-test.zip"]
        offline = [n for n in names if n.startswith("kit-test/pages/")]
        assert names == expected + offline + ["kit-test/ouvrir-le-kit.html",
                                              "kit-test/LISEZMOI.txt", "kit-test/SHA256SUMS.txt"]
        sums = archive.read("kit-test/SHA256SUMS.txt").decode().splitlines()
        assert len(sums) == len(names) - 1
        for line in sums:
            digest, name = line.split("  ")
            assert hashlib.sha256(archive.read(f"kit-test/{name}")).hexdigest() == digest
        readme = archive.read("kit-test/LISEZMOI.txt").decode()
        assert "fiche-suivi.docx" in readme and "Idées d’amélioration et suivi" in readme
        assert "ouvrir-le-kit.html" in readme


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.h1: list[str] = []
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        self.links += [found[a] for a in ("href", "src") if found.get(a)]
        if "id" in found:
            self.ids.add(found["id"])
        self._in_h1 = tag == "h1"

    def handle_endtag(self, tag):
        self._in_h1 = self._in_h1 and tag != "h1"

    def handle_data(self, data):
        if self._in_h1:
            self.h1.append(data)


def test_zip_holds_offline_pages_whose_links_all_resolve(built: BuildResult, tmp_path: Path):
    bundle = next(f for f in built.files if f.name == "kit-test.zip")
    with zipfile.ZipFile(bundle.path) as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / "kit-test"
    pages = sorted((folder / "pages").glob("*.html"))
    assert [p.name for p in pages] == [
        "fiche-regles.html", "fiche-suivi.html", "guide.html", "index.html",
        "recit-1-matin.html", "recit-2-nuit.html", "tableau.html"]
    titles = {}
    for page in [folder / "ouvrir-le-kit.html", *pages]:
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        titles[page.name] = "".join(parser.h1)
        for link in parser.links:
            if link.startswith(("http:", "https:", "mailto:")):
                continue
            target, _, anchor = link.partition("#")
            resolved = (page.parent / target).resolve() if target else page
            assert resolved.is_file(), f"{page.name}: {link} leads nowhere"
            if anchor and resolved.suffix == ".html":
                other = _Links()
                other.feed(resolved.read_text(encoding="utf-8"))
                assert anchor in other.ids, f"{page.name}: {link}: no such anchor"
    assert titles["fiche-suivi.html"] == "Idées d’amélioration et suivi"
    assert titles["index.html"] == built.kit.title
    index = (folder / "pages" / "index.html").read_text(encoding="utf-8")
    assert "<form" not in index and 'href="../fiche-suivi.docx"' in index


def test_rebuild_with_nothing_changed_regenerates_nothing(kit_dir: Path, tmp_path: Path):
    first = build_kit(kit_dir, tmp_path / "cache")
    assert len(first.generated) == len(first.files)
    second = build_kit(kit_dir, tmp_path / "cache")
    assert second.generated == []
    assert "nothing changed" in second.summary()
    assert [f.path for f in first.files] == [f.path for f in second.files]


def test_changing_one_sheet_regenerates_that_sheet_and_the_zip_only(tmp_path: Path):
    build_kit(write_kit(tmp_path), tmp_path / "cache")
    changed = {**FILES, "fiches/suivi.yml": FILES["fiches/suivi.yml"].replace("rows: 6",
                                                                              "rows: 8")}
    again = build_kit(write_kit(tmp_path, changed), tmp_path / "cache")
    assert again.generated == ["fiche-suivi.docx", "kit-test.zip"]


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_the_cache_forgets_what_no_build_used_for_a_week(tmp_path: Path) -> None:
    progress: list[str] = []
    first = build_kit(write_kit(tmp_path), tmp_path / "cache")
    entries = sorted(p for p in (tmp_path / "cache").glob("??/*") if p.is_dir())
    for entry in entries:
        _age(entry, 8 * 86400)
    left = tmp_path / "cache" / "ab" / ".tmp-killed"  # a killed build's staging, an hour old
    left.mkdir(parents=True)
    _age(left, 3700)
    running = tmp_path / "cache" / "ab" / ".tmp-running"  # another build's, just begun
    running.mkdir()
    changed = {**FILES, "fiches/suivi.yml": FILES["fiches/suivi.yml"].replace("rows: 6",
                                                                              "rows: 8")}
    again = build_kit(write_kit(tmp_path, changed), tmp_path / "cache",
                      progress=progress.append)
    assert again.generated == ["fiche-suivi.docx", "kit-test.zip"]
    old = {f.name: f.path for f in first.files}
    # What this build reused is kept, and marked as used; what it replaced is gone.
    assert all(f.path.is_file() for f in again.files)
    assert not old["fiche-suivi.docx"].exists() and not old["kit-test.zip"].exists()
    assert old["guide-de-demarrage.docx"].is_file()
    assert not left.exists() and running.is_dir()
    assert any("fichiers que plus rien n’utilisait depuis 7 jours effacés" in line
               for line in progress), progress
    assert build_kit(write_kit(tmp_path, changed), tmp_path / "cache").generated == []


def test_a_fresh_cache_entry_or_one_in_use_is_never_pruned(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    made, _ = cache.get_or_make("a" * 64, "x.txt", lambda out: out.write_text("x"))
    assert cache.prune() == (0, 0)
    _age(made.parent, 8 * 86400)
    _, reused = cache.get_or_make("a" * 64, "x.txt", lambda out: out.write_text("y"))
    assert reused and cache.prune() == (0, 0)  # using it made it recent
    _age(made.parent, 8 * 86400)
    snapshot = tmp_path / ".tmp-x.json"  # a snapshot half-saved by a killed build
    snapshot.write_text("{")
    _age(snapshot, 3700)
    kept = tmp_path / "site-snapshot.json"
    kept.write_text("{}")
    _age(kept, 30 * 86400)
    assert cache.prune() == (1, 1 + 1) and not made.exists()
    assert not snapshot.exists() and kept.exists()


def test_cli_build_writes_pages_and_files(kit_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    args = ["--kit", str(kit_dir), "build", "--out", str(out), "--cache", str(tmp_path / "c")]
    assert cli.main(args) == 0
    assert (out / "fichiers" / "kit-test.zip").is_file()
    assert (out / "recit" / "matin.md").read_text().startswith("# Le matin")
    killed = tmp_path / ".out-x1y2"  # a build killed while publishing, an hour ago
    killed.mkdir()
    _age(killed, 3700)
    running = tmp_path / ".out-old-z3"  # another build publishing right now
    running.mkdir()
    assert cli.main(args) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert not killed.exists() and running.exists()
