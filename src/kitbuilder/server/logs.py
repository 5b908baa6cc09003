"""The server's logs; an access log with no personal data: method, path without query, status,
duration.

Uvicorn's own access log writes the client's address and the query string (which holds
download tokens), so it is switched off and this one is used instead.
"""

from __future__ import annotations

import logging
import re
import time

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


class PlainFormatter(logging.Formatter):
    """logging's own line, with its date worked out once a second instead of for every line
    (localtime and strftime were a fifth of the cost of an access line)."""

    _second: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt is not None or self.default_msec_format is None:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        if second != self._second[0]:
            self._second = (second, time.strftime(self.default_time_format,
                                                  self.converter(second)))
        return self.default_msec_format % (self._second[1], record.msecs)


LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"()": "kitbuilder.server.logs.PlainFormatter",
                             "fmt": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"throttle": {"()": "kitbuilder.server.logs.Throttle"},
                "uvicorn_words": {"()": "kitbuilder.server.logs.UvicornWords"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain",
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
    """logger.info(message, *args) for the lines logged on every request: the record is made
    directly, without logging's look-up of the calling line in the stack, and names no source
    file (no format here shows either; taking a path apart was a sixth of a record's cost).
    Filters and handlers are as usual."""
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
