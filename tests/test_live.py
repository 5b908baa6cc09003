"""`mkdocs serve` after a mistake, as the editor lives it in Chromium: the open page turns by
itself into a French page naming each problem with its file and line, and back into the site
once the mistake is fixed, without a reload or a restart."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from browser import launch
from fixture_kit import FILES, write_kit
from test_site import MKDOCS_YML


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str, Path]]:
    """A small project under a real `mkdocs serve` on a free loopback port."""
    write_kit(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Accueil\n\n[Le kit](kit/index.md)\n")
    (tmp_path / "mkdocs.yml").write_text(MKDOCS_YML + "strict: true\n"
                                         "nav:\n  - index.md\n  - Le kit: kit/\n")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "serve.log"
    with log.open("w") as errors, subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"], cwd=tmp_path,
            stdout=subprocess.DEVNULL, stderr=errors,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}) as server:
        try:
            base = f"http://127.0.0.1:{port}/"
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                assert server.poll() is None, log.read_text()
                try:
                    if httpx.get(base, timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.3)
            yield tmp_path, base, log
        finally:
            server.terminate()
            server.wait(20)


def _problems(page: Page) -> list[str]:
    return [text.replace("\u00a0", " ").replace("\u202f", " ").replace("’", "'")
            for text in page.locator("#kitbuilder-problems li").all_inner_texts()]


def test_a_mistake_shows_in_the_browser_in_french_and_the_fix_brings_the_site_back(
        served: tuple[Path, str, Path]) -> None:
    project, base, log = served
    sheet = project / "kit" / "fiches" / "regles.yml"
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page()
            page.goto(base + "kit/guide/")
            expect(page.locator("h1")).to_have_text("Guide de démarrage")

            # A mistake in a sheet: the open page becomes the list of problems by itself.
            sheet.write_text(FILES["fiches/regles.yml"].replace("count: 4", "count: quatre"),
                             encoding="utf-8")
            expect(page.locator("h1")).to_have_text("1 problème à corriger", timeout=60_000)
            [problem] = _problems(page)
            assert problem.startswith("Fichier kit/fiches/regles.yml, ligne 14"), problem
            assert "nombre entier attendu" in problem and "« quatre »" in problem
            assert page.locator("html").get_attribute("lang") == "fr"
            # Another page asked for meanwhile answers at once, with the same list.
            started = time.monotonic()
            other = browser.new_page()
            other.goto(base + "kit/tableau/", timeout=15_000)
            assert time.monotonic() - started < 10
            expect(other.locator("h1")).to_have_text("1 problème à corriger")
            other.close()

            # Fixed: the same page comes back to the site, with no reload by hand.
            sheet.write_text(FILES["fiches/regles.yml"], encoding="utf-8")
            expect(page.locator("h1")).to_have_text("Guide de démarrage", timeout=60_000)

            # A page left out of the nav (strict): the lines to add, in French.
            extra = project / "docs" / "ateliers.md"
            extra.write_text("# Nos ateliers\n\nBientôt.\n", encoding="utf-8")
            expect(page.locator("h1")).to_have_text("1 problème à corriger", timeout=60_000)
            [problem] = _problems(page)
            assert problem.startswith("Fichier mkdocs.yml, ligne 15"), problem
            assert "cette page n'est dans aucun menu (« ateliers.md »)" in problem
            assert "- Nos ateliers: ateliers.md" in problem
            extra.unlink()
            expect(page.locator("h1")).to_have_text("Guide de démarrage", timeout=60_000)
        finally:
            browser.close()
    said = log.read_text()
    assert "Traceback" not in said and "will appear stuck" not in said
    assert "le site n'a pas pu être reconstruit" in said.replace("’", "'")
