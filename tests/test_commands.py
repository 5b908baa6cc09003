"""The operator's traps, through the real command line (a subprocess, as typed in a terminal):
a database that is not there, purges that ask first, French help and mistakes."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from kitbuilder.server import db, store
from kitbuilder.server.admin import local_time

NOW = db.utcnow().replace(microsecond=0)


def kitbuilder(*args: str, cwd: Path, stdin: int | None = None,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run([sys.executable, "-m", "kitbuilder.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60, check=False,
                          stdin=subprocess.DEVNULL if stdin is None else stdin,
                          env={**environment, **(env or {})})


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ").replace("’", "'")


@pytest.fixture
def server_database(tmp_path: Path) -> tuple[str, Path]:
    """A database as the server leaves it: migrated, with two requests, one made today."""
    file = tmp_path / "var" / "requests.sqlite3"
    engine = db.connect(f"sqlite:///{file}")
    db.migrate(engine)
    store.store(engine, db.Answers("rh", "ehpad", "75", None, None), NOW - timedelta(days=400))
    store.store(engine, db.Answers("direction", "ehpad", "2A", None, None), NOW)
    engine.dispose()
    return f"sqlite:///{file}", file


def test_an_admin_command_from_another_folder_creates_nothing_there(tmp_path: Path) -> None:
    """The default database is the checkout's var/requests.sqlite3 wherever the command runs
    (server/config.py): from another folder, nothing appears in that folder, and a checkout
    whose server never started is told so instead of reporting an empty export."""
    from kitbuilder.server.config import data_dir

    default = data_dir() / "requests.sqlite3"
    run = kitbuilder("requests", "export", cwd=tmp_path)
    assert list(tmp_path.iterdir()) == []  # no var/, no empty database here
    if default.is_file():
        assert run.returncode == 0 and run.stdout.startswith("date (heure de Paris)")
    else:
        assert run.returncode == 1 and run.stdout == ""
        message = plain(run.stderr)
        assert "pas de base de données des demandes" in message and str(default) in message
        assert "créée par le serveur" in message and "Traceback" not in message
        assert not default.exists()


def test_a_mistyped_database_url_creates_no_folder_and_fails(tmp_path: Path,
                                                             server_database) -> None:
    url, _ = server_database
    typo = url.replace("requests.sqlite3", "requets.sqlite3").replace("/var/", "/vra/")
    for args in (("requests", "stats", "--database-url", typo),
                 ("requests", "--database-url", typo, "stats")):
        run = kitbuilder(*args, cwd=tmp_path)
        assert run.returncode == 1, run.stdout
        assert "pas de base de données des demandes" in plain(run.stderr)
        assert "0 au total" not in run.stdout
    assert not (tmp_path / "vra").exists()


def test_a_database_without_the_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    other = tmp_path / "autre.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (texte TEXT)")
    run = kitbuilder("requests", "stats", "--database-url", f"sqlite:///{other}", cwd=tmp_path)
    assert run.returncode == 1
    assert "ne contient pas la table des demandes" in plain(run.stderr)
    with sqlite3.connect(other) as connection:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    assert tables == {"notes"}  # no schema created behind the operator's back


def test_export_writes_csv_with_options_before_or_after_the_action(tmp_path: Path,
                                                                    server_database) -> None:
    url, _ = server_database
    after = kitbuilder("requests", "export", "--database-url", url, cwd=tmp_path)
    before = kitbuilder("requests", "--database-url", url, "export", cwd=tmp_path)
    assert after.returncode == before.returncode == 0, after.stderr
    assert after.stdout == before.stdout
    lines = after.stdout.splitlines()
    assert lines[0].startswith("date (heure de Paris),fonction") and len(lines) == 3


def test_purge_shows_what_would_go_and_deletes_nothing_unasked(tmp_path: Path,
                                                               server_database) -> None:
    url, file = server_database
    run = kitbuilder("requests", "purge", "--older-than", "0j", "--database-url", url,
                     cwd=tmp_path)
    assert run.returncode == 1
    said = plain(run.stdout)
    # The exact cut-off, to the minute, in Paris time: not « avant le 01/12/2026 ».
    assert re.search(r"2 demandes enregistrées avant le \d\d/\d\d/\d{4} à \d\d:\d\d "
                     r"\(heure de Paris\) seraient effacées", said), said
    assert local_time(NOW).strftime("%d/%m/%Y à %H:%M") in said
    assert "--yes" in plain(run.stderr) and "Rien n'a été effacé" in plain(run.stderr)
    with sqlite3.connect(file) as connection:
        assert connection.execute("SELECT count(*) FROM kit_requests").fetchone() == (2,)


def test_purge_asks_in_a_terminal_and_deletes_only_on_yes(tmp_path: Path,
                                                          server_database) -> None:
    url, file = server_database
    args = ("requests", "purge", "--older-than", "12m", "--database-url", url)
    for answer, left in ((b"non\n", 2), (b"oui\n", 1)):
        main, terminal = os.openpty()  # a terminal, as the operator's
        try:
            os.write(main, answer)
            run = kitbuilder(*args, cwd=tmp_path, stdin=terminal)
        finally:
            os.close(terminal)
            os.close(main)
        said = plain(run.stdout)
        assert "1 demande enregistrée avant le" in said and "serait effacée" in said, said
        with sqlite3.connect(file) as connection:
            assert connection.execute("SELECT count(*) FROM kit_requests").fetchone() == (left,)
    assert run.returncode == 0 and "1 demande effacée." in plain(run.stdout)
    again = kitbuilder(*args, "--yes", cwd=tmp_path)
    assert again.returncode == 0 and "rien à effacer" in plain(again.stdout)


@pytest.mark.parametrize("args", [("--help",), ("build", "--help"), ("serve", "--help"),
                                  ("requests", "--help"), ("requests", "purge", "--help"),
                                  ("requests", "export", "--help")])
def test_every_help_is_in_french(tmp_path: Path, args: tuple[str, ...]) -> None:
    run = kitbuilder(*args, cwd=tmp_path)
    assert run.returncode == 0
    text = plain(run.stdout)
    assert text.startswith("utilisation : ") and "afficher cette aide et quitter" in text
    for english in ("usage:", "show this help", "positional arguments", "default:", "options:"):
        assert english not in text, (english, text)


@pytest.mark.parametrize(("args", "said"), [
    (("build",), "il manque l'option --out"),
    (("requests", "purge"), "il manque l'option --older-than"),
    (("requests", "exporter"), "« exporter » n'existe pas ; possibles : export, stats, purge"),
    (("serve", "--port", "huit"), "l'option --port : « huit » n'est pas un nombre entier"),
    (("check", "--verbose"), "ce qui suit n'est pas compris : --verbose"),
])
def test_a_mistyped_command_is_told_in_french(tmp_path: Path, args: tuple[str, ...],
                                             said: str) -> None:
    run = kitbuilder(*args, cwd=tmp_path)
    assert run.returncode == 2
    assert plain(run.stderr).startswith("utilisation : ")
    assert said in plain(run.stderr), run.stderr


def test_check_takes_the_kit_before_or_after_the_command(kit_dir: Path) -> None:
    for args in (("--kit", str(kit_dir), "check"), ("check", "--kit", str(kit_dir))):
        run = kitbuilder(*args, cwd=kit_dir.parent)
        assert run.returncode == 0, run.stderr
        assert "tout est en ordre" in plain(run.stdout)
