"""The offline copy in the zip: a way in that also works opened alone, the house font shipped
with the pages, and a read-me that says to extract first, where to start, whom to contact,
the licence, and how to check the files on every system."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from fixture_kit import FILES, write_kit
from kitbuilder.build import BuildResult, build_kit
from kitbuilder.render import offline, pages
from kitbuilder.sources import load_kit


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    """The fixture kit's zip, built once for this module's tests."""
    folder = tmp_path_factory.mktemp("offline")
    result: BuildResult = build_kit(write_kit(folder), folder / "cache")
    bundle = next(f for f in result.files if f.name.endswith(".zip"))
    return zipfile.ZipFile(bundle.path)


def test_readme_says_extract_first_where_to_start_contacts_licence_and_checksums(
        archive: zipfile.ZipFile) -> None:
    readme = archive.read("kit-test/LISEZMOI.txt").decode()
    first = readme.index("décompressez-le d’abord")
    assert first < readme.index("Par où commencer") < readme.index("Contenu du dossier")
    assert "1. ouvrir-le-kit.html" in readme
    assert "«\u00a0Extraire tout…\u00a0»" in readme
    for command in ("Get-FileHash -Algorithm SHA256", "certutil -hashfile",
                    "shasum -a 256 -c SHA256SUMS.txt", "sha256sum -c SHA256SUMS.txt"):
        assert command in readme
    assert "Contact" in readme and "Licence" in readme
    assert "\r\n" in readme and "\n" not in readme.replace("\r\n", "")


def test_start_page_says_to_extract_when_opened_alone_and_leads_in_when_not(
        archive: zipfile.ZipFile) -> None:
    start = archive.read("kit-test/ouvrir-le-kit.html").decode()
    assert "http-equiv=\"refresh\"" not in start  # no redirection to a page that may be absent
    assert "Décompressez d’abord le zip" in start and "Extraire tout" in start
    assert 'href="pages/index.html"' in start
    script = re.search(r'<script src="([^"]+)"', start)[1]
    assert "index.html" in archive.read(f"kit-test/{script}").decode()


def test_offline_pages_carry_the_house_font(archive: zipfile.ZipFile) -> None:
    names = archive.namelist()
    fonts = [n for n in names if n.startswith("kit-test/pages/fonts/")]
    assert {Path(n).name for n in fonts} >= {"atkinson-hyperlegible-latin-400-normal.woff2",
                                             "atkinson-hyperlegible-latin-700-normal.woff2",
                                             "OFL.txt"}
    guide = archive.read("kit-test/pages/guide.html").decode()
    for url in re.findall(r'url\("([^"]+\.woff2)"\)', guide):
        assert f"kit-test/pages/{url}" in names
    sums = archive.read("kit-test/SHA256SUMS.txt").decode()
    assert "pages/fonts/atkinson-hyperlegible-latin-400-normal.woff2" in sums


def test_offline_index_says_its_title_once(archive: zipfile.ZipFile) -> None:
    index = archive.read("kit-test/pages/index.html").decode()
    body = index[index.index("<body>"):]
    assert re.sub(r"<[^>]+>", "", body).count("Discuter du travail") == 1


LINKED_GUIDE = """\
# Guide

Voir [les entretiens](../entretiens.md#anonymat), [nous écrire](/contact/), [le tableau](tableau.md)
et [le site des autres](https://example.org/).
"""


def _guide_links(site: offline.Site, tmp_path: Path) -> str:
    kit = load_kit(write_kit(tmp_path, {**FILES, "guide.md": LINKED_GUIDE}))
    found = dict(offline.offline_pages(kit, pages.pages(kit), site))
    guide = found[f"{offline.FOLDER}/guide.html"]
    assert isinstance(guide, str)
    return guide


def test_links_to_the_association_pages_go_to_its_public_site(tmp_path: Path) -> None:
    """The zip holds the kit's pages only: a link to the association's pages (« ../x.md »
    from a kit page, or « /contact/ ») takes its public address, from mkdocs.yml's site_url."""
    guide = _guide_links(offline.Site("https://asso.example.org/", "kit"), tmp_path)
    assert 'href="https://asso.example.org/entretiens/#anonymat"' in guide
    assert 'href="https://asso.example.org/contact/"' in guide
    assert 'href="tableau.html"' in guide  # the kit's own pages stay in the folder
    assert 'href="https://example.org/"' in guide


def test_without_a_public_address_such_a_link_keeps_its_words_only(tmp_path: Path) -> None:
    guide = _guide_links(offline.ALONE, tmp_path)
    assert "les entretiens" in guide and "nous écrire" in guide
    assert "entretiens.md" not in guide and "/contact/" not in guide
    assert "kitbuilder:" not in guide


def test_the_real_zip_links_only_to_its_own_files_or_to_the_public_site(
        built_site: Path, tmp_path: Path) -> None:
    """Every link of the built site's offline copy opens from the unzipped folder: a file of
    the zip, or an address on the association's public site (site_url), never a site path."""
    site_url = re.search(r"^site_url: *(\S+)", (ROOT / "mkdocs.yml").read_text(
        encoding="utf-8"), re.MULTILINE)[1]
    with zipfile.ZipFile(built_site / "kit" / "fichiers" / "kit-discuter-du-travail.zip") as z:
        z.extractall(tmp_path)
    folder = tmp_path / "kit-discuter-du-travail" / offline.FOLDER
    public = 0
    for page in sorted(folder.glob("*.html")):
        for url in re.findall(r'href="([^"#]*)(?:#[^"]*)?"', page.read_text(encoding="utf-8")):
            if url.startswith(("mailto:", "tel:")) or not url:
                continue
            if url.startswith(site_url):
                public += 1
            elif not re.match(r"^[a-z][a-z0-9+.-]*:", url):
                assert (folder / url).resolve().is_file(), f"{page.name}: {url}"
    assert public >= 1  # the guide sends a person in difficulty to the appointment page
