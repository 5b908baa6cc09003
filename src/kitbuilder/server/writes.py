"""The requests waiting to be stored, stored together: one transaction, one thread hop.

SQLite takes one writer at a time. Storing each request in its own transaction, one after the
other behind a lock, each through the thread pool, made the form's post path wait in line:
at 50 clients, most of a post's time was spent queueing for the next hop to the thread pool.
Here the requests that arrive while one batch is being written are written together in the
next one. A visitor's answer still comes only after the transaction holding their request is
committed: every 2xx is a stored row.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from kitbuilder.server import db, store

_Waiting = tuple[db.Answers, str, "asyncio.Future[tuple[int, bool]]"]


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

    def close(self) -> None:
        """Wait for the batch being written, then end the writer's thread (another store
        starts a new one)."""
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.shutdown(wait=True)

    async def store(self, answers: db.Answers, nonce: str) -> tuple[int, bool]:
        """The stored request's id, and whether it is new (False: this token stored it)."""
        future: asyncio.Future[tuple[int, bool]] = asyncio.get_running_loop().create_future()
        self._waiting.append((answers, nonce, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await future

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                if self._thread is None:
                    self._thread = ThreadPoolExecutor(1, thread_name_prefix="kitbuilder-writer")
                results = await asyncio.get_running_loop().run_in_executor(
                    self._thread, self._store_all, batch)
            except Exception as exc:  # noqa: BLE001 - each waiting request hears of it
                for *_, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (*_, future), result in zip(batch, results, strict=True):
                if not future.done():  # a visitor gone meanwhile: their row is stored anyway
                    future.set_result(result)

    def _store_all(self, batch: list[_Waiting]) -> list[tuple[int, bool]]:
        items = [(answers, nonce) for answers, nonce, _ in batch]
        try:
            return store.store_many(self.engine, items, self.token_lifetime)
        except IntegrityError:
            # Another process stored one of these tokens in between: the batch was rolled
            # back whole; store each alone, as store_once settles such races.
            return [store.store_once(self.engine, answers, nonce, self.token_lifetime)
                    for answers, nonce in items]
