"""`kitbuilder requests export | stats | purge` on a real SQLite file, the schema's migration,
and the retention purge the server runs at start-up."""

from __future__ import annotations

import csv
import io
import os
import re
import threading
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select, text

from kitbuilder.cli import main
from kitbuilder.server import db, store
from kitbuilder.server.admin import local_time
from test_server import VALID, running, settings_for, site, submit  # noqa: F401 - a fixture

NOW = db.utcnow().replace(microsecond=0)
ROWS = [  # (age in days, answers)
    (1200, db.Answers("rh", "ehpad", "75", "Vieille demande", None)),
    (400, db.Answers("direction", "ehpad", "2A", "Résidence Les Tilleuls", "dir@tilleuls.fr")),
    (40, db.Answers("personnel", "domicile", "971", "=HYPERLINK(\"http://x\")", None)),
    (3, db.Answers("direction", "hebergement", "2A", None, "-cmd@exemple.fr")),
    (0, db.Answers("autre", "autre", "59", "Foyer « Le Phare »; bâtiment B", None)),
]


@pytest.fixture
def database(tmp_path: Path) -> tuple[str, Engine]:
    url = f"sqlite:///{tmp_path / 'requests.sqlite3'}"
    engine = db.connect(url)
    db.migrate(engine)
    for age, answers in ROWS:
        store.store(engine, answers, NOW - timedelta(days=age))
    yield url, engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    """An empty, migrated database: a SQLite file, and the PostgreSQL database named by
    KITBUILDER_TEST_DATABASE_URL (scripts/test starts a throwaway server and sets it)."""
    url = f"sqlite:///{tmp_path / 'requests.sqlite3'}"
    if request.param == "postgresql":
        url = os.environ.get("KITBUILDER_TEST_DATABASE_URL", "")
        if not url:
            pytest.skip("set KITBUILDER_TEST_DATABASE_URL (e.g. postgresql+psycopg://…)")
    engine = db.connect(url)
    with engine.begin() as connection:  # what an earlier test left
        db.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.migrate(engine)
    yield engine
    engine.dispose()


def admin_month(moment: datetime) -> str:
    return local_time(moment).strftime("%Y-%m")


def kitbuilder(url: str, *args: str) -> int:
    return main(["requests", "--database-url", url, *args])


def test_the_migrated_schema_is_exactly_the_tables_the_code_uses(tmp_path: Path) -> None:
    engine = db.connect(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    db.migrate(engine)
    db.migrate(engine)  # a second start-up finds nothing to do
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []
        assert connection.execute(text("SELECT version_num FROM alembic_version")).all() \
            == [("0003",)]
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()
    assert (tmp_path / "fresh.sqlite3").stat().st_mode & 0o777 == 0o600


def test_a_database_of_the_first_schema_is_brought_up_to_date_with_its_rows(
        tmp_path: Path) -> None:
    """A server deployed before form tokens were kept in the database keeps its requests."""
    engine = db.connect(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(text(
            "INSERT INTO kit_requests (created_at, function, establishment_type, department) "
            "VALUES ('2026-01-02 03:04:05', 'direction', 'ehpad', '44')"))
    db.migrate(engine)
    assert [r["department"] for r in db.rows(engine)] == ["44"]
    _, new = store.store_once(engine, ROWS[1][1], "nonce", timedelta(hours=2))
    assert new and db.count(engine) == 2
    engine.dispose()


def test_addresses_stored_before_the_consent_box_keep_their_consent(tmp_path: Path) -> None:
    """Before issue 14 an address was kept under a consent naming « tell me of updates »:
    migration 0003 dates that consent from the request; rows without one get none."""
    engine = db.connect(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        for email in ("'a@b.fr'", "NULL"):
            connection.execute(text(
                "INSERT INTO kit_requests (created_at, function, establishment_type, department,"
                f" email) VALUES ('2026-01-02 03:04:05', 'rh', 'ehpad', '44', {email})"))
    db.migrate(engine)
    assert [(r["email"], r["consent_at"]) for r in db.rows(engine)] == [
        ("a@b.fr", datetime(2026, 1, 2, 3, 4, 5)), (None, None)]
    engine.dispose()


def test_a_form_token_stores_one_request_for_as_long_as_it_lives(fresh_engine: Engine) -> None:
    engine = fresh_engine
    first, new = store.store_once(engine, ROWS[1][1], "jeton-a", timedelta(hours=2), NOW)
    assert new and db.count(engine) == 1
    again, new = store.store_once(engine, ROWS[2][1], "jeton-a", timedelta(hours=2),
                               NOW + timedelta(minutes=119))
    assert (again, new) == (first, False) and db.count(engine) == 1
    other, new = store.store_once(engine, ROWS[2][1], "jeton-b", timedelta(hours=2), NOW)
    assert new and other != first
    # Past its lifetime the server refuses the token anyway; the database forgets it.
    late, new = store.store_once(engine, ROWS[2][1], "jeton-a", timedelta(hours=2),
                              NOW + timedelta(hours=3))
    assert new and late != first
    with engine.connect() as connection:
        nonces = connection.execute(select(db.form_tokens.c.nonce)).scalars().all()
    assert sorted(nonces) == ["jeton-a"]  # jeton-b and the first jeton-a were past their time


def test_one_token_stored_from_many_threads_at_once_makes_one_row(fresh_engine: Engine) -> None:
    engine = fresh_engine
    barrier = threading.Barrier(8)

    def store_one(_: int) -> tuple[int, bool]:
        barrier.wait()
        return store.store_once(engine, ROWS[1][1], "jeton-course", timedelta(hours=2))

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(store_one, range(8)))
    assert len({request_id for request_id, _ in results}) == 1
    assert sum(new for _, new in results) == 1
    assert db.count(engine) == 1


def test_export_writes_every_request_oldest_first(database, capsys) -> None:
    url, _ = database
    assert kitbuilder(url, "export", "--csv") == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["date (heure de Paris)", "fonction", "type d’établissement",
                       "département", "nom de l’établissement", "adresse électronique"]
    assert [r[3] for r in rows[1:]] == ["75", "2A", "971", "2A", "59"]
    assert rows[2][1:] == ["Direction", "Ehpad", "2A", "Résidence Les Tilleuls",
                           "dir@tilleuls.fr"]
    assert rows[5][4] == "Foyer « Le Phare »; bâtiment B"
    # A cell a spreadsheet would run as a formula is written as text.
    assert rows[3][4] == "'=HYPERLINK(\"http://x\")" and rows[4][5] == "'-cmd@exemple.fr"
    assert datetime.strptime(rows[1][0], "%Y-%m-%d %H:%M")


def test_export_for_excel_to_a_file(database, tmp_path: Path, capsys) -> None:
    url, _ = database
    out = tmp_path / "demandes.csv"
    assert kitbuilder(url, "export", "--csv", "--excel", "--out", str(out)) == 0
    assert "5 demandes écrites" in capsys.readouterr().err
    data = out.read_bytes()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 6 and rows[1][1] == "Ressources humaines"


def test_stats_count_by_month_function_type_and_department(database, tmp_path: Path,
                                                            capsys) -> None:
    url, _ = database
    chart = tmp_path / "demandes.svg"
    assert kitbuilder(url, "stats", "--chart", str(chart)) == 0
    out = capsys.readouterr().out
    assert "Demandes du kit : 5 au total" in out
    lines = dict(re.findall(r"^(\S.*?)\s+(\d+)\s+\d+ %$", out, re.MULTILINE))
    assert lines["Direction"] == "2" and lines["Encadrement"] == "0"
    assert lines["Ehpad"] == "2" and lines["Service d’aide ou de soins à domicile"] == "1"
    assert lines["2A – Corse-du-Sud"] == "2" and lines["971 – Guadeloupe"] == "1"
    months = [k for k in lines if re.fullmatch(r"\d{4}-\d\d", k)]
    assert months == sorted(months) and months[0] == admin_month(NOW - timedelta(days=1200))
    assert months[-1] == admin_month(NOW) and len(months) >= 39  # empty months too, at 0
    assert lines[admin_month(NOW - timedelta(days=400))] == "1"
    svg = ET.parse(chart).getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    bars = [r for r in svg.iter("{http://www.w3.org/2000/svg}rect") if r.find(
        "{http://www.w3.org/2000/svg}title") is not None]
    titles = [r.find("{http://www.w3.org/2000/svg}title").text for r in bars]
    assert "Direction\u00a0: 2" in titles and "2A – Corse-du-Sud\u00a0: 2" in titles
    widths = {t: float(r.get("width")) for t, r in zip(titles, bars, strict=True)}
    assert widths["Direction\u00a0: 2"] == 2 * widths["Autre\u00a0: 1"]


def test_stats_refuse_a_chart_that_is_not_svg(database, tmp_path: Path, capsys) -> None:
    url, _ = database
    assert kitbuilder(url, "stats", "--chart", str(tmp_path / "c.png")) == 1
    err = capsys.readouterr().err
    assert "image SVG" in err and "Traceback" not in err
    assert not (tmp_path / "c.png").exists()


def test_purge_deletes_exactly_the_requests_older_than_asked(database, capsys) -> None:
    url, engine = database
    assert kitbuilder(url, "purge", "--older-than", "36m", "--yes") == 0
    assert "1 demande effacée." in capsys.readouterr().out
    assert next(r["establishment"] for r in db.rows(engine)) == "Résidence Les Tilleuls"
    assert kitbuilder(url, "purge", "--older-than", "30j", "--yes") == 0
    assert "2 demandes effacées." in capsys.readouterr().out
    assert db.count(engine) == 2
    store.store_once(engine, ROWS[1][1], "jeton", timedelta(hours=2), NOW - timedelta(days=1))
    assert kitbuilder(url, "purge", "--older-than", "0m", "--yes") == 0
    with engine.connect() as connection:  # the token went with its request
        assert connection.execute(select(db.form_tokens.c.nonce)).all() == []


@pytest.mark.parametrize("age", ["36", "trois ans", "-3m", "36 semaines"])
def test_purge_refuses_an_age_it_does_not_understand(database, age: str, capsys) -> None:
    url, engine = database
    assert kitbuilder(url, "purge", f"--older-than={age}") == 1
    err = capsys.readouterr().err
    assert "durée non comprise" in err and "36m" in err
    assert db.count(engine) == len(ROWS)


def test_the_boundary_of_a_purge_is_calendar_months() -> None:
    assert db.months_before(datetime(2026, 5, 31, 10), 3) == datetime(2026, 2, 28, 10)
    assert db.months_before(datetime(2026, 1, 15), 36) == datetime(2023, 1, 15)
    assert db.months_before(datetime(2024, 3, 31), 1) == datetime(2024, 2, 29)


def test_the_server_deletes_requests_past_the_retention_period_when_it_starts(
        database, site: Path, tmp_path: Path) -> None:  # noqa: F811 - the imported fixture
    url, engine = database
    settings = settings_for(site, tmp_path)
    assert settings.database_url == url and settings.retention_months == 36
    with running(settings):
        pass
    names = [r["establishment"] for r in db.rows(engine)]
    assert "Vieille demande" not in names and len(names) == len(ROWS) - 1


def test_an_unreachable_database_is_told_without_a_traceback(tmp_path: Path, capsys) -> None:
    (tmp_path / "a-file").write_text("")
    assert kitbuilder(f"sqlite:///{tmp_path}/a-file/requests.sqlite3", "stats") == 1
    err = capsys.readouterr().err
    assert "pas de base de données des demandes" in err and "Traceback" not in err


def test_another_database_through_its_url(tmp_path: Path, site: Path) -> None:  # noqa: F811
    """PostgreSQL, or any SQLAlchemy URL, when KITBUILDER_TEST_DATABASE_URL names one."""
    url = os.environ.get("KITBUILDER_TEST_DATABASE_URL")
    if not url:
        pytest.skip("set KITBUILDER_TEST_DATABASE_URL (e.g. postgresql+psycopg://…) to run it")
    engine = db.connect(url)
    db.migrate(engine)
    with engine.begin() as connection:
        connection.execute(db.requests.delete())
        connection.execute(db.form_tokens.delete())
        assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []
    with running(replace(settings_for(site, tmp_path), database_url=url)) as base, \
            httpx.Client(base_url=base) as client:
        assert submit(client, VALID).status_code == 303
    store.store(engine, ROWS[0][1], NOW - timedelta(days=1200))
    assert [r["department"] for r in db.rows(engine)] == ["75", VALID["department"]]
    assert kitbuilder(url, "purge", "--older-than", "36m", "--yes") == 0
    assert db.count(engine) == 1
    engine.dispose()
