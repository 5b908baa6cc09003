"""The server's logs; an access log with no personal data: method, path without query, status,
duration.

Uvicorn's own access log writes the client's address and the query string (which holds
download tokens), so it is switched off and this one is used instead.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import TextIO

from starlette.types import Scope

log = logging.getLogger("kitbuilder.server")
access = logging.getLogger("kitbuilder.server.access")


# Uvicorn's start-up and shutdown lines, as the operator reads them. Uvicorn logs them under
# « uvicorn.error », which made a normal start read like a list of errors.
_UVICORN_WORDS = (
    (re.compile(r"Started server process \[(\d+)\]"), r"processus du serveur démarré (n° \1)"),
    (re.compile(r"Waiting for application startup\."), "démarrage de l’application…"),
    (re.compile(r"Application startup complete\."), "application prête"),
    (re.compile(r"Uvicorn running on (\S+) \(Press CTRL\+C to quit\)"),
     r"le serveur répond sur \1 (Ctrl+C pour l’arrêter)"),
    (re.compile(r"Shutting down"), "arrêt demandé"),
    (re.compile(r"Waiting for application shutdown\."), "arrêt de l’application…"),
    (re.compile(r"Application shutdown complete\."), "application arrêtée"),
    (re.compile(r"Finished server process \[(\d+)\]"), r"processus du serveur terminé (n° \1)"),
)


class UvicornWords(logging.Filter):
    """Names uvicorn's logger « uvicorn » (not « uvicorn.error ») and says its usual lines in
    French; anything else it logs is kept as it is."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.error":
            record.name = "uvicorn"
            text = record.getMessage()
            for pattern, words in _UVICORN_WORDS:
                if pattern.fullmatch(text):
                    record.msg, record.args = pattern.sub(words, text), ()
                    break
        return True


class Throttle(logging.Filter):
    """Lets through at most `burst` warnings or errors of one kind (logger, level, message
    template, exception type) per `window` seconds, then says how many it held back: a fault
    repeated on every request or every accepted connection cannot fill the disk.

    Information lines all pass: the access log's line per request and « demande de kit n° N
    enregistrée » share one template each, and the operator must see every one of them (their
    number is the number of requests answered, which the limits in front already bound)."""

    def __init__(self, burst: int = 5, window: float = 60.0, max_kinds: int = 1000) -> None:
        super().__init__()
        self.burst = burst
        self.window = window
        self.max_kinds = max_kinds
        self._kinds: dict[tuple[object, ...], list[float]] = {}  # [window start, count, held]

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        now = time.monotonic()
        error = record.exc_info[0] if record.exc_info else None
        kind = (record.name, record.levelno, str(record.msg)[:200], error)
        state = self._kinds.get(kind)
        if state is None or now - state[0] >= self.window:
            held = int(state[2]) if state else 0
            if len(self._kinds) >= self.max_kinds:
                self._kinds.clear()
            self._kinds[kind] = [now, 1, 0]
            if held:
                record.msg = f"{record.msg} ({held} message(s) semblable(s) retenu(s) avant celui-ci)"
            return True
        state[1] += 1
        if state[1] <= self.burst:
            return True
        state[2] += 1
        return False


FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class PlainFormatter(logging.Formatter):
    """logging's own line, with its date worked out once a second instead of for every line
    (localtime and strftime were a fifth of the cost of an access line)."""

    _second: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt is not None or self.default_msec_format is None:
            return super().formatTime(record, datefmt)
        return self.stamp(record.created, record.msecs)

    def stamp(self, created: float, msecs: float) -> str:
        """The date of a record made at `created` (seconds), `msecs` into its second."""
        second = int(created)
        if second != self._second[0]:
            self._second = (second, time.strftime(self.default_time_format,
                                                  self.converter(second)))
        assert self.default_msec_format is not None  # the callers' check
        return self.default_msec_format % (self._second[1], msecs)


class ServerHandler(logging.StreamHandler[TextIO]):
    """The server log's handler (stderr), with a short way for the lines written on every
    request: line() writes what a record would, without making one.

    Measured on the request server (kit pages at 10 clients, the server with and without its
    access line, in turn, nine rounds), the line made as a record and passed through logging
    cost about 40 µs of CPU, 40 % of what a kit page costs above the bare floor; written here,
    about 20 (most of it the write itself).

    Those lines are written in batches, as nginx's « access_log … buffer= flush= » does: at
    most `BATCH` wait, and for at most a second (the server calls flush() every second,
    flush_every), always before any other record (the order stays) and at shutdown (logging
    flushes every handler). A write per line was half of what a line cost in the server (7 of
    14 µs a kit page, in process). What a crash of the process can lose is the last second of
    access lines; the requests themselves are in the database first."""

    BATCH = 64

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self._waiting: list[str] = []

    def line(self, name: str, text: str) -> bool:
        """Write (soon: see above) the line an INFO record of logger `name` saying `text`
        gives; False, writing nothing, when this handler would write it otherwise (another
        format, a level above INFO, a filter that is not ours: then make it a record). Our
        filters are skipped: the throttle passes every information line and UvicornWords
        reads only uvicorn's own."""
        formatter = self.formatter
        if (type(formatter) is not PlainFormatter or formatter._fmt != FORMAT
                or formatter.datefmt is not None or formatter.default_msec_format is None
                or self.level > logging.INFO
                or any(type(kind) not in (Throttle, UvicornWords) for kind in self.filters)):
            return False
        now = time.time_ns()  # as LogRecord takes its time
        written = (f"{formatter.stamp(now / 1e9, (now % 1_000_000_000) // 1_000_000)} INFO "
                   f"{name}: {text}{self.terminator}")
        with self.lock:  # type: ignore[union-attr]
            self._waiting.append(written)
            if len(self._waiting) >= self.BATCH:
                self._write_waiting()
        return True

    def _write_waiting(self) -> None:
        """The lines waiting, written in one go (under the handler's lock)."""
        if not self._waiting:
            return
        text = "".join(self._waiting)
        self._waiting.clear()
        try:
            self.stream.write(text)
            self.stream.flush()
        except Exception:  # noqa: BLE001 - as emit(): say it on stderr, never raise
            self.handleError(logging.LogRecord(log.name, logging.INFO, "", 0, text, None,
                                               None))

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._write_waiting()
            super().flush()

    def emit(self, record: logging.LogRecord) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._write_waiting()
        super().emit(record)


def flush_lines() -> None:
    """Write the lines the server log's handlers hold (ServerHandler batches them)."""
    for handler in log.handlers:
        handler.flush()


async def flush_every(seconds: float = 1.0) -> None:
    """flush_lines() every `seconds`, so that no line waits longer (run by the request
    server while it serves)."""
    while True:
        await asyncio.sleep(seconds)
        flush_lines()


def _server_handler(logger: logging.Logger) -> ServerHandler | None:
    """The one handler an INFO record of `logger` would reach, when it is a ServerHandler and
    nothing else would see the record (no filter on the logger, no other handler on the way
    up to the logger that stops propagation), as LOG_CONFIG sets the server's loggers up;
    else None (tests capturing records, another configuration)."""
    if logger.filters or logger.disabled or not logger.isEnabledFor(logging.INFO):
        return None
    found: list[logging.Handler] = []
    current: logging.Logger | None = logger
    while current is not None:
        found += current.handlers
        if len(found) > 1 or not current.propagate:
            break
        current = current.parent
    handler = found[0] if len(found) == 1 else None
    return handler if type(handler) is ServerHandler else None


LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"()": "kitbuilder.server.logs.PlainFormatter", "fmt": FORMAT}},
    "filters": {"throttle": {"()": "kitbuilder.server.logs.Throttle"},
                "uvicorn_words": {"()": "kitbuilder.server.logs.UvicornWords"}},
    "handlers": {"stderr": {"class": "kitbuilder.server.logs.ServerHandler", "formatter": "plain",
                            "stream": "ext://sys.stderr",
                            "filters": ["throttle", "uvicorn_words"]}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        # The event loop's own errors (« socket.accept() out of system resource »…).
        "asyncio": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        "kitbuilder.server": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def info(logger: logging.Logger, message: str, *args: object) -> None:
    """logger.info(message, *args) for the lines logged on every request: handed straight to
    the server log's handler when that is where the record would go (ServerHandler.line,
    which writes it within a second), else made as a record directly, without logging's
    look-up of the calling line in the stack, and naming no source file (no format here
    shows either). The line is the same."""
    handler = _server_handler(logger)
    if handler is not None and handler.line(logger.name, message % args if args else message):
        return
    if logger.isEnabledFor(logging.INFO):
        logger.handle(logger.makeRecord(logger.name, logging.INFO, "", 0, message, args, None))


def access_line(scope: Scope, status: int | None, failed: bool, started: float) -> None:
    """The access log's line for a request answered (or not) since `started`, without
    address, user agent, referrer or query string: method, path, status, duration."""
    took = (time.perf_counter() - started) * 1000
    # No answer from the app and no error: the request's body was cut short or broken, and
    # uvicorn answered (400) or the client was gone. Not a 500 of ours.
    shown = str(status) if status is not None else "500" if failed else "- (interrompue)"
    # Written out here: a message without arguments is not formatted again by logging.
    info(access, f"{scope['method']} {_printable(scope['path'])} {shown} {took:.0f} ms")


def _printable(path: str) -> str:
    """A path fit for one log line: no control characters (forged lines), bounded length."""
    if len(path) <= 200 and path.isprintable():
        return path
    return "".join(c if c.isprintable() else "?" for c in path[:200])
