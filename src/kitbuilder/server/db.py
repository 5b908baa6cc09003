"""The requests table (SQLAlchemy Core), its migrations (Alembic) and the queries on it."""

from __future__ import annotations

import calendar
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    event,
    func,
    select,
)
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).parent / "migrations"

metadata = MetaData()

# One row per kit request. No IP address, no user agent: only what the form asks.
# Times are UTC, stored without a zone so that SQLite and PostgreSQL hold the same thing.
requests = Table(
    "kit_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime(), nullable=False, index=True),
    Column("function", String(20), nullable=False),
    Column("establishment_type", String(20), nullable=False),
    Column("department", String(3), nullable=False),
    Column("establishment", String(150)),
    Column("email", String(254)),
    # When the box « tell me of new editions » was ticked: an address is kept only with it.
    Column("consent_at", DateTime()),
)

# Which edition each request's address was told of (`kitbuilder requests notify`), so that
# no edition is sent twice. No address here: unsubscribing or the purge leaves nothing behind.
notices = Table(
    "kit_notices",
    metadata,
    Column("request_id", Integer, primary_key=True),
    Column("edition", String(100), primary_key=True),
    Column("sent_at", DateTime(), nullable=False),
)

# The form tokens that stored a request, each with that request, for as long as a form token
# lives: the same form sent again (a double click, a resubmission), even after a restart,
# leads to the request it stored instead of a second row. The nonce is random: no one's data.
form_tokens = Table(
    "kit_form_tokens",
    metadata,
    Column("nonce", String(32), primary_key=True),
    Column("request_id", Integer, nullable=False),
    Column("used_at", DateTime(), nullable=False, index=True),
)


@dataclass(frozen=True)
class Answers:
    """A validated request, as stored."""

    function: str
    establishment_type: str
    department: str
    establishment: str | None
    email: str | None
    consent: bool = False  # to be told of new editions at `email`


def connect(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, a busy timeout and its folder created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_file(Path(parsed.database))
        engine = create_engine(url, connect_args={"timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def sqlite_file(engine: Engine) -> Path | None:
    """The SQLite file behind `engine`, or None (another database, or one in memory)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


class DatabaseGone(Exception):
    """The SQLite file the server opened is no longer the one at its path."""


class FileWatch:
    """Tells whether a SQLite file is still the one opened at start. Deleted (or replaced)
    while the server runs, SQLite would go on writing to the deleted file, and every request
    « enregistrée » would be lost: the server refuses to acknowledge anything instead."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.identity = self._identity()

    def _identity(self) -> tuple[int, int] | None:
        if self.path is None:
            return None
        try:
            found = self.path.stat()
        except OSError:
            return None
        return found.st_dev, found.st_ino

    def check(self) -> None:
        """DatabaseGone when the file was deleted or replaced since the server started."""
        if self.path is not None and self._identity() != self.identity:
            raise DatabaseGone(f"the database file {self.path} was deleted or replaced while "
                               "the server ran; restore it and restart the server")


def _private_file(path: Path) -> None:
    """Create the database file readable by its owner only (it holds e-mail addresses);
    SQLite gives its -wal and -shm files the same permissions."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (exports, stats) run while the server writes; NORMAL is durable in WAL
    # except for the last transactions on power loss, which is fine for these rows.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Create the schema, or bring it to the latest revision (Alembic, in-package scripts)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day if short)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    month += 1
    return moment.replace(year=year, month=month,
                          day=min(moment.day, calendar.monthrange(year, month)[1]))


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(requests)).scalar_one())


def rows(engine: Engine) -> Iterator[dict[str, Any]]:
    """Every request, oldest first."""
    query = select(requests).order_by(requests.c.created_at, requests.c.id)
    with engine.connect() as connection:
        for row in connection.execute(query):
            yield dict(row._mapping)


def purge(engine: Engine, before: datetime) -> int:
    """Delete the requests made before `before` (UTC), and the form tokens that stored them;
    return how many requests were deleted."""
    with engine.begin() as connection:
        connection.execute(delete(form_tokens).where(form_tokens.c.used_at < before))
        old = select(requests.c.id).where(requests.c.created_at < before)
        connection.execute(delete(notices).where(notices.c.request_id.in_(old)))
        return int(connection.execute(
            delete(requests).where(requests.c.created_at < before)).rowcount)
