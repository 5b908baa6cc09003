"""The requests table (SQLAlchemy Core), its migrations (Alembic) and the queries on it."""

from __future__ import annotations

import calendar
import os
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

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


def store(engine: Engine, answers: Answers, now: datetime | None = None) -> int:
    """Insert one request; return its id."""
    with engine.begin() as connection:
        return _insert(connection, answers, now or utcnow())


def store_once(engine: Engine, answers: Answers, nonce: str, token_lifetime: timedelta,
               now: datetime | None = None) -> tuple[int, bool]:
    """Insert one request for the form token `nonce`, unless that token stored one already:
    return the request's id and whether it is new. Tokens past `token_lifetime` are forgotten.

    The request and its token go in one transaction. Two stores of one token at once (two
    processes, say) cannot both win: the second one's token row breaks the primary key, its
    transaction is rolled back, request included, and it returns the first one's request.
    """
    now = now or utcnow()
    try:
        return _store_once(engine, answers, nonce, now - token_lifetime, now)
    except IntegrityError:  # another store of this token won the race: give its request
        return _store_once(engine, answers, nonce, now - token_lifetime, now)


def store_many(engine: Engine, items: list[tuple[Answers, str]], token_lifetime: timedelta,
               now: datetime | None = None) -> list[tuple[int, bool]]:
    """store_once for several requests in one transaction (a form token seen twice stores one
    row). Raises IntegrityError, with nothing stored, if another process stored one of these
    tokens meanwhile: then store them one by one with store_once.

    This is the server's hot path. On SQLite it runs the same statements straight on the
    driver's connection (SQLAlchemy spent ten times as long on each as SQLite did), with
    SQLAlchemy's own storage format for the times and its exceptions for the errors; on any
    other database through SQLAlchemy Core."""
    now = now or utcnow()
    if engine.dialect.name == "sqlite":
        return _store_many_sqlite(engine, items, now - token_lifetime, now)
    with engine.begin() as connection:
        connection.execute(_FORGET_TOKENS, {"before": now - token_lifetime})
        return [_once(connection, answers, nonce, now) for answers, nonce in items]


def _store_once(engine: Engine, answers: Answers, nonce: str, forget_before: datetime,
                now: datetime) -> tuple[int, bool]:
    with engine.begin() as connection:
        connection.execute(_FORGET_TOKENS, {"before": forget_before})
        return _once(connection, answers, nonce, now)


# Built once: making a statement costs SQLAlchemy about as much as running it on SQLite.
_TOKEN_REQUEST = select(form_tokens.c.request_id).where(form_tokens.c.nonce == bindparam("n"))
_INSERT_REQUEST = insert(requests)
_INSERT_TOKEN = insert(form_tokens)
_FORGET_TOKENS = delete(form_tokens).where(form_tokens.c.used_at < bindparam("before"))

# The same statements for the SQLite driver (qmark parameters).
_SQLITE_FORGET_TOKENS = "DELETE FROM kit_form_tokens WHERE used_at < ?"
_SQLITE_TOKEN_REQUEST = "SELECT request_id FROM kit_form_tokens WHERE nonce = ?"
_SQLITE_INSERT_REQUEST = (
    "INSERT INTO kit_requests (created_at, function, establishment_type, department, "
    "establishment, email, consent_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
_SQLITE_INSERT_TOKEN = "INSERT INTO kit_form_tokens (nonce, request_id, used_at) VALUES (?, ?, ?)"


def _store_many_sqlite(engine: Engine, items: list[tuple[Answers, str]],
                       forget_before: datetime, now: datetime) -> list[tuple[int, bool]]:
    stamp = _time_format(engine)
    at = stamp(now)
    results: list[tuple[int, bool]] = []
    connection = engine.raw_connection()  # from the pool, with the pragmas of connect()
    try:
        cursor = connection.cursor()
        try:
            # The driver opens the transaction before this first write, as it does for
            # SQLAlchemy; the reads below are inside it.
            cursor.execute(_SQLITE_FORGET_TOKENS, (stamp(forget_before),))
            for answers, nonce in items:
                earlier = cursor.execute(_SQLITE_TOKEN_REQUEST, (nonce,)).fetchone()
                if earlier is not None:
                    results.append((int(earlier[0]), False))
                    continue
                cursor.execute(_SQLITE_INSERT_REQUEST, (
                    at, answers.function, answers.establishment_type, answers.department,
                    answers.establishment, answers.email,
                    at if answers.consent and answers.email else None))
                request_id = cursor.lastrowid
                assert request_id is not None  # an INSERT of one row always has one
                cursor.execute(_SQLITE_INSERT_TOKEN, (nonce, request_id, at))
                results.append((int(request_id), True))
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            cursor.close()
    except engine.dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy would raise it: IntegrityError, OperationalError…
        raise DBAPIError.instance(None, None, exc, engine.dialect.loaded_dbapi.Error,
                                  dialect=engine.dialect) from exc
    finally:
        connection.close()  # back to the pool
    return results


def _time_format(engine: Engine) -> Callable[[datetime], Any]:
    """A time as SQLAlchemy stores a DateTime on this engine (SQLite: its own text format)."""
    found = _TIME_FORMATS.get(engine.dialect)
    if found is None:
        kind = requests.c.created_at.type
        convert = kind.dialect_impl(engine.dialect).bind_processor(engine.dialect)
        found = _TIME_FORMATS[engine.dialect] = convert or (lambda moment: moment)
    return found


_TIME_FORMATS: weakref.WeakKeyDictionary[Any, Callable[[datetime], Any]] = \
    weakref.WeakKeyDictionary()


def _once(connection: Connection, answers: Answers, nonce: str,
          now: datetime) -> tuple[int, bool]:
    earlier = connection.execute(_TOKEN_REQUEST, {"n": nonce}).scalar_one_or_none()
    if earlier is not None:
        return int(earlier), False
    request_id = _insert(connection, answers, now)
    connection.execute(_INSERT_TOKEN, {"nonce": nonce, "request_id": request_id,
                                       "used_at": now})
    return request_id, True


def _insert(connection: Connection, answers: Answers, now: datetime) -> int:
    result = connection.execute(_INSERT_REQUEST, {
        "created_at": now, "function": answers.function,
        "establishment_type": answers.establishment_type, "department": answers.department,
        "establishment": answers.establishment,
        "email": answers.email,  # the form keeps one only with the box ticked (forms.validate)
        "consent_at": now if answers.consent and answers.email else None})
    key = result.inserted_primary_key
    assert key is not None  # an INSERT of one row always has one
    return int(key[0])


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
