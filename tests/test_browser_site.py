"""Every built page in headless Chromium, as visitors get it: no request to another host, no
console error, no axe-core violation in either palette, no sideways scrolling on a phone, and
sheets that print on their A4 page budget."""

from __future__ import annotations

import re
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from browser import launch, static_server
from conftest import ROOT

NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; animation: none !important; }"


@dataclass
class Audit:
    third_party: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    axe: list[str] = field(default_factory=list)
    overflow: list[str] = field(default_factory=list)
    cookies: list[str] = field(default_factory=list)
    cramped: list[str] = field(default_factory=list)


# Each column head of the sheets' writing tables, and on how many lines its words wrap (the
# distinct tops of its text's boxes: a cell is as tall as its row).
# Each column head of a writing table, and of any table of five columns or more, with the
# number of lines it takes and whether it is a writing table's.
HEAD_LINES = """() => [...document.querySelectorAll('.md-typeset table')]
    .filter(t => t.classList.contains('kit-fill') || t.querySelectorAll('thead th').length >= 5)
    .flatMap(t => [...t.querySelectorAll('thead th')].map(th => {
        const range = document.createRange();
        range.selectNodeContents(th);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        return [th.textContent.trim(), tops.size, t.classList.contains('kit-fill')];
    }))"""


def _cramped(text: str, lines: int, writing: bool) -> bool:
    """A writing table's head takes two lines at most; another table's, no more than one
    line per two of its words (« Quand et combien / de temps », never a word per line)."""
    return lines > (2 if writing else max(2, -(-len(text.split()) // 2)))


def _pages(site: Path) -> list[str]:
    return sorted(str(p.relative_to(site).parent).replace(".", "") + "/"
                  for p in site.rglob("index.html")) + ["404.html"]


@pytest.fixture(scope="session")
def base_url(built_site: Path) -> Iterator[str]:
    with static_server(built_site) as url:
        yield url


@pytest.fixture(scope="module")  # not the session's: a later module's sync_playwright()
def browser() -> Iterator:         # cannot start while this one runs
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def audit(built_site: Path, base_url: str, browser) -> Audit:
    """One visit per page, on a desktop and on a 360 px phone, recording every finding."""
    found = Audit()
    axe = Axe()
    desktop = browser.new_context(viewport={"width": 1280, "height": 900})
    phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    for path in _pages(built_site):
        url = base_url + path.lstrip("/")
        page = desktop.new_page()
        page.on("request", lambda r, path=path: _third_party(r.url, base_url) and
                found.third_party.append(f"{path}: {r.url}"))
        page.on("console", lambda m, path=path: m.type == "error" and
                found.console.append(f"{path}: {m.text}"))
        page.on("pageerror", lambda e, path=path: found.console.append(f"{path}: {e}"))
        page.goto(url, wait_until="networkidle")
        # Material fades colours when the scheme changes: check the colours it settles on,
        # not a frame half-way through the fade.
        page.add_style_tag(content=NO_TRANSITIONS)
        for scheme in ("default", "slate"):
            page.evaluate("s => document.body.setAttribute('data-md-color-scheme', s)", scheme)
            result = axe.run(page)
            found.axe += [f"{path} [{scheme}] {v['id']} ({v['impact']}): "
                          f"{v['nodes'][0]['target']} — {v['help']}"
                          for v in result.response["violations"]]
        page.close()
        small = phone.new_page()
        small.goto(url, wait_until="networkidle")
        # On a phone, wide tables scroll: their regions must be reachable by the keyboard.
        found.axe += [f"{path} [360 px] {v['id']} ({v['impact']}): "
                      f"{v['nodes'][0]['target']} — {v['help']}"
                      for v in axe.run(small).response["violations"]]
        width = small.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            found.overflow.append(f"{path}: {width} px wide at 360 px")
        found.cramped += [f"{path}: « {text} » on {lines} lines at 360 px"
                          for text, lines, writing in small.evaluate(HEAD_LINES)
                          if _cramped(text, lines, writing)]
        small.close()
    found.cookies = [c["name"] for c in desktop.cookies() + phone.cookies()]
    desktop.close()
    phone.close()
    return found


def _third_party(url: str, base_url: str) -> bool:
    scheme = urlsplit(url).scheme
    return scheme in ("http", "https", "ws", "wss") and not url.startswith(base_url)


def test_no_page_requests_another_host(audit: Audit) -> None:
    assert audit.third_party == []


def test_no_console_error(audit: Audit) -> None:
    assert audit.console == []


def test_no_accessibility_violation_in_either_palette(audit: Audit) -> None:
    assert audit.axe == [], "\n".join(audit.axe)


def test_every_page_fits_a_360px_phone(audit: Audit) -> None:
    assert audit.overflow == []


def test_table_heads_read_on_a_phone(audit: Audit) -> None:
    """A writing table's column head wraps on two lines at most at 360 px: the follow-up
    table of « Idées d'amélioration et suivi » once stacked « Où / en / est- / on » a word
    per line, and the cost estimate's table « Coût / horaire / chargé » (a table of many
    columns keeps a minimum width and scrolls in its region instead)."""
    assert audit.cramped == []


def test_no_page_sets_a_cookie(audit: Audit) -> None:
    assert audit.cookies == []


def test_keyboard_reaches_the_skip_link_first_and_focus_is_always_visible(base_url, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base_url + "entretiens/", wait_until="networkidle")
    stops = []
    for _ in range(25):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("""() => {
            const e = document.activeElement, s = getComputedStyle(e);
            return {what: e.tagName + ' ' + (e.textContent || e.getAttribute('aria-label') || '')
                          .trim().slice(0, 40),
                    ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2};
        }"""))
    page.close()
    assert stops[0]["what"] == "A Aller au contenu", stops[0]
    assert [s["what"] for s in stops if not s["ring"]] == []


def test_a_wide_table_scrolls_from_the_keyboard_on_a_phone(base_url, browser):
    """The summary table is wider than a phone (or a page zoomed to 200 %): Tab reaches its
    region, with a visible ring, and the arrow keys scroll it."""
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(base_url + "kit/tableau/", wait_until="networkidle")
    region = page.locator(".md-content .kit-table").first
    assert region.evaluate("r => r.scrollWidth > r.clientWidth + 100")
    for _ in range(60):
        page.keyboard.press("Tab")
        if region.evaluate("r => r === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the table's region")
    assert region.get_attribute("aria-label") == "Tableau 1"
    assert region.evaluate("r => getComputedStyle(r).outlineStyle") != "none"
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.md-content .kit-table')"
                           ".scrollLeft > 0")
    page.close()


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_each_sheet_prints_within_its_page_budget(built_site: Path, base_url: str, browser):
    manifest = yaml.safe_load((ROOT / "kit" / "kit.yml").read_text())
    page = browser.new_page()
    over = []
    for rel in manifest["sheets"]:
        budget = yaml.safe_load((ROOT / "kit" / rel).read_text()).get("pages", 1)
        slug = Path(rel).stem
        page.goto(f"{base_url}kit/fiches/{slug}/", wait_until="networkidle")
        pages = _pdf_pages(page.pdf(format="A4", print_background=False))
        if pages > budget:
            over.append(f"{slug}: {pages} pages for a budget of {budget}")
    page.close()
    assert over == []


@pytest.mark.parametrize("path", ["kit/guide/", "kit/tableau/", "kit/recit/matin/",
                                  "kit/recit/apres-midi/", "kit/recit/nuit/"])
def test_long_pages_print_without_site_chrome_or_blank_last_page(
        base_url: str, browser, tmp_path: Path, path: str) -> None:
    page = browser.new_page()
    page.goto(base_url + path, wait_until="networkidle")
    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(page.pdf(format="A4"))
    page.close()
    count = _pdf_pages(pdf.read_bytes())
    text = [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
            for n in range(1, count + 1)]
    assert all(t.strip() for t in text), f"{path}: blank page among {count}"
    printed = "".join(text)
    for chrome in ("Rechercher", "Mentions légales", "Table des matières", "Télécharger"):
        assert chrome not in printed, f"{path}: « {chrome} » printed"


def _search(page, query: str) -> list[str]:
    """Type a query in the site's search box as a visitor would; the result links."""
    page.focus(".md-search__input")
    page.fill(".md-search__input", "")
    page.keyboard.type(query, delay=20)
    page.wait_for_function("document.querySelector('.md-search-result__meta').textContent"
                           ".includes('trouvé')")
    return page.eval_on_selector_all(".md-search-result__item > a",
                                     "links => links.map(a => new URL(a.href).pathname)")


@pytest.mark.parametrize("query, expected, before", [
    ("l'atelier", "/agenda/", None),  # typed apostrophe
    ("l’atelier", "/agenda/", None),  # typographic apostrophe
    ("confidentialite", "/confidentialite/", None),  # no accents
    # The interviews page, as a person afraid of being known looks for it; its rewrite (issue
    # 14) no longer says « sécurité », which followed the association's own text too closely.
    ("anonymat", "/entretiens/", None),
    ("deroule", "/entretiens/", None),  # « Comment se déroule un entretien », no accents
    ("equipe", "/association/", None),
    # The elided « l' » must not rank every page holding an « l’ » above the agenda.
    ("l'atelier", "/agenda/", "/mentions-legales/"),
])
def test_french_search(base_url: str, browser, query: str, expected: str,
                       before: str | None) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base_url, wait_until="networkidle")
    found = _search(page, query)
    page.close()
    assert expected in found, f"« {query} » found {found}"
    if before:
        assert before not in found[:found.index(expected)], f"« {query} » found {found}"


def test_offline_copy_opens_from_the_unzipped_folder_without_network(
        built_site: Path, browser, tmp_path: Path) -> None:
    """The kit's pages from the zip, opened as files: every page shows, nothing is fetched
    from any server, no console error, no accessibility violation, no sideways scrolling."""
    with zipfile.ZipFile(built_site / "kit" / "fichiers" / "kit-discuter-du-travail.zip") as z:
        z.extractall(tmp_path)
    folder = tmp_path / "kit-discuter-du-travail"
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    network, console, problems = [], [], []
    context.route(re.compile(r"^(https?|wss?)://"), lambda route: (network.append(
        route.request.url), route.abort()))
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and console.append(m.text))
    page.on("pageerror", lambda e: console.append(str(e)))
    page.goto((folder / "ouvrir-le-kit.html").as_uri())
    page.wait_for_url("**/pages/index.html")
    links = page.eval_on_selector_all("main a[href$='.html']", "as => as.map(a => a.href)")
    # What the index must list, from the kit's manifest: the guide, the table, each sheet,
    # each facilitator's tool and each story part, every one once.
    manifest = yaml.safe_load((ROOT / "kit" / "kit.yml").read_text())
    expected = {"guide.html", "tableau.html",
                *(f"fiche-{Path(rel).stem}.html" for rel in manifest["sheets"]),
                *(f"outil-{Path(rel).stem}.html" for rel in manifest.get("documents", [])),
                *(f"recit-{n}-{Path(rel).stem}.html"
                  for n, rel in enumerate(manifest["story"]["parts"], 1))}
    listed = [Path(urlsplit(link).path).name for link in links]
    assert sorted(listed) == sorted(expected), set(listed) ^ expected
    axe = Axe()
    for url in [page.url, *links]:
        page.goto(url)
        page.wait_for_load_state()
        seen = len(console)
        # axe fetches stylesheets again unless told not to, which file:// pages may not do.
        found = axe.run(page, options={"resultTypes": ["violations"], "preload": False})
        del console[seen:]
        if not page.text_content("h1"):
            problems.append(f"{url}: no heading")
        if page.evaluate("document.documentElement.scrollWidth") > 360:
            problems.append(f"{url}: wider than 360 px")
        problems += [f"{url}: {v['id']} {v['nodes'][0]['target']}"
                     for v in found.response["violations"]]
    page.goto(next(link for link in links if "recit-1" in link))
    playable = page.evaluate("document.querySelector('audio').src")
    assert Path(urlsplit(playable).path).is_file()
    context.close()
    assert network == [] and console == [] and problems == [], (network, console, problems)
