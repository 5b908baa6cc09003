"""The kit request form in headless Chromium, used as a person would: labels, mistakes and
their messages, the download link, the zip. Once with JavaScript off (the form must not need
it), once with it on (no CSP violation, no console error, nothing fetched from elsewhere)."""

from __future__ import annotations

import http.server
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from kitbuilder.server import db
from test_server import running, settings_for, site  # noqa: F401 - `site` is a fixture

CHROMIUM = Path("/usr/bin/chromium")  # Debian's; test tools never download a browser
# Without the background-networking flags Chromium calls Google's hosts at start-up.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason=f"Debian's Chromium ({CHROMIUM}) is not installed; "
                                       "./scripts/test installs it (apt-get install chromium)")


class Visit:
    """A browser page on the running server, recording what it should never see."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.elsewhere: list[str] = []
        self.console: list[str] = []
        page.on("request", lambda r: None if r.url.startswith((base, "data:"))
                else self.elsewhere.append(r.url))
        page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.console.append(str(e)))


@pytest.fixture
def server(site: Path, tmp_path: Path) -> Iterator[tuple[str, str]]:  # noqa: F811
    settings = settings_for(site, tmp_path)
    with running(settings) as url:
        yield url, settings.database_url


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


@contextmanager
def _browse(base: str, javascript: bool) -> Iterator[Visit]:
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(java_script_enabled=javascript, accept_downloads=True,
                                      locale="fr-FR")
        try:
            yield Visit(context.new_page(), base)
        finally:
            context.close()
            browser.close()


def _fill_in(page: Page, email: str) -> None:
    page.get_by_label("Direction", exact=True).check()
    page.get_by_label("Ehpad", exact=True).check()
    page.get_by_label("Département de l’établissement").select_option(label="2A – Corse-du-Sud")
    page.get_by_label("Nom de l’établissement").fill("Résidence Les Tilleuls")
    page.get_by_label("Adresse électronique").fill(email)


def test_without_javascript_a_person_corrects_a_mistake_and_gets_the_zip(
        server: tuple[str, str], tmp_path: Path) -> None:
    base, database = server
    with _browse(base, javascript=False) as visit:
        page = visit.page
        page.goto(f"{base}/kit/")
        page.locator("article").get_by_role("link", name="Télécharger le kit").click()
        _fill_in(page, "direction@tilleuls")  # a typo; the box « tell me » ticked
        page.get_by_label("Je souhaite recevoir un e-mail").check()
        page.get_by_role("button", name="Recevoir le kit").click()

        assert page.title().startswith("Erreur – ")
        expect(page.locator(".kit-form__summary")).to_contain_text("1 erreur")
        email = page.get_by_label("Adresse électronique")
        expect(email).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#kit-email-error")).to_contain_text(
            "Saisissez une adresse électronique complète")
        expect(page.get_by_label("Je souhaite recevoir un e-mail")).to_be_checked()
        # Everything typed is still there: only the mistakes need correcting.
        expect(page.get_by_label("Direction", exact=True)).to_be_checked()
        expect(page.get_by_label("Ehpad", exact=True)).to_be_checked()
        expect(page.get_by_label("Nom de l’établissement")).to_have_value(
            "Résidence Les Tilleuls")
        expect(page.get_by_label("Département de l’établissement")).to_have_value("2A")
        expect(email).to_have_value("direction@tilleuls")

        email.fill("direction@tilleuls.example.org")
        page.get_by_role("button", name="Recevoir le kit").click()

        expect(page.get_by_text("Votre demande est enregistrée")).to_be_visible()
        with page.expect_download() as download:
            page.get_by_role("link", name="Télécharger tout le kit").click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert visit.elsewhere == []
    assert saved.name == "kit-test.zip"
    with zipfile.ZipFile(saved) as archive:
        assert "kit-test/recit-complet.docx" in archive.namelist()
    engine = db.connect(database)
    assert [(r["department"], r["email"]) for r in db.rows(engine)] == [
        ("2A", "direction@tilleuls.example.org")]
    engine.dispose()


def test_with_javascript_the_pages_run_under_their_csp_without_an_error(
        server: tuple[str, str]) -> None:
    base, _ = server
    with _browse(base, javascript=True) as visit:
        page = visit.page
        page.goto(f"{base}/kit/")
        expect(page.locator("#kit-request")).to_be_visible()
        _fill_in(page, "")  # no address, no box: the kit all the same
        page.get_by_role("button", name="Recevoir le kit").click()
        expect(page.get_by_text("Votre demande est enregistrée")).to_be_visible()
        page.goto(f"{base}/kit/fichiers/kit-test.zip")  # no token: back to the form
        expect(page.get_by_text("se téléchargent après ce court formulaire")).to_be_visible()
        assert visit.console == []
        assert visit.elsewhere == []


class _Framing(http.server.BaseHTTPRequestHandler):
    """Another site's page (another port: another origin) framing the kit page at `target`."""

    target = ""

    def do_GET(self) -> None:
        body = (f'<!doctype html><title>Autre site</title><iframe src="{self.target}">'
                "</iframe>").encode()
        self.send_response(200)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


def test_another_site_cannot_show_the_form_in_a_frame(server: tuple[str, str]) -> None:
    """A page of another origin that frames the kit page (to dress it up as its own, or to
    make a visitor click through it) gets Chromium's error page in the frame: the CSP's
    frame-ancestors 'none', the only framing rule the server sends, refuses it. (Without it
    the frame shows the form: checked by taking the directive out.) The other site is a real
    server on loopback, as the kit's is: Chromium would refuse a public page framing a
    loopback one for that reason alone."""
    base, _ = server
    handler = type("Framing", (_Framing,), {"target": f"{base}/kit/"})
    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        with _browse(base, javascript=True) as visit:
            page = visit.page
            page.goto(f"http://127.0.0.1:{other.server_address[1]}/")
            expect(page.locator("iframe")).to_be_attached()
            framed = page.frames[1]
            framed.wait_for_load_state()
            assert framed.url.startswith("chrome-error://"), framed.url
            assert framed.query_selector("#kit-request") is None
            assert any("frame-ancestors 'none'" in line for line in visit.console), visit.console
    finally:
        other.shutdown()
        other.server_close()
