"""The MkDocs face: a real `mkdocs build` of a small project, and of this repository."""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ROOT
from fixture_kit import FILES, write_kit

MKDOCS_YML = """\
site_name: Test
site_url: https://example.org/
theme:
  name: material
  language: fr
  font: false
plugins:
  - kit
validation:
  omitted_files: warn
  absolute_links: warn
  unrecognized_links: warn
  anchors: warn
"""


def mkdocs(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", *args],
                          cwd=project, capture_output=True, text=True, env=env, timeout=300,
                          check=False)


def plain(text: str) -> str:
    """Messages are typeset; compare them with ordinary spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


class _Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._tag: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2", "h3"):
            self._tag = tag
            self.found.append((tag, ""))

    def handle_endtag(self, tag):
        if tag == self._tag:
            self._tag = None

    def handle_data(self, data):
        if self._tag:
            tag, text = self.found[-1]
            self.found[-1] = (tag, text + data)


def headings(page: Path) -> list[tuple[str, str]]:
    parser = _Headings()
    parser.feed(page.read_text(encoding="utf-8"))
    return [(tag, text.strip()) for tag, text in parser.found]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_kit(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Accueil\n\n[Le kit](kit/index.md)\n")
    (tmp_path / "mkdocs.yml").write_text(MKDOCS_YML)
    return tmp_path


def test_site_has_a_page_per_kit_document_and_the_files(project: Path) -> None:
    run = mkdocs(project)
    assert run.returncode == 0, run.stderr
    site = project / "site" / "kit"
    assert ("h1", "Le matin") in headings(site / "recit/matin/index.html")
    assert ("h2", "Questions pour le groupe") in headings(site / "recit/matin/index.html")
    assert ("h1", "Idées d’amélioration et suivi") in headings(site / "fiches/suivi/index.html")
    assert ("h3", "Propositions") in headings(site / "fiches/suivi/index.html")
    assert ("h2", "Pourquoi parler du travail") in headings(site / "guide/index.html")
    assert ("h1", "La démarche en un coup d’œil") in headings(site / "tableau/index.html")
    matin = (site / "recit/matin/index.html").read_text()
    assert 'href="../../fichiers/recit-1-matin.docx"' in matin
    for name in ("kit-test.zip", "recit-complet.docx", "fiche-suivi.docx"):
        assert (site / "fichiers" / name).stat().st_size > 1000
    assert not (project / "docs" / "kit").exists()  # the plugin never writes into docs/
    assert "kit\u00a0: rien n’a changé" in mkdocs(project).stderr


def test_a_mistake_stops_the_build_with_its_file_and_line_and_keeps_the_site(project: Path):
    assert mkdocs(project).returncode == 0
    before = (project / "site" / "kit" / "fiches" / "suivi" / "index.html").read_text()
    broken = {**FILES, "fiches/suivi.yml": FILES["fiches/suivi.yml"].replace("rows: 6",
                                                                             "rows: beaucoup")}
    write_kit(project, broken)
    run = mkdocs(project)
    assert run.returncode == 1
    assert "kit/fiches/suivi.yml:7:" in run.stderr and "nombre entier attendu" in run.stderr
    assert "Traceback" not in run.stderr
    after = (project / "site" / "kit" / "fiches" / "suivi" / "index.html").read_text()
    assert after == before


def test_kit_pages_fill_the_nav_in_the_manifest_order(project: Path) -> None:
    config = project / "mkdocs.yml"
    config.write_text(config.read_text() + "nav:\n  - index.md\n  - Le kit: kit/\n")
    run = mkdocs(project)
    assert run.returncode == 0, run.stderr
    home = (project / "site" / "index.html").read_text()
    order = [home.index(f'href="{link}"') for link in (
        "kit/", "kit/guide/", "kit/tableau/", "kit/fiches/regles/", "kit/fiches/suivi/",
        "kit/recit/matin/", "kit/recit/nuit/")]
    assert order == sorted(order)


def test_this_repository_builds_with_its_config_named_relatively(built_site: Path,
                                                                 tmp_path: Path) -> None:
    run = mkdocs(ROOT, "-f", "mkdocs.yml", "--site-dir", str(tmp_path / "site"))
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "site" / "kit" / "guide" / "index.html").is_file()


def test_a_page_missing_from_the_nav_fails_the_strict_build(project: Path) -> None:
    config = project / "mkdocs.yml"
    config.write_text(config.read_text() + "nav:\n  - index.md\n  - kit/index.md\n")
    run = mkdocs(project)
    assert run.returncode == 1
    said = plain(run.stderr).replace("’", "'")
    assert "not included" not in said  # MkDocs' English, replaced by what to write
    assert "mkdocs.yml:14: ces pages ne sont dans aucun menu" in said, said
    assert "- Le kit « Discuter du travail »: kit/" in said


def test_a_new_page_left_out_of_the_nav_is_told_with_the_line_to_add(project: Path) -> None:
    (project / "docs" / "ateliers.md").write_text("# Nos ateliers d'été\n\nTexte.\n")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text() + "nav:\n  - index.md\n  - kit/\n")
    run = mkdocs(project)
    assert run.returncode == 1
    said = plain(run.stderr).replace("’", "'")
    assert "mkdocs.yml:14: cette page n'est dans aucun menu (« ateliers.md »)" in said, said
    assert "    - Nos ateliers d'été: ateliers.md" in said


def test_this_repository_builds_strict(built_site: Path) -> None:
    """`built_site` runs `mkdocs build --strict` on this repository and fails on any warning."""
    assert (built_site / "kit" / "index.html").is_file()
