"""The request server, for real: uvicorn on a free loopback port, a SQLite file in tmp_path,
serving a site built by `mkdocs build` from the fixture kit."""

from __future__ import annotations

import base64
import hashlib
import html
import http.client
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import Engine, inspect

from fixture_kit import write_kit
from kitbuilder.render import downloads
from kitbuilder.render.form import FormState
from kitbuilder.render.form import form as form_html
from kitbuilder.server import db
from kitbuilder.server.app import create_app
from kitbuilder.server.config import Settings
from kitbuilder.server.forms import validate
from kitbuilder.server.page import SiteError
from kitbuilder.server.run import uvicorn_config
from kitbuilder.server.tokens import Tokens
from test_site import MKDOCS_YML, mkdocs

SECRET = "test-secret-" + "x" * 40
BUNDLE = "kit-test.zip"
VALID = {
    "function": "direction",
    "establishment_type": "ehpad",
    "department": "2A",
    "establishment": "Résidence Les Tilleuls",
    "email": "direction@tilleuls.example.org",
    "consent": "oui",
}


# --- Shared with test_admin.py and test_browser_form.py --------------------------------------


def build_site(root: Path, extra_config: str = "") -> Path:
    """Build the fixture kit's site with MkDocs; return the site folder."""
    write_kit(root)
    (root / "docs").mkdir(exist_ok=True)
    (root / "docs" / "index.md").write_text("# Accueil\n\n[Le kit](kit/index.md)\n")
    config = MKDOCS_YML.replace("  - kit\n", "  - kit" + (":\n" + extra_config if extra_config
                                                          else "\n"))
    (root / "mkdocs.yml").write_text(config)
    run = mkdocs(root)
    assert run.returncode == 0, run.stderr
    return root / "site"


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("project"))


def settings_for(site: Path, tmp: Path, **changes) -> Settings:
    return replace(Settings(site_dir=site, database_url=f"sqlite:///{tmp / 'requests.sqlite3'}",
                            secret_key=SECRET, rate_limit=1000), **changes)


@contextmanager
def running(settings: Settings, trusted_proxies: str | None = None) -> Iterator[str]:
    """Serve the app with uvicorn, configured as `kitbuilder serve` does, in a thread."""
    server = uvicorn.Server(uvicorn_config(create_app(settings),
                                           trusted_proxies=trusted_proxies))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def form_token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no form token in the page"
    return match[1]


# --- This module's fixtures and helpers --------------------------------------------------


@dataclass
class Live:
    url: str
    engine: Engine
    settings: Settings

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10, **kwargs)

    def rows(self) -> int:
        return db.count(self.engine)


@pytest.fixture(scope="module")
def live(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    settings = settings_for(site, tmp_path_factory.mktemp("data"))
    with running(settings) as url:
        engine = db.connect(settings.database_url)
        yield Live(url, engine, settings)
        engine.dispose()


def submit(client: httpx.Client, data: dict[str, str | None], token: str | None = "fresh",
           **kwargs) -> httpx.Response:
    """Post the form as a browser does after loading the kit page; None leaves a field out."""
    fields = {k: v for k, v in data.items() if v is not None}
    if token == "fresh":
        fields["csrf_token"] = form_token(client.get("/kit/").text)
    elif token is not None:
        fields["csrf_token"] = token
    return client.post("/kit/demande", data=fields, **kwargs)


def old_tokens(days: float) -> Tokens:
    """Tokens made `days` ago with the server's key."""
    return Tokens(SECRET, timedelta(days=7), timedelta(hours=2),
                  clock=lambda: time.time() - days * 86400)


def field_block(page: str, name: str) -> str:
    """The HTML of one field's block in the form."""
    ident = "kit-" + name.replace("_", "-")
    start = page.index(f'id="{ident}"')
    block_start = page.rindex('<div class="kit-form__field', 0, start)
    return page[block_start:page.index("</div>\n", start)]


# --- A valid request -------------------------------------------------------------------------


def test_a_valid_request_is_stored_once_and_its_links_download_the_kit(live: Live) -> None:
    before = live.rows()
    with live.client() as client:
        page = client.get("/kit/").text
        token = form_token(page)
        answer = submit(client, VALID, token)
        assert answer.status_code == 303
        assert live.rows() == before + 1
        again = submit(client, VALID, token)  # a double click, or the form sent again
        assert again.status_code == 303
        assert live.rows() == before + 1

        location = urljoin(f"{live.url}/kit/demande", answer.headers["location"])
        assert location.startswith(f"{live.url}/kit/telechargement?jeton=")
        download = client.get(location)
        assert download.status_code == 200
        assert "Merci\u202f! Votre demande est enregistrée." in download.text
        links = re.findall(r'href="(fichiers/[^"]+)"', download.text)
        names = {link.split("?")[0].removeprefix("fichiers/") for link in links}
        assert names == {p.name for p in (live.settings.site_dir / "kit/fichiers").iterdir()}
        zip_link = next(link for link in links if BUNDLE in link).replace("&amp;", "&")
        kit = client.get(f"/kit/{zip_link}")
        assert kit.status_code == 200
        assert kit.headers["content-disposition"] == f'attachment; filename="{BUNDLE}"'
        with zipfile.ZipFile(BytesIO(kit.content)) as archive:
            assert "kit-test/guide-de-demarrage.docx" in archive.namelist()
        # Each document is offered as a PDF first, then as a Word file: take the Word one.
        word = client.get("/kit/" + next(link for link in links if "fiche-suivi.docx" in link)
                          .replace("&amp;", "&"))
        assert word.content == (live.settings.site_dir / "kit/fichiers/fiche-suivi.docx")\
            .read_bytes()

    stored = list(db.rows(live.engine))[-1]
    assert {k: stored[k] for k in VALID if k != "consent"} == {
        k: v for k, v in VALID.items() if k != "consent"}
    assert abs((db.utcnow() - stored["consent_at"]).total_seconds()) < 60
    assert abs((db.utcnow() - stored["created_at"]).total_seconds()) < 60
    columns = {c["name"] for c in inspect(live.engine).get_columns("kit_requests")}
    assert columns == {"id", "created_at", "function", "establishment_type", "department",
                       "establishment", "email", "consent_at"}


def test_the_download_list_encoded_once_reads_as_the_list_made_anew() -> None:
    """The server sends the list from pieces encoded once: the same bytes as the list made
    and encoded for that token and date."""
    bundle = downloads.KitFile("kit.zip", "Télécharger tout le kit", 123_456)
    groups = [("Fiches « à remplir »", (downloads.KitFile("fiche.docx", "Fiche d’équipe", 2048),)),
              ("", (downloads.KitFile("récit.mp3", "Le récit", None),))]
    listing = downloads.DownloadList(bundle, groups)
    for token, until in (("abc.DEF-_", datetime(2026, 12, 10, 15, 42, 59)),
                         ("x<y&\"z", datetime(2027, 1, 1, 0, 0))):
        moment = until.replace(tzinfo=ZoneInfo("Europe/Paris"))
        made = downloads.downloads(bundle, groups, token, moment)
        assert listing.render(token, moment) == made.encode("utf-8")
        assert "Télécharger tout le kit" in made and html.escape(token) in made
        assert "jusqu’au" in made and made.count(html.escape(token)) == 3


def test_a_form_sent_again_after_a_restart_stores_nothing_more(site: Path,
                                                               tmp_path: Path) -> None:
    settings = settings_for(site, tmp_path)
    answers, token = [], None
    for _ in range(2):  # the server stopped and started again between the two
        with running(settings) as url, httpx.Client(base_url=url, timeout=10) as client:
            token = token or form_token(client.get("/kit/").text)
            answers.append(submit(client, VALID, token))
    assert [answer.status_code for answer in answers] == [303, 303]
    tokens = old_tokens(0)
    ids = [tokens.check_download(parse_qs(urlsplit(answer.headers["location"]).query)
                                 ["jeton"][0]).value for answer in answers]
    engine = db.connect(settings.database_url)
    assert db.count(engine) == 1 and ids == [1, 1]  # the second leads to the first's files
    engine.dispose()


def test_no_address_is_kept_with_the_request(live: Live) -> None:
    with live.client() as client:
        assert submit(client, VALID).status_code == 303
    path = Path(live.settings.database_url.removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert b"127.0.0.1" not in stored


@pytest.mark.parametrize("changes", [
    {"department": "01"}, {"department": "976"}, {"department": "2B"},
    {"establishment": None, "email": None, "consent": None},
    {"establishment": "  Ehpad   du  Parc ", "email": "prénom.nom@établissement.fr"},
    {"establishment": "E" * 150},
], ids=["01", "976", "2B", "optional-fields-left-out", "spaces-and-accents", "150-chars"])
def test_edge_values_are_accepted(live: Live, changes: dict) -> None:
    before = live.rows()
    with live.client() as client:
        assert submit(client, {**VALID, **changes}).status_code == 303
    assert live.rows() == before + 1
    stored = list(db.rows(live.engine))[-1]
    if changes.get("establishment") == "  Ehpad   du  Parc ":
        assert stored["establishment"] == "Ehpad du Parc"
    if "establishment" in changes and changes["establishment"] is None:
        assert stored["establishment"] is None and stored["email"] is None


# --- Invalid fields --------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "value", "message"), [
    ("function", None, "Choisissez votre fonction."),
    ("function", "pdg", "Choisissez votre fonction."),
    ("establishment_type", "clinique", "Choisissez le type d’établissement."),
    ("department", None, "Choisissez le département de l’établissement dans la liste."),
    ("department", "20", "Choisissez le département de l’établissement dans la liste."),
    ("department", "96", "Choisissez le département de l’établissement dans la liste."),
    ("department", "977", "Choisissez le département de l’établissement dans la liste."),
    ("establishment", "E" * 151, "ne doit pas dépasser 150 caractères"),
    ("establishment", "Les\u200bTilleuls", "caractères invisibles"),
    ("email", "nom@exemple", "Saisissez une adresse électronique complète"),
    ("email", "nom @exemple.fr", "Saisissez une adresse électronique complète"),
    ("email", '"><script>alert(1)</script>@x.fr', "Saisissez une adresse électronique"),
    # An address without the box ticked is not kept: the box is asked for.
    ("consent", None, "cochez cette case pour être prévenu"),
    ("consent", "on", "cochez cette case pour être prévenu"),
])
def test_each_invalid_field_gives_its_message_beside_it_and_stores_nothing(
        live: Live, name: str, value: str | None, message: str) -> None:
    before = live.rows()
    with live.client() as client:
        answer = submit(client, {**VALID, name: value})
    assert answer.status_code == 422
    assert live.rows() == before
    page = answer.text
    block = field_block(page, name)
    assert "kit-form__field--error" in block and message in block
    assert f'aria-describedby="kit-{name.replace("_", "-")}-error"' in block
    assert f'<a href="#kit-{name.replace("_", "-")}">' in page  # the summary links to it
    assert "<title>Erreur – " in page
    assert "<script>alert(1)</script>" not in page
    # What was typed is still there, so that only the mistake needs correcting.
    if name != "establishment":
        assert 'value="Résidence Les Tilleuls"' in page
    if name != "function":
        assert 'value="direction" required checked' in page
    if name != "department":
        assert '<option value="2A" selected>' in page
    if name == "email" and value:
        assert f'value="{html.escape(value, quote=True)}"' in page
    assert form_token(page)  # a fresh token to send the corrected form


def test_several_mistakes_are_all_listed(live: Live) -> None:
    with live.client() as client:
        answer = submit(client, {"email": "x"})
    assert answer.status_code == 422
    assert "Le formulaire contient 4 erreurs\u00a0:" in answer.text


def test_the_kit_is_given_without_any_box_ticked_and_no_address_is_kept(live: Live) -> None:
    """No consent stands in front of the free kit; only the e-mail asks for one."""
    with live.client() as client:
        answer = submit(client, {**VALID, "email": None, "consent": None})
    assert answer.status_code == 303 and "telechargement?jeton=" in answer.headers["location"]
    stored = list(db.rows(live.engine))[-1]
    assert stored["email"] is None and stored["consent_at"] is None


def test_the_box_ticked_without_an_address_asks_for_the_address(live: Live) -> None:
    before = live.rows()
    with live.client() as client:
        answer = submit(client, {**VALID, "email": None})
    assert answer.status_code == 422 and live.rows() == before
    assert "saisissez votre adresse électronique" in field_block(answer.text, "email")


def test_the_form_states_its_legal_basis_and_leaves_the_box_unticked(live: Live) -> None:
    with live.client() as client:
        page = client.get("/kit/").text
    assert "intérêt légitime" in page and "vous recevez le kit dans tous les cas" in page
    box = re.search(r'<input type="checkbox"[^>]*name="consent"[^>]*>', page)[0]
    assert "required" not in box and "checked" not in box


# --- Refused requests ------------------------------------------------------------------------


@pytest.mark.parametrize(("token", "status", "notice"), [
    (None, 403, "n’a pas pu être vérifié"),
    ("forged", 403, "n’a pas pu être vérifié"),
    ("altered", 403, "n’a pas pu être vérifié"),
    ("download-token", 403, "n’a pas pu être vérifié"),
    ("expired", 403, "resté ouvert trop longtemps"),
])
def test_a_missing_forged_or_expired_form_token_is_refused(live: Live, token: str | None,
                                                           status: int, notice: str) -> None:
    with live.client() as client:
        fresh = form_token(client.get("/kit/").text)
        value = {None: None, "forged": "bonjour.abc.def",
                 "altered": fresh[:-2] + ("AA" if not fresh.endswith("AA") else "BB"),
                 "download-token": Tokens(SECRET, timedelta(days=7), timedelta(hours=2))
                 .download(1),
                 "expired": old_tokens(3 / 24).form()}[token]
        before = live.rows()
        answer = submit(client, VALID, value)
    assert answer.status_code == status
    assert notice in answer.text
    assert 'value="Résidence Les Tilleuls"' in answer.text  # answers kept for a second try
    assert live.rows() == before


def test_a_filled_honeypot_is_refused(live: Live) -> None:
    before = live.rows()
    with live.client() as client:
        answer = submit(client, {**VALID, "website": "https://spam.example"})
    assert answer.status_code == 400
    assert "n’a pas pu être enregistrée" in answer.text
    assert live.rows() == before


def _multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    """`fields` as a browser sends a form with enctype multipart/form-data and no file."""
    parts = "".join(f'--b0undary\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                    f"{value}\r\n" for name, value in fields.items())
    return f"{parts}--b0undary--\r\n".encode(), "multipart/form-data; boundary=b0undary"


def test_a_form_reads_alike_url_encoded_or_multipart_and_twenty_fields_at_most(
        live: Live) -> None:
    """The URL-encoded form is read by the standard library, anything else by Starlette's
    parser: both give the same answers, and both refuse a body of more than 20 fields."""
    extra = {f"x{n}": "y" for n in range(20 - len(VALID) - 1)}  # 20 fields with the token
    with live.client() as client:
        for kind in ("url-encoded", "multipart"):
            for fields, status in ((VALID, 303), ({**VALID, **extra}, 303),
                                   ({**VALID, **extra, "x99": "y"}, 400)):
                before = live.rows()
                sent = {**fields, "csrf_token": form_token(client.get("/kit/").text)}
                if kind == "multipart":
                    body, content_type = _multipart(sent)
                else:
                    body, content_type = str(httpx.QueryParams(sent)).encode(), \
                        "application/x-www-form-urlencoded"
                answer = client.post("/kit/demande", content=body,
                                     headers={"content-type": content_type})
                assert answer.status_code == status, (kind, len(sent), answer.text[:300])
                if status == 303:
                    assert live.rows() == before + 1
                    stored = list(db.rows(live.engine))[-1]  # accents and « @ » read alike
                    assert {name: stored[name] for name in VALID if name != "consent"} == {
                        name: value for name, value in VALID.items() if name != "consent"}
                else:
                    assert "n’a pas pu être lue" in answer.text and live.rows() == before


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_oversized_body_is_refused(live: Live, chunked: bool) -> None:
    before = live.rows()
    with live.client() as client:
        token = form_token(client.get("/kit/").text)
        body = httpx.QueryParams({**VALID, "csrf_token": token,
                                  "establishment": "E" * 20_000}).__str__().encode()
        content = iter([body[i:i + 4096] for i in range(0, len(body), 4096)]) if chunked \
            else body
        answer = client.post("/kit/demande", content=content,
                             headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413
    assert "trop volumineuse" in answer.text
    assert live.rows() == before


@pytest.mark.parametrize("headers", [
    {"sec-fetch-site": "cross-site"},
    {"origin": "https://attaquant.example"},
], ids=["fetch-metadata", "origin"])
def test_a_post_from_another_site_is_refused(live: Live, headers: dict[str, str]) -> None:
    before = live.rows()
    with live.client() as client:
        answer = submit(client, VALID, headers=headers)
    assert answer.status_code == 403
    assert "que depuis notre site" in answer.text
    assert live.rows() == before


def test_the_rate_limit_counts_each_address_apart(site: Path, tmp_path: Path) -> None:
    settings = settings_for(site, tmp_path, rate_limit=3)
    with running(settings) as url:
        def client(address: str) -> httpx.Client:
            return httpx.Client(base_url=url, transport=httpx.HTTPTransport(
                local_address=address))

        with client("127.0.0.2") as first, client("127.0.0.3") as second:
            # A forwarded address is not believed from a client that is no trusted proxy.
            answers = [submit(first, VALID, headers={"x-forwarded-for": f"203.0.113.{i}"})
                       .status_code for i in range(4)]
            assert answers == [303, 303, 303, 429]
            limited = submit(first, VALID)
            assert limited.status_code == 429
            assert int(limited.headers["retry-after"]) > 500
            assert "Réessayez dans 10\u00a0minutes" in limited.text
            assert submit(second, VALID).status_code == 303
        engine = db.connect(settings.database_url)
        assert db.count(engine) == 4
        engine.dispose()


def test_behind_a_trusted_proxy_each_forwarded_address_is_counted_apart(site: Path,
                                                                        tmp_path: Path) -> None:
    settings = settings_for(site, tmp_path, rate_limit=1)
    with running(settings, trusted_proxies="127.0.0.1") as url, \
            httpx.Client(base_url=url) as client:
        def post(address: str) -> int:
            return submit(client, VALID, headers={"x-forwarded-for": address}).status_code

        assert [post("203.0.113.1"), post("203.0.113.1"), post("2001:db8::1"),
                post("2001:db8::2"), post("198.51.100.7")] == [303, 429, 303, 429, 303]


def test_a_database_failure_keeps_the_answers_and_says_to_try_again(site: Path,
                                                                    tmp_path: Path) -> None:
    settings = settings_for(site, tmp_path)
    with running(settings) as url, httpx.Client(base_url=url) as client:
        engine = db.connect(settings.database_url)
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE kit_requests")
        engine.dispose()
        answer = submit(client, VALID)
    assert answer.status_code == 503
    assert "momentanément indisponible" in answer.text
    assert 'value="Résidence Les Tilleuls"' in answer.text


def test_a_request_sent_while_another_program_writes_waits_and_is_stored(
        site: Path, tmp_path: Path) -> None:
    """A request is stored at once on the event loop, by a path that never waits for
    SQLite's lock. While another program holds it (an export, a purge from the command line),
    the request waits on the writer's thread instead, the server keeps answering, and the
    request is stored when the lock is released: neither refused nor lost."""
    settings = settings_for(site, tmp_path)
    with running(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        token = form_token(client.get("/kit/").text)
        holder = sqlite3.connect(tmp_path / "requests.sqlite3", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the write lock, as another writer takes it
        answers: list[httpx.Response] = []
        poster = threading.Thread(target=lambda: answers.append(submit(client, VALID, token)))
        poster.start()
        time.sleep(1.5)
        waiting = poster.is_alive()
        with httpx.Client(base_url=url, timeout=5) as other:
            page = other.get("/kit/")
        holder.execute("COMMIT")
        holder.close()
        poster.join(30)
    assert waiting, "the request did not wait for the lock"
    assert page.status_code == 200  # the event loop was not held by the waiting request
    assert [answer.status_code for answer in answers] == [303]
    engine = db.connect(settings.database_url)
    assert db.count(engine) == 1
    engine.dispose()


# --- Kit files behind a token ----------------------------------------------------------------


@pytest.mark.parametrize(("token", "reason", "notice"), [
    (None, "absent", "se téléchargent après ce court formulaire"),
    ("forged", "invalide", "n’est pas valide"),
    ("form-token", "invalide", "n’est pas valide"),
    ("expired", "expire", "a expiré"),
])
@pytest.mark.parametrize("path", ["/kit/fichiers/kit-test.zip", "/kit/telechargement"])
def test_kit_files_need_a_valid_unexpired_token(live: Live, path: str, token: str | None,
                                                reason: str, notice: str) -> None:
    value = {None: None, "forged": "MQ.abc.def",
             "form-token": Tokens(SECRET, timedelta(days=7), timedelta(hours=2)).form(),
             "expired": old_tokens(8).download(1)}[token]
    with live.client() as client:
        answer = client.get(path, params={"jeton": value} if value else None)
        assert answer.status_code == 303
        target = urljoin(f"{live.url}{path}", answer.headers["location"])
        assert target == f"{live.url}/kit/?motif={reason}#telecharger-le-kit"
        page = client.get(target)
    assert page.status_code == 200
    assert notice in page.text and 'action="demande#telecharger-le-kit"' in page.text
    assert b"PK\x03\x04" not in answer.content


def test_a_valid_token_still_opens_only_kit_files(live: Live) -> None:
    token = Tokens(SECRET, timedelta(days=7), timedelta(hours=2)).download(1)
    outside = live.settings.site_dir.parent / "mkdocs.yml"
    assert outside.is_file()
    paths = ["/kit/fichiers/../../mkdocs.yml", "/kit/fichiers/%2e%2e/%2e%2e/mkdocs.yml",
             "/kit/fichiers/..%2f..%2fmkdocs.yml", "/kit/fichiers/%2E%2E%2Findex.html",
             "/kit/fichiers/", "/kit/fichiers/.", "/kit/fichiers//etc/passwd",
             "/kit/fichiers/..\\..\\mkdocs.yml", "/kit/fichiers/%00kit-test.zip"]
    host, port = live.url.removeprefix("http://").split(":")
    for path in paths:
        # http.client sends the path as written: no client-side clean-up of « .. ».
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("GET", f"{path}?jeton={token}")
        answer = connection.getresponse()
        body = answer.read()
        connection.close()
        assert answer.status == 404, path
        assert b"site_name" not in body and b"root:" not in body, path


@pytest.mark.parametrize("path", ["/kit//fichiers/kit-test.zip", "/kit/./fichiers/kit-test.zip",
                                  "/kit/recit/../fichiers/kit-test.zip",
                                  "//kit/fichiers/kit-test.zip", "/kit/%66ichiers/kit-test.zip"])
def test_the_static_site_never_serves_the_kit_files(live: Live, path: str) -> None:
    host, port = live.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", path)
    answer = connection.getresponse()
    body = answer.read()
    connection.close()
    assert b"PK\x03\x04" not in body, path
    assert answer.status in (303, 404), path


# --- Pages and headers -----------------------------------------------------------------------


class _InlineScripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self._inline = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        self._inline = tag == "script" and "src" not in names and names.get(
            "type", "text/javascript") in ("text/javascript", "module")
        if self._inline:
            self.scripts.append("")

    def handle_endtag(self, tag):
        self._inline = False

    def handle_data(self, data):
        if self._inline:
            self.scripts[-1] += data


@pytest.mark.parametrize("path", ["/kit/", "/", "/kit/guide/", "/kit/demande"])
def test_pages_carry_a_strict_csp_that_allows_exactly_the_themes_inline_scripts(
        live: Live, path: str) -> None:
    with live.client() as client:
        answer = client.post(path, data={}) if path == "/kit/demande" else client.get(path)
    csp = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert "http" not in csp and "unsafe-inline" not in csp and "*" not in csp
    parser = _InlineScripts()
    parser.feed(answer.text)
    assert parser.scripts, "Material writes inline scripts: the test would prove nothing"
    for script in parser.scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    # The same fixed list on every page: the theme's scripts, as the build stored them.
    stored = json.loads((live.settings.site_dir / "_kitbuilder" / "csp-scripts.json").read_text())
    assert re.findall(r"'sha256-[^']+'", csp) == stored["scripts"]
    # A few scripts, the same on every page: the scope script names the site's root as
    # site_url does (extra.scope), not relative to each page's depth.
    assert len(stored["scripts"]) <= 4
    assert re.search(r'__md_scope=new URL\("/",location\)', answer.text)
    for name, value in {"x-content-type-options": "nosniff",
                        "referrer-policy": "no-referrer"}.items():
        assert answer.headers[name] == value
    assert "server" not in answer.headers


def test_files_and_assets_carry_the_headers_too(live: Live) -> None:
    with live.client() as client:
        css = re.search(r'href="(\.\./assets/[^"]+\.css)"', client.get("/kit/").text)[1]
        answer = client.get(urljoin("/kit/", css))
    assert answer.status_code == 200
    policy = answer.headers["content-security-policy"]
    assert policy.startswith("default-src 'none'; script-src 'self'")
    assert policy.endswith("frame-ancestors 'none'")
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_redirect_carries_the_headers_that_apply_to_a_redirect(live: Live) -> None:
    """The 303 after a post leads to a link holding its token: its referrer policy keeps the
    token from going on; a document's policies (CSP, framing, features) are the next page's."""
    with live.client() as client:
        answer = submit(client, VALID)
        target = client.get(answer.headers["location"])
    assert answer.status_code == 303
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cross-origin-opener-policy"] == "same-origin"
    for document_only in ("content-security-policy", "permissions-policy"):
        assert document_only not in answer.headers
        assert document_only in target.headers


def test_the_kit_page_is_never_cached_and_its_token_changes(live: Live) -> None:
    with live.client() as client:
        first, second = client.get("/kit/"), client.get("/kit/index.html")
    assert first.headers["cache-control"] == "no-store"
    assert form_token(first.text) != form_token(second.text)
    assert "set-cookie" not in first.headers  # no cookie at all: none to announce


def test_a_get_on_the_form_route_or_the_bare_folder_leads_to_the_form(live: Live) -> None:
    with live.client() as client:
        form, folder = client.get("/kit/demande"), client.get("/kit")
    assert form.status_code == folder.status_code == 303
    assert form.headers["location"] == "/kit/#telecharger-le-kit"
    assert folder.headers["location"] == "/kit/"


# --- The command line ------------------------------------------------------------------------


def test_kitbuilder_serve_runs_the_whole_flow_and_logs_nothing_personal(site: Path,
                                                                       tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite3'}",
           "SECRET_KEY": SECRET}
    process = subprocess.Popen(
        [sys.executable, "-m", "kitbuilder.cli", "serve", "--site", str(site), "--port", "0"],
        cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    try:
        started = ""
        while "le serveur répond sur" not in started:
            line = process.stderr.readline()
            assert line, "the server stopped before listening"
            started += line
        url = re.search(r"http://127\.0\.0\.1:\d+", started)[0]
        with httpx.Client(base_url=url, timeout=10) as client:
            answer = submit(client, VALID)
            download = client.get(urljoin(f"{url}/kit/demande", answer.headers["location"]))
            token = re.search(r"jeton=([\w.-]+)", download.text)[1]
            assert client.get(f"/kit/fichiers/{BUNDLE}", params={"jeton": token}).status_code \
                == 200
    finally:
        process.terminate()
        logs = started + process.communicate(timeout=15)[1]
    assert "POST /kit/demande 303" in logs and "demande de kit n°\u00a01 enregistrée" in logs
    # A normal start reads as one: French lines, no « uvicorn.error », no ERROR.
    assert "uvicorn: application prête" in logs and "processus du serveur démarré" in logs
    assert "uvicorn.error" not in logs and " ERROR " not in logs
    for secret in (VALID["email"], VALID["establishment"], token, "jeton"):
        assert secret not in logs
    assert not [line for line in logs.splitlines()
                if "127.0.0.1" in line and "le serveur répond sur" not in line]
    assert not (tmp_path / "var" / "secret.key").exists()  # SECRET_KEY came from the env


def test_kitbuilder_serve_without_a_built_site_says_so(tmp_path: Path) -> None:
    from kitbuilder.server.config import data_dir
    had_database = (data_dir() / "requests.sqlite3").exists()
    run = subprocess.run([sys.executable, "-m", "kitbuilder.cli", "serve", "--site",
                          str(tmp_path / "site")], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60, check=False)
    assert run.returncode == 1
    assert "construisez d’abord le site" in run.stderr and "Traceback" not in run.stderr
    # Nothing made for a server that did not start: not the project's default database
    # (which admin commands would then refuse as schema-less), nor one here.
    assert not (data_dir() / "requests.sqlite3").exists() or had_database
    assert list(tmp_path.iterdir()) == []


def test_the_story_recordings_play_in_the_pages_without_a_token(live: Live) -> None:
    played = sorted((live.settings.site_dir / "kit/fichiers").glob("*.mp3"))
    if not played:
        pytest.skip("this build made no recording (no speech engine)")
    with live.client() as client:
        page = client.get("/kit/recit/matin/").text
        assert f"fichiers/{played[0].name}" in page
        audio = client.get(f"/kit/fichiers/{played[0].name}", headers={"range": "bytes=0-99"})
        transcript = client.get(f"/kit/fichiers/{played[0].stem}.vtt")
    assert audio.status_code == 206 and audio.headers["content-type"] == "audio/mpeg"
    assert "attachment" not in audio.headers.get("content-disposition", "")
    assert transcript.text.startswith("WEBVTT")
    assert "media-src 'self'" in audio.headers["content-security-policy"]


# --- Static-only mode ------------------------------------------------------------------------


def test_static_only_mode_links_the_external_form_and_publishes_the_files(tmp_path: Path,
                                                                         site: Path) -> None:
    assert 'href="../confidentialite/"' in (site / "kit/index.html").read_text()
    static = build_site(tmp_path, "      form_url: https://formulaires.example.org/kit\n"
                                  "      privacy_url: vie-privee/\n")
    page = (static / "kit/index.html").read_text()
    assert 'href="https://formulaires.example.org/kit"' in page
    assert 'id="kit-request"' not in page and "kitbuilder:request" not in page
    assert f'href="fichiers/{BUNDLE}"' in page and 'href="fichiers/fiche-suivi.docx"' in page
    assert (static / "kit/fichiers" / BUNDLE).is_file()
    with pytest.raises(SiteError, match="mode statique"):
        create_app(settings_for(static, tmp_path))


# --- Whatever is sent, never a traceback -----------------------------------------------------

_NAMES = st.sampled_from(["function", "establishment_type", "department", "establishment",
                          "email", "consent", "website", "csrf_token", "autre"])
_SUBMISSIONS = st.dictionaries(_NAMES, st.lists(st.text(max_size=200), min_size=1, max_size=3))


@hsettings(max_examples=300, deadline=None)
@given(_SUBMISSIONS)
def test_any_submission_is_judged_and_shown_again_safely(fields: dict) -> None:
    result = validate(fields)
    assert (result.answers is None) == bool(result.errors)
    if result.answers is not None:
        assert len(result.answers.establishment or "") <= 150
    page = form_html(FormState(result.values, result.errors), "../confidentialite/")
    for name in ("establishment", "email"):  # typed text comes back, as text only
        assert f'value="{html.escape(result.values[name], quote=True)}"' in page


@hsettings(max_examples=40, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_SUBMISSIONS)
def test_the_server_answers_any_submission_without_an_error(live: Live, fields: dict) -> None:
    with live.client() as client:
        answer = client.post("/kit/demande", data=fields)
    assert answer.status_code in (303, 400, 403, 422)
    assert "Traceback" not in answer.text


def test_error_pages_say_in_french_what_went_wrong(built_site: Path, tmp_path: Path) -> None:
    """This repository's site, whose error page marks the words the server changes."""
    with running(settings_for(built_site, tmp_path)) as url, httpx.Client(base_url=url) as web:
        missing = web.get("/nulle-part/")
        refused = web.put("/rendez-vous/", content=b"x")
    assert missing.status_code == 404 and "<h1 data-kit-error=\"title\">Page introuvable" \
        in missing.text
    assert refused.status_code == 405 and "Action impossible ici</h1>" in refused.text
    assert "Page introuvable" not in refused.text and "Not found" not in refused.text
    assert 'href="/rendez-vous/"' in refused.text  # the way on, to a person
