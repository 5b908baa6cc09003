"""The kit's pages as people print them from the site (Chromium, A4), read back from the PDF:
each sheet keeps what it asks (the page budget itself is checked in test_browser_site.py),
its title prints dark whatever the palette, the guide's pages are numbered « page n sur N »,
and the summary table prints on a landscape page."""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pdfplumber
import pytest
import yaml
from playwright.sync_api import sync_playwright
from pypdf import PdfReader

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
            out[slug] = _pages_text(pdf, count)
            out[f"{slug} blank"] = _blank_feet(pdf)
        # A sheet of several pages fills them with JavaScript off as well.
        still = browser.new_page(java_script_enabled=False)
        for rel in MANIFEST["sheets"]:
            slug = Path(rel).stem
            if yaml.safe_load((ROOT / "kit" / rel).read_text()).get("pages", 1) > 1:
                still.goto(f"{base}kit/fiches/{slug}/", wait_until="networkidle")
                pdf = folder / f"{slug}-no-script.pdf"
                pdf.write_bytes(still.pdf(format="A4"))
                out[f"{slug} blank without script"] = _blank_feet(pdf)
                out[f"{slug} without script"] = _pages_text(pdf, len(PdfReader(pdf).pages))
        still.close()
        # What paper gets of the dark palette: the title's colour under the print styles.
        page.goto(f"{base}kit/fiches/{Path(MANIFEST['sheets'][0]).stem}/",
                  wait_until="networkidle")
        page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
        page.emulate_media(media="print")
        out["title colour"] = [page.eval_on_selector(
            "article h1", "h => getComputedStyle(h).color")]
        page.emulate_media(media=None)  # back to no emulation: page.pdf() prints with print media
        for name, path in (("guide", "kit/guide/"), ("tableau", "kit/tableau/")):
            page.goto(f"{base}{path}", wait_until="networkidle")
            pdf = folder / f"{name}.pdf"
            # The page's own @page size, as a browser's print dialog takes it.
            pdf.write_bytes(page.pdf(format="A4", prefer_css_page_size=True))
            reader = PdfReader(pdf)
            box = reader.pages[0].mediabox
            out[name] = _pages_text(pdf, len(reader.pages))
            out[f"{name} size"] = [f"{float(box.width):.0f}x{float(box.height):.0f}"]
        browser.close()
    return out


def _blank_feet(pdf: Path) -> list[str]:
    """For each page, the share of its writing area left blank below the lowest thing drawn
    (text or rule), the running footer aside."""
    shares = []
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            foot = page.height - 2 / 2.54 * 72  # kit.css: a 2 cm bottom margin
            ink = [c["bottom"] for c in page.chars if c["bottom"] < foot]
            ink += [e["bottom"] for e in page.edges if e["bottom"] < foot]
            top = 1.5 / 2.54 * 72
            shares.append(f"{(foot - max(ink, default=top)) / (foot - top):.3f}")
    return shares


def _pages_text(pdf: Path, count: int) -> list[str]:
    return [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
            for n in range(1, count + 1)]


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


@pytest.mark.parametrize("rel", MANIFEST["sheets"])
def test_every_printed_page_of_a_sheet_is_filled_to_its_foot(
        printed: dict[str, list[str]], rel: str) -> None:
    """The writing spaces share each page's free room, on the last page of a sheet of two
    as on the first: no page leaves more than a quarter of it blank."""
    shares = [float(s) for s in printed[f"{Path(rel).stem} blank"]]
    assert all(share <= 0.25 for share in shares), f"{rel}: blank shares {shares}"


def test_a_sheet_of_two_pages_fills_both_with_javascript_off(
        printed: dict[str, list[str]]) -> None:
    found = {k: [float(s) for s in v] for k, v in printed.items()
             if k.endswith(" blank without script")}
    assert found, "the kit has no sheet of several pages to print"
    for name, shares in found.items():
        assert len(shares) > 1 and all(share <= 0.25 for share in shares), (name, shares)
        # The running footer names the kit on every page, from the build's stylesheet.
        pages = printed[name.replace(" blank", "")]
        named = f"{MANIFEST['title']} — "
        assert all(named in _words(page) for page in pages), (name, [p[-200:] for p in pages])


def _luminance(rgb: tuple[int, ...]) -> float:
    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_a_sheet_printed_from_the_dark_palette_has_a_dark_title_on_paper(
        printed: dict[str, list[str]]) -> None:
    """The dark palette's titles are pale (on a dark screen); on white paper they must not be:
    once 1.27:1, now at least the 4.5:1 of body text."""
    colour = printed["title colour"][0]
    rgb = tuple(int(float(v)) for v in re.findall(r"[\d.]+", colour))
    contrast = 1.05 / (_luminance(rgb) + 0.05)
    assert contrast >= 4.5, f"title {colour} on white: {contrast:.2f}:1"


def test_the_printed_guide_numbers_its_pages_page_n_sur_n(
        printed: dict[str, list[str]]) -> None:
    pages = printed["guide"]
    assert len(pages) > 1
    for number, page in enumerate(pages, 1):
        assert f"page {number} sur {len(pages)}" in _words(page), f"guide: footer of {number}"


def test_the_summary_table_prints_on_a_landscape_page(printed: dict[str, list[str]]) -> None:
    width, height = (int(v) for v in printed["tableau size"][0].split("x"))
    assert width > height, printed["tableau size"]
    assert "Étape" in printed["tableau"][0]
