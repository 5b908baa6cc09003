"""The whole site without MkDocs' plugins: `kitbuilder site` writes the inputs, ProperDocs
builds them, and the result holds the same pages and files as this repository's MkDocs build."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from kitbuilder import csp
from kitbuilder.site.inputs import directory_url, media_for_directory_urls

KITBUILDER = [sys.executable, "-m", "kitbuilder.cli"]
PROPERDOCS = Path(sys.executable).parent / "properdocs"


def _files(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}


def _article(html: str) -> str:
    """A page's article, blank lines aside (whitespace between tags shows nothing)."""
    found = re.search(r"<article\b.*?</article>", html, re.DOTALL)
    return "\n".join(line for line in (found[0] if found else "").splitlines() if line.strip())


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, built_site: Path) -> tuple[Path, Path]:
    """The repository's site inputs (after its MkDocs build, so the kit comes from the cache),
    and ProperDocs' site made from them."""
    folder = tmp_path_factory.mktemp("export")
    run = subprocess.run([*KITBUILDER, "site", "--out", str(folder / "inputs")], cwd=ROOT,
                         capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr
    assert "pour construire le site\u00a0: properdocs build" in run.stdout
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    built = subprocess.run([str(PROPERDOCS), "build", "--strict", "-f",
                            str(folder / "inputs" / "mkdocs.yml"), "-d", str(folder / "site")],
                           capture_output=True, text=True, timeout=300, check=False, env=env)
    assert built.returncode == 0, built.stderr
    return folder / "inputs", folder / "site"


def test_the_inputs_name_none_of_our_plugins(exported: tuple[Path, Path]) -> None:
    inputs, _ = exported
    config = yaml.safe_load((inputs / "mkdocs.yml").read_text(encoding="utf-8"))
    names = [p if isinstance(p, str) else next(iter(p)) for p in config["plugins"]]
    assert names == ["search"]
    assert not (inputs / "docs" / "_data").exists()
    index = (inputs / "docs" / "index.md").read_text(encoding="utf-8")
    assert "{{" not in index and "{%" not in index  # placeholders are filled
    kit_nav = next(item for item in config["nav"] if "kit/index.md" in str(item))
    assert "kit/guide.md" in str(kit_nav)  # the kit's entries in place of « kit/ »
    assert list(kit_nav) == ["Le kit «\u00a0Discuter du travail\u00a0»"]  # typeset


def test_properdocs_builds_the_same_pages_and_files_as_mkdocs(
        exported: tuple[Path, Path], built_site: Path) -> None:
    _, site = exported
    # The theme's inline-script hashes are read from the built pages by the kit plugin (they
    # depend on the generator's theme): the one file the plugin adds after the build.
    assert _files(site) == _files(built_site) - {csp.FILE}
    pages = sorted(p for p in _files(site) if p.endswith(".html"))
    assert len(pages) > 20
    for page in pages:
        ours = (built_site / page).read_text(encoding="utf-8")
        theirs = (site / page).read_text(encoding="utf-8")
        assert _article(theirs) == _article(ours), page
    for name in _files(built_site):
        if name.startswith("kit/fichiers/"):
            assert (site / name).read_bytes() == (built_site / name).read_bytes(), name


def test_the_nav_is_the_same(exported: tuple[Path, Path], built_site: Path) -> None:
    _, site = exported

    def nav(html: str) -> str:
        found = re.search(r'<nav class="md-nav md-nav--primary".*?</nav>\s*</div>', html,
                          re.DOTALL)
        assert found
        return found[0]

    for page in ("index.html", "kit/recit/matin/index.html"):
        assert nav((site / page).read_text(encoding="utf-8")) == \
            nav((built_site / page).read_text(encoding="utf-8"))


def test_a_missing_config_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    run = subprocess.run([*KITBUILDER, "site", "--out", str(tmp_path / "out"), "--config",
                          str(tmp_path / "absent.yml")], capture_output=True, text=True,
                         timeout=60, check=False)
    assert run.returncode == 1
    assert "absent.yml" in run.stderr and "introuvable" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("page", "url"), [("index.md", ""), ("kit/index.md", "kit/"),
                                            ("kit/recit/matin.md", "kit/recit/matin/")])
def test_directory_urls(page: str, url: str) -> None:
    assert directory_url(page) == url


def test_players_are_resolved_for_directory_urls() -> None:
    markdown = '<audio controls src="../fichiers/recit-1-matin.mp3"></audio> [x](../y.md)'
    assert media_for_directory_urls(markdown, "kit/recit/matin.md") == (
        '<audio controls src="../../fichiers/recit-1-matin.mp3"></audio> [x](../y.md)')
