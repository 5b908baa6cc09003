"""`mkdocs serve` after a mistake, as the editor lives it in Chromium: the open page turns by
itself into a French page naming each problem with its file and line, and back into the site
once the mistake is fixed, without a reload or a restart."""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from playwright.sync_api import Page, expect, sync_playwright

from browser import launch
from fixture_kit import FILES, write_kit
from kitbuilder.build import build_kit
from kitbuilder.errors import KitError
from kitbuilder.mkdocs.audio import BackgroundAudio
from kitbuilder.mkdocs.live import LiveErrors
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


def in_own_thread(work: Callable[[], None]) -> None:
    """Playwright's sync API in a thread of its own: tests/test_browser_site.py keeps one
    Playwright open for the whole session, and another may not start in the same thread."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(work).result()


def _problems(page: Page) -> list[str]:
    return [text.replace("\u00a0", " ").replace("\u202f", " ").replace("’", "'")
            for text in page.locator("#kitbuilder-problems li").all_inner_texts()]


def test_a_mistake_shows_in_the_browser_in_french_and_the_fix_brings_the_site_back(
        served: tuple[Path, str, Path]) -> None:
    project, base, log = served
    sheet = project / "kit" / "fiches" / "regles.yml"

    def browse() -> None:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            try:
                page = browser.new_page()
                page.goto(base + "kit/guide/")
                expect(page.locator("h1")).to_have_text("Guide de démarrage")

                # A mistake in a sheet: the open page becomes the list of problems by itself.
                broken = FILES["fiches/regles.yml"].replace("purpose:", "purpse:", 1)
                assert broken != FILES["fiches/regles.yml"]
                sheet.write_text(broken, encoding="utf-8")
                expect(page.locator("h1")).to_have_text("1 problème à corriger", timeout=60_000)
                [problem] = _problems(page)
                assert problem.startswith("Fichier kit/fiches/regles.yml, ligne 2"), problem
                assert "clé inconnue « purpse » ; vouliez-vous dire « purpose » ?" in problem
                assert page.locator("html").get_attribute("lang") == "fr"
                # Another page asked for meanwhile answers (as soon as any rebuild under way
                # ends: MkDocs holds requests during one), with the same list.
                other = browser.new_page()
                other.goto(base + "kit/tableau/", timeout=60_000)
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

    in_own_thread(browse)
    said = log.read_text()
    assert "Traceback" not in said and "will appear stuck" not in said
    assert "le site n'a pas pu être reconstruit" in said.replace("’", "'")


def test_an_edited_scene_keeps_its_previous_recording_until_the_new_one_is_ready(
        served: tuple[Path, str, Path]) -> None:
    """Under `mkdocs serve`, the part's page shows the edit at once, still with a player on the
    previous MP3 (never a 404) and a line saying a newer recording is coming; then the new
    recording replaces it."""
    project, base, log = served
    page_url, coming = base + "kit/recit/matin/", "Un enregistrement plus récent"

    def wait_for(condition, what: str, timeout: float = 120) -> str:
        deadline, text = time.monotonic() + timeout, ""
        while time.monotonic() < deadline:
            text = httpx.get(page_url, timeout=10).text
            if condition(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"{what} never happened:\n{text[:400]}\n{log.read_text()[-2000:]}")

    def mp3_of(text: str) -> str:
        return re.search(r'<audio[^>]*\bsrc="([^"]+)"', text)[1]

    first = wait_for(lambda t: "<audio" in t and coming not in t, "the first recording")
    old_mp3 = httpx.get(page_url + mp3_of(first), timeout=10).content
    story = project / "kit" / "recit" / "matin.md"
    story.write_text(FILES["recit/matin.md"].replace(
        "la tournée commence.", "la tournée commence, chambre après chambre."),
        encoding="utf-8")
    meanwhile = wait_for(lambda t: "chambre après chambre" in t, "the edit")
    assert "<audio" in meanwhile and coming in meanwhile.replace("\u00a0", " ")
    answer = httpx.get(page_url + mp3_of(meanwhile), timeout=10)
    assert answer.status_code == 200 and answer.content == old_mp3  # the previous one plays
    done = wait_for(lambda t: "<audio" in t and coming not in t, "the new recording")
    assert "chambre après chambre" in done

    def listen() -> None:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            try:
                page = browser.new_page()
                page.goto(page_url)
                source = page.locator("audio.kit-audio").evaluate("a => a.currentSrc || a.src")
                new_mp3 = page.request.get(source)
                assert new_mp3.status == 200 and new_mp3.body() != old_mp3
            finally:
                browser.close()

    in_own_thread(listen)


def test_a_mistake_met_by_the_background_audio_as_well_is_listed_once(tmp_path: Path) -> None:
    """The story's audio is made in a thread of its own from the same sources: when it meets
    the editor's mistake while the site rebuilds, it logs it too, and the page must not list
    it twice (it once read « 2 problèmes » for one mistake)."""
    write_kit(tmp_path)
    sheet = tmp_path / "kit" / "fiches" / "regles.yml"
    sheet.write_text(FILES["fiches/regles.yml"].replace("purpose:", "purpse:", 1))
    plugin_log = logging.getLogger("mkdocs.plugins.kitbuilder.mkdocs.kit_plugin")

    def kit(**options: bool) -> object:
        return build_kit(tmp_path / "kit", tmp_path / "cache", **options)

    def rebuild() -> None:  # what the kit plugin does on a rebuild, audio made meanwhile
        background = threading.Thread(target=BackgroundAudio._run,
                                      args=(kit, tmp_path / "ready"))
        background.start()
        background.join()
        try:
            kit(wait_for_audio=False)
        except KitError as exc:
            for problem in exc.problems:
                plugin_log.error(str(problem))
            raise PluginError("le kit contient 1 problème") from None

    server = LiveReloadServer(builder=rebuild, host="127.0.0.1", port=0, root=str(tmp_path))
    try:
        errors = LiveErrors(server)
        errors.build()
    finally:
        server.server_close()
    [problem] = errors.problems
    assert problem.startswith("kit/fiches/regles.yml:2: "), problem
    assert "purpse" in problem
