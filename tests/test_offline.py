"""The offline copy in the zip: a way in that also works opened alone, the house font shipped
with the pages, and a read-me that says to extract first, where to start, whom to contact,
the licence, and how to check the files on every system."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from fixture_kit import write_kit
from kitbuilder.build import BuildResult, build_kit


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
