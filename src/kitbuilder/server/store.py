"""Storing kit requests: once per form token, alone or many in one transaction.

The server's hot path (server/writes.py calls it); the tables and the other queries are db's.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from kitbuilder.server.db import Answers, form_tokens, requests, utcnow


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
    connection = engine.raw_connection()  # from the pool, with the pragmas of connect()
    try:
        return store_on_sqlite(engine, connection, items, forget_before, now)
    finally:
        connection.close()  # back to the pool


def store_on_sqlite(engine: Engine, connection: Any, items: list[tuple[Answers, str]],
                    forget_before: datetime | None, now: datetime) -> list[tuple[int, bool]]:
    """store_many's statements on one SQLite driver connection of `engine`'s database, in one
    transaction (tokens used before `forget_before` forgotten first, unless it is None);
    SQLAlchemy's exceptions for the driver's errors."""
    stamp = _time_format(engine)
    at = stamp(now)
    results: list[tuple[int, bool]] = []
    try:
        cursor = connection.cursor()
        try:
            # The driver opens the transaction at the first write, as it does for SQLAlchemy
            # (without the forgetting, after the first look for a token). Another process
            # storing the same token in between breaks its primary key at the token's insert:
            # everything is rolled back (IntegrityError), and the callers settle it.
            if forget_before is not None:
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
