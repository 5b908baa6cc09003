"""The request server under attack, on loopback: cross-site posts, symbolic links, a database
deleted under it, the data paths, the export's permissions, the CSP. (Connections: in
test_connections.py.)"""
# ruff: noqa: F811 (`site` is test_server's fixture, imported to be used by name)

from __future__ import annotations

import base64
import hashlib
import shutil
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from kitbuilder.server import config, db, store
from kitbuilder.server.tokens import Tokens
from test_server import SECRET, VALID, running, settings_for, site, submit  # noqa: F401

ZIP = "kit-test.zip"


def _copy(site: Path, where: Path) -> Path:
    """A copy of the built site that a test may change."""
    return Path(shutil.copytree(site, where, symlinks=True))


def _rows(url: str) -> int:
    engine = db.connect(url)
    try:
        return db.count(engine)
    finally:
        engine.dispose()


# --- Cross-site posts ------------------------------------------------------------------------


def test_refused_cross_site_posts_do_not_spend_the_visitors_rate_limit(site: Path,
                                                                       tmp_path: Path) -> None:
    settings = settings_for(site, tmp_path, rate_limit=3)
    with running(settings) as url, httpx.Client(base_url=url) as client:
        # Another site's page, opened by the visitor, posting ten times with fetch().
        refused = [submit(client, VALID, headers={"sec-fetch-site": "cross-site"}).status_code
                   for _ in range(10)]
        assert refused == [403] * 10
        assert submit(client, VALID).status_code == 303  # the visitor's own request


@pytest.mark.parametrize("headers", [{"sec-fetch-site": "same-site"},
                                     {"origin": "https://autre.mieux-etre-travail.example.org"},
                                     {"origin": "http://127.0.0.1:1"}])
def test_a_post_from_a_sibling_origin_is_refused(site: Path, tmp_path: Path,
                                                 headers: dict[str, str]) -> None:
    settings = settings_for(site, tmp_path)
    with running(settings) as url, httpx.Client(base_url=url) as client:
        answer = submit(client, VALID, headers=headers)
    assert answer.status_code == 403 and "que depuis notre site" in answer.text
    assert _rows(settings.database_url) == 0


# --- Symbolic links --------------------------------------------------------------------------


def test_switching_a_linked_site_folder_never_serves_kit_files_openly(site: Path,
                                                                      tmp_path: Path) -> None:
    first, second = _copy(site, tmp_path / "build-1"), _copy(site, tmp_path / "build-2")
    current = tmp_path / "current"
    current.symlink_to(first)
    settings = settings_for(current, tmp_path)
    spellings = ["/kit//fichiers/" + ZIP, "/kit/./fichiers/" + ZIP, "//kit/fichiers/" + ZIP,
                 "/kit/recit/../fichiers/" + ZIP, "/kit//index.html",
                 "/_kitbuilder/csp-scripts.json"]
    with running(settings) as url, httpx.Client(base_url=url) as client:
        for target in (second, first, second):
            switched = tmp_path / "switching"
            switched.symlink_to(target)
            switched.replace(current)  # atomically, as a deployment does
            for path in spellings:
                answer = client.get(path)
                assert b"PK\x03\x04" not in answer.content, (target.name, path)
                assert b"csrf_token" not in answer.content, (target.name, path)
                assert b"sha256-" not in answer.content, (target.name, path)
            token = Tokens(SECRET, timedelta(days=7), timedelta(hours=2)).download(1)
            assert client.get(f"/kit/fichiers/{ZIP}", params={"jeton": token}).status_code == 200


def test_links_to_nowhere_or_in_a_loop_give_404_not_500(site: Path, tmp_path: Path) -> None:
    copy = _copy(site, tmp_path / "site")
    (copy / "boucle").symlink_to("boucle")
    (copy / "nulle-part.html").symlink_to(tmp_path / "absent.html")
    files = copy / "kit" / "fichiers"
    (files / "fiche-suivi.docx").unlink()
    (files / "fiche-suivi.docx").symlink_to("fiche-suivi.docx")  # a loop, named in the page
    settings = settings_for(copy, tmp_path)
    token = Tokens(SECRET, timedelta(days=7), timedelta(hours=2)).download(1)
    with running(settings) as url, httpx.Client(base_url=url) as client:
        for path in ("/boucle", "/boucle/x", "/nulle-part.html"):
            assert client.get(path).status_code == 404, path
        assert client.get("/kit/fichiers/fiche-suivi.docx",
                          params={"jeton": token}).status_code == 404
        page = client.get("/kit/telechargement", params={"jeton": token})
        assert page.status_code == 200
        assert "fiche-suivi.docx" not in page.text and ZIP in page.text
        (copy / "404.html").unlink()
        (copy / "404.html").symlink_to("404.html")
        missing = client.get("/absente")
        assert missing.status_code == 404 and "introuvable" in missing.text


# --- The database ----------------------------------------------------------------------------


def test_a_database_deleted_under_the_server_is_never_said_to_hold_a_request(
        site: Path, tmp_path: Path) -> None:
    settings = settings_for(site, tmp_path)
    with running(settings) as url, httpx.Client(base_url=url) as client:
        assert submit(client, VALID).status_code == 303  # the connection pool is warm
        for name in ("requests.sqlite3", "requests.sqlite3-wal", "requests.sqlite3-shm"):
            (tmp_path / name).unlink(missing_ok=True)
        answers = [submit(client, VALID) for _ in range(3)]
    for answer in answers:
        assert answer.status_code == 503
        assert "momentanément indisponible" in answer.text
        assert "Votre demande est enregistrée" not in answer.text
        assert 'value="Résidence Les Tilleuls"' in answer.text  # the answers are kept


def test_the_csv_export_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'requests.sqlite3'}"
    engine = db.connect(url)
    db.migrate(engine)
    store.store(engine, db.Answers("direction", "ehpad", "2A", "Les Tilleuls", "a@b.example"))
    engine.dispose()
    out = tmp_path / "demandes.csv"
    out.write_text("old")
    out.chmod(0o644)  # an earlier export, or a file made by hand
    for _ in range(2):
        run = subprocess.run([sys.executable, "-m", "kitbuilder.cli", "requests",
                              "--database-url", url, "export", "--csv", "--out", str(out)],
                             capture_output=True, text=True, timeout=60, check=False)
        assert run.returncode == 0, run.stderr
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        assert "a@b.example" in out.read_text()
        out.unlink()


def test_the_key_and_the_database_come_from_the_project_not_the_working_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    project = Path(__file__).resolve().parent.parent
    assert config.database_url() == f"sqlite:///{project / 'var' / 'requests.sqlite3'}"
    key = config.secret_key()
    assert key == (project / "var" / "secret.key").read_text().strip()
    assert not (tmp_path / "var").exists()


def test_without_a_project_the_key_and_the_database_must_be_given(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kitbuilder.server.page import SiteError

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(config, "PROJECT", tmp_path / "site-packages")
    with pytest.raises(SiteError, match="DATABASE_URL"):
        config.database_url()
    with pytest.raises(SiteError, match="SECRET_KEY"):
        config.secret_key()
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.sqlite3")
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    assert config.database_url() == "sqlite:///x.sqlite3" and config.secret_key() == "k" * 40


# --- The CSP ---------------------------------------------------------------------------------


def test_a_script_in_a_pages_text_is_not_allowed_by_the_csp(site: Path, tmp_path: Path) -> None:
    copy = _copy(site, tmp_path / "site")
    page = copy / "kit" / "guide" / "index.html"
    injected = "<script>document.title='pwned'</script>"
    text = page.read_text()
    page.write_text(text.replace("</article>", injected + "</article>", 1))
    with running(settings_for(copy, tmp_path)) as url, httpx.Client(base_url=url) as client:
        guide = client.get("/kit/guide/")
        kit = client.get("/kit/")
    assert injected in guide.text
    digest = base64.b64encode(hashlib.sha256(b"document.title='pwned'").digest()).decode()
    assert digest not in guide.headers["content-security-policy"]
    assert guide.headers["content-security-policy"] == kit.headers["content-security-policy"]
