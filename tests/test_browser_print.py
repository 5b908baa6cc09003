"""The discussion sheets as a facilitator prints them from the site (Chromium, A4): what must
reach the paper, read back from the PDF with pdftotext. The page budget itself is checked in
test_browser_site.py; here, that fitting the page never drops or clips what a sheet asks."""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import sync_playwright

from browser import launch, static_server
from conftest import ROOT

MANIFEST = yaml.safe_load((ROOT / "kit" / "kit.yml").read_text())


@pytest.fixture(scope="module")
def printed(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Each sheet printed from the dark palette (paper must not care): its text, page by page.
    Printed in a thread of its own: Playwright's sync API refuses to start in a thread where
    another module's browser (test_browser_site's, session-wide) is still running."""
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(_print_sheets, built_site,
                             tmp_path_factory.mktemp("printed")).result()


def _print_sheets(built_site: Path, folder: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with static_server(built_site) as base, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        for rel in MANIFEST["sheets"]:
            slug = Path(rel).stem
            page.goto(f"{base}kit/fiches/{slug}/", wait_until="networkidle")
            page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
            pdf = folder / f"{slug}.pdf"
            pdf.write_bytes(page.pdf(format="A4"))
            count = len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))
            out[slug] = [subprocess.run(
                ["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"],
                capture_output=True, text=True, check=True).stdout for n in range(1, count + 1)]
        browser.close()
    return out


def _words(text: str) -> str:
    """Text with its spaces (breaking or not) and line breaks made one space."""
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\u00a0", " "))


@pytest.mark.parametrize("rel", MANIFEST["sheets"])
def test_a_printed_sheet_keeps_every_label_column_and_its_footer(
        printed: dict[str, list[str]], rel: str) -> None:
    source = yaml.safe_load((ROOT / "kit" / rel).read_text())
    pages = printed[Path(rel).stem]
    text = _words(" ".join(pages))
    # Words, not whole labels: the build sets French spaces and apostrophes in them.
    wanted = [source["title"], *(f["label"] for f in source["fields"]),
              *(c for f in source["fields"] for c in f.get("columns", ()))]
    missing = [w for w in wanted
               if not all(word in text for word in re.findall(r"\w{3,}", w))]
    assert missing == [], f"{rel}: not on paper: {missing}"
    for number, page in enumerate(pages, 1):
        assert f"page {number} sur {len(pages)}" in _words(page), f"{rel}: footer of {number}"
    # The site's chrome stays on the screen.
    for chrome in ("Imprimer la fiche", "Rechercher", "Mentions légales"):
        assert chrome not in text, f"{rel}: « {chrome} » printed"
