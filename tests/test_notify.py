"""`kitbuilder requests notify` against a real SMTP server on loopback (aiosmtpd), and its
unsubscribe link against the real request server: messages read back, addresses erased."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from kitbuilder.server import db
from test_server import SECRET, VALID, running, settings_for, site, submit  # noqa: F401

EDITION = "décembre 2026"
USER, PASSWORD = "kit", "mot-de-passe-de-test"


@dataclass
class Mailbox:
    """What the SMTP server received: each message with its envelope's recipients."""

    port: int
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def take(self) -> list[tuple[list[str], EmailMessage]]:
        with self.lock:
            taken, self.received[:] = list(self.received), []
        return taken


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(_free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port,
                            authenticator=_authenticate, auth_require_tls=False)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@dataclass
class Server:
    url: str
    database_url: str


@pytest.fixture
def server(site: Path, tmp_path: Path) -> Iterator[Server]:  # noqa: F811
    settings = settings_for(site, tmp_path)
    with running(settings) as url:
        yield Server(url, settings.database_url)


def notify(server: Server, mailbox: Mailbox, *args: str, password: str = PASSWORD,
           **env: str) -> subprocess.CompletedProcess[str]:
    """The command as the operator runs it, with the SMTP settings in the environment."""
    settings = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox.port),
                "SMTP_SECURITY": "none", "SMTP_USER": USER, "SMTP_PASSWORD": password,
                "SMTP_FROM": "Mieux-être & Travail <kit@example.org>", "SECRET_KEY": SECRET}
    return subprocess.run(
        [sys.executable, "-m", "kitbuilder.cli", "requests", "notify", "--database-url",
         server.database_url, "--site-url", server.url + "/", *args],
        env={**os.environ, **settings, **env}, capture_output=True, text=True, timeout=60,
        check=False, cwd=Path(server.database_url.removeprefix("sqlite:///")).parent)


def _request(server: Server, **changes: str | None) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert submit(client, {**VALID, **changes}).status_code == 303


def _rows(server: Server) -> list[dict]:
    engine = db.connect(server.database_url)
    try:
        return list(db.rows(engine))
    finally:
        engine.dispose()


def _link(message: EmailMessage) -> str:
    return re.search(r"^(http\S+desinscription\?jeton=\S+?)\r?$", message.get_content(),
                     re.MULTILINE)[1]


def test_one_plain_french_email_per_consenting_address_and_never_twice(
        server: Server, mailbox: Mailbox) -> None:
    _request(server, email="direction@tilleuls.example.org")
    _request(server, email="Direction@Tilleuls.example.org")  # the same address again
    _request(server, email="rh@parc.example.org")
    _request(server, email=None, consent=None)  # no address: nothing to send
    run = notify(server, mailbox, "--edition", EDITION)
    assert run.returncode == 0, run.stderr
    assert "2 message(s) envoyé(s)" in run.stdout
    received = mailbox.take()
    assert sorted(to[0].lower() for to, _ in received) == [
        "direction@tilleuls.example.org", "rh@parc.example.org"]
    for _, message in received:
        assert message.get_content_type() == "text/plain"  # plain, no HTML, no tracking
        assert not message.is_multipart()
        assert message["Subject"] == "Nouvelle édition du kit «\u00a0Discuter du travail\u00a0»"
        assert message["From"] == "Mieux-être & Travail <kit@example.org>"
        text = message.get_content().replace("\r\n", "\n")
        assert f"est en ligne\u00a0: {EDITION}." in text
        assert f"{server.url}/kit/\n" in text
        assert message["List-Unsubscribe"] == f"<{_link(message)}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    links = {_link(message) for _, message in received}
    assert len(links) == 2  # each address its own link

    again = notify(server, mailbox, "--edition", EDITION)
    assert again.returncode == 0 and "Personne à prévenir" in again.stdout
    assert mailbox.take() == []
    _request(server, email="nouveau@exemple.fr")  # a newcomer gets this edition, alone
    assert notify(server, mailbox, "--edition", EDITION).returncode == 0
    assert [to for to, _ in mailbox.take()] == [["nouveau@exemple.fr"]]
    assert notify(server, mailbox, "--edition", "juin 2027").returncode == 0
    assert len(mailbox.take()) == 3  # a new edition: everyone once more


def test_the_dry_run_prints_each_message_and_sends_nothing(server: Server,
                                                           mailbox: Mailbox) -> None:
    _request(server, email="direction@tilleuls.example.org")
    run = notify(server, mailbox, "--edition", EDITION, "--dry-run", "--note",
                 "Cette édition ajoute une fiche d'évaluation.")
    assert run.returncode == 0, run.stderr
    assert "To: direction@tilleuls.example.org" in run.stdout
    assert "Cette édition ajoute une fiche d’évaluation." in run.stdout
    assert "1 message(s) seraient envoyés" in run.stdout and "rien n’a été envoyé" in run.stdout
    assert mailbox.take() == []
    assert notify(server, mailbox, "--edition", EDITION).returncode == 0  # not marked as sent
    assert len(mailbox.take()) == 1


def test_the_unsubscribe_link_asks_then_erases_the_address_everywhere(
        server: Server, mailbox: Mailbox) -> None:
    _request(server, email="direction@tilleuls.example.org")
    _request(server, email="DIRECTION@tilleuls.example.org")
    _request(server, email="rh@parc.example.org")
    assert notify(server, mailbox, "--edition", EDITION).returncode == 0
    link = next(_link(m) for to, m in mailbox.take() if to[0].lower().startswith("direction"))
    with httpx.Client(timeout=10) as client:
        asked = client.get(link)  # a mail filter opening the link erases nothing
        assert asked.status_code == 200 and "Me désinscrire et effacer mon adresse" in asked.text
        assert sum(r["email"] is not None for r in _rows(server)) == 3
        done = client.post(link)
        assert done.status_code == 200 and "votre adresse électronique est effacée" in done.text
        assert "<title>Désinscription – " in done.text
    rows = _rows(server)
    assert [(r["email"], r["consent_at"] is None) for r in rows] == [
        (None, True), (None, True), ("rh@parc.example.org", False)]
    assert all(r["department"] == VALID["department"] for r in rows)  # the rest is kept
    assert notify(server, mailbox, "--edition", "juin 2027").returncode == 0
    assert [to for to, _ in mailbox.take()] == [["rh@parc.example.org"]]


def test_a_mail_program_s_one_click_unsubscribe_works(server: Server,
                                                      mailbox: Mailbox) -> None:
    _request(server, email="rh@parc.example.org")
    assert notify(server, mailbox, "--edition", EDITION).returncode == 0
    (_, message), = mailbox.take()
    link = message["List-Unsubscribe"].strip("<>")
    answer = httpx.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert answer.status_code == 200
    assert [r["email"] for r in _rows(server)] == [None]


@pytest.mark.parametrize("token", ["", "abc", "MQ.forged"])
def test_a_broken_or_forged_link_erases_nothing(server: Server, token: str) -> None:
    _request(server, email="rh@parc.example.org")
    answer = httpx.post(f"{server.url}/kit/desinscription?jeton={token}", timeout=10)
    assert answer.status_code == 400 and "n’est pas valide" in answer.text
    assert [r["email"] for r in _rows(server)] == ["rh@parc.example.org"]


def test_settings_and_mail_server_mistakes_are_told_in_french(server: Server,
                                                              mailbox: Mailbox) -> None:
    _request(server, email="rh@parc.example.org")
    cases = {
        "wrong password": ({"password": "faux"}, "refuse l’identifiant ou le mot de passe"),
        "no server there": ({"SMTP_PORT": str(_free_port())}, "ne répond pas comme prévu"),
        "no host": ({"SMTP_HOST": ""}, "réglez SMTP_HOST"),
    }
    for case, (env, words) in cases.items():
        run = notify(server, mailbox, "--edition", EDITION, **env)
        assert run.returncode == 1, case
        assert words in run.stderr and "Traceback" not in run.stderr, (case, run.stderr)
    assert mailbox.take() == []
    assert notify(server, mailbox, "--edition", EDITION).returncode == 0  # nothing was marked
    assert len(mailbox.take()) == 1
