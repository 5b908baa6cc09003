"""The requests waiting to be stored, stored together: one transaction, one thread hop.

SQLite takes one writer at a time. Storing each request in its own transaction, one after the
other behind a lock, each through the thread pool, made the form's post path wait in line:
at 50 clients, most of a post's time was spent queueing for the next hop to the thread pool.
Here the requests that arrive while one batch is being written are written together in the
next one. A visitor's answer still comes only after the transaction holding their request is
committed: every 2xx is a stored row.

When nothing is being written, a request is stored at once on the event loop instead: on
SQLite the hop to a thread and back cost five times the insert (half a post's CPU). That
path never waits: its connection gives up at once when another process holds the database
(busy_timeout 0), and never runs a checkpoint (which syncs the disk); the request then takes
the thread, which waits as long as it must, and checkpoints run there.
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from kitbuilder.server import db, store
from kitbuilder.server.logs import log

_Waiting = tuple[db.Answers, str, "asyncio.Future[tuple[int, bool]]"]
_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
CHECKPOINT_EVERY = 200  # requests stored on the loop between two checkpoints (about 1 MB of WAL)


class BatchedStores:
    """Stores requests once per form token (see store.store_once), in batches, on a thread of
    their own: one writer, as SQLite takes, and a plain executor's hop rather than anyio's
    (which cost more than the insert). `close()` ends the thread."""

    def __init__(self, engine: Engine, token_lifetime: timedelta) -> None:
        self.engine = engine
        self.token_lifetime = token_lifetime
        self._waiting: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None
        self._thread: ThreadPoolExecutor | None = None
        self._file = db.sqlite_file(engine)
        self._inline: sqlite3.Connection | None = None
        self._since_checkpoint = 0

    def close_writer(self) -> None:
        """Wait for the batch being written, then end the writer's thread (this blocks: call
        it off the event loop)."""
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.shutdown(wait=True)

    def close(self) -> None:
        """close_writer(), then close the event loop's own connection: call it on the loop,
        the one thread that connection is used on (closed from another while a store ran
        there, it crashed the process), after close_writer() from a worker when a batch may
        be being written. Another store starts them again."""
        self.close_writer()
        inline, self._inline = self._inline, None
        if inline is not None:
            inline.close()

    async def store(self, answers: db.Answers, nonce: str) -> tuple[int, bool]:
        """The stored request's id, and whether it is new (False: this token stored it)."""
        if self._file is not None and not self._waiting and (
                self._writer is None or self._writer.done()):
            stored = self._store_now(answers, nonce)
            if stored is not None:
                return stored
        future: asyncio.Future[tuple[int, bool]] = asyncio.get_running_loop().create_future()
        self._waiting.append((answers, nonce, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await future

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                results = await asyncio.get_running_loop().run_in_executor(
                    self._executor(), self._store_all, batch)
            except Exception as exc:  # noqa: BLE001 - each waiting request hears of it
                for *_, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (*_, future), result in zip(batch, results, strict=True):
                if not future.done():  # a visitor gone meanwhile: their row is stored anyway
                    future.set_result(result)

    def _store_now(self, answers: db.Answers, nonce: str) -> tuple[int, bool] | None:
        """The request stored on the event loop's own connection; None when the database is
        held by another writer, or another process stored this token meanwhile: the thread's
        path then stores it (it waits for the lock, and settles the race)."""
        assert self._file is not None
        if self._inline is None:
            # timeout=0 from the start: even opening must not wait for a lock. The file is in
            # WAL mode already (db.connect's connections set it, and it stays with the file).
            self._inline = sqlite3.connect(self._file, timeout=0, check_same_thread=False)
            for pragma in ("synchronous=NORMAL", "wal_autocheckpoint=0"):
                self._inline.execute(f"PRAGMA {pragma}")
        now = db.utcnow()
        # The used tokens past their lifetime are forgotten with every CHECKPOINT_EVERY-th
        # store, not each one (a statement fewer): a token that old is refused by its
        # signature before its row would be looked for.
        forget = now - self.token_lifetime if self._since_checkpoint == 0 else None
        try:
            (stored,) = store.store_on_sqlite(self.engine, self._inline, [(answers, nonce)],
                                              forget, now)
        except IntegrityError:
            return None
        except DBAPIError as exc:
            code = getattr(exc.orig, "sqlite_errorcode", None)
            if code is not None and code & 0xFF in _BUSY:
                return None
            raise
        self._since_checkpoint += 1
        if self._since_checkpoint >= CHECKPOINT_EVERY:
            self._since_checkpoint = 0
            asyncio.get_running_loop().run_in_executor(self._executor(), self._checkpoint)
        return stored

    def _executor(self) -> ThreadPoolExecutor:
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="kitbuilder-writer")
        return self._thread

    def _checkpoint(self) -> None:
        """Copy the write-ahead log into the database file, as SQLite's automatic checkpoint
        would, on the writer's thread; PASSIVE: it waits for no one, and no one for it."""
        try:
            connection = self.engine.raw_connection()
            try:
                connection.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)").close()
            finally:
                connection.close()
        except (sqlite3.Error, DBAPIError) as exc:  # the next one, or SQLite's own, will do
            log.warning("point de contrôle de la base de données non fait\u00a0: %s", exc)

    def _store_all(self, batch: list[_Waiting]) -> list[tuple[int, bool]]:
        items = [(answers, nonce) for answers, nonce, _ in batch]
        try:
            return store.store_many(self.engine, items, self.token_lifetime)
        except IntegrityError:
            # Another process stored one of these tokens in between: the batch was rolled
            # back whole; store each alone, as store_once settles such races.
            return [store.store_once(self.engine, answers, nonce, self.token_lifetime)
                    for answers, nonce in items]
