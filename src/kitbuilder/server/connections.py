"""Connections that cannot exhaust the server: bounded in number and in idle time.

Uvicorn alone keeps a connection open for as long as the client likes while it has not sent a
whole request (its keep-alive timeout starts only after a response), and accepts connections
until the process runs out of file descriptors; then every page fails and the event loop logs
a traceback per attempt. This protocol, uvicorn's own h11 one with three guards, keeps the
server answering:

- a request's headers must arrive within `header_timeout` of the connection's start or of the
  previous response (a « slow loris » sending a byte now and then is closed);
- a response whose client stops reading for `write_timeout` is abandoned;
- at most `max_connections` are open: past that, a new connection closes the longest-open one
  that is between requests (idle or still sending its headers), or, if every one is busy,
  is itself closed. Idle sockets can therefore never lock out a visitor.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from kitbuilder.server.config import Limits
from kitbuilder.server.logs import log


def guarded_protocol(limits: Limits) -> type[H11Protocol]:
    """Uvicorn's h11 protocol with `limits`, as a class to give uvicorn.Config(http=…)."""

    class Guarded(_Guarded):
        pass

    Guarded.limits = limits
    return Guarded


class _Guarded(H11Protocol):
    limits = Limits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.opened = time.monotonic()
        self._header_timer: asyncio.TimerHandle | None = None
        self._write_timer: asyncio.TimerHandle | None = None
        # The wait for a request's headers: since when, and the cycle current when it began
        # (a new request gives a new cycle).
        self._waiting_since = 0.0
        self._waiting_for: object = None

    def busy(self) -> bool:
        """Whether a request is being answered (else it is idle, or sending its headers)."""
        return self.cycle is not None and not self.cycle.response_complete

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            idle = [c for c in self.connections
                    if c is not self and isinstance(c, _Guarded) and not c.busy()]
            victim = min(idle, key=lambda c: c.opened) if idle else self
            victim.close("too many connections")
            if victim is self:
                return
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        for timer in (self._header_timer, self._write_timer):
            if timer is not None:
                timer.cancel()
        super().connection_lost(exc)

    def close(self, why: str) -> None:
        """Close this connection now (nothing is being answered on it, or it is stuck)."""
        # Out of the count at once: its descriptor is released on the loop's next turn, and
        # the next connection must not pick it again.
        self.connections.discard(self)
        if not self.transport.is_closing():
            log.debug("connection closed: %s", why)
            self.transport.abort()

    def _arm_header_timer(self) -> None:
        """One timer per connection, armed when it opens. A response only notes that a new
        wait begins (on_response_complete): the timer, when it fires, closes the connection
        if that wait has lasted `header_timeout`, else fires again when it would have. (A
        timer made and cancelled for every response cost more than the rest of the guards.)"""
        self._waiting_since = self.loop.time()
        self._waiting_for = self.cycle
        self._header_timer = self.loop.call_at(self._waiting_since + self.limits.header_timeout,
                                               self._header_timeout)

    def _header_timeout(self) -> None:
        now = self.loop.time()
        if self.cycle is self._waiting_for:  # no new request since the wait began
            due = self._waiting_since + self.limits.header_timeout
            if now >= due:  # idle, or headers too slow
                self._header_timer = None
                self.close("request headers too slow")
                return
        else:  # a request is being answered: its response begins the next wait
            due = now + self.limits.header_timeout
        self._header_timer = self.loop.call_at(due, self._header_timeout)

    def on_response_complete(self) -> None:
        # The next request's headers are due within header_timeout from now, whatever bytes
        # trickle in. Noted before uvicorn starts on a request already received (pipelined):
        # that one is a new cycle, being answered, not waited for.
        self._waiting_since = self.loop.time()
        self._waiting_for = self.cycle
        super().on_response_complete()

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._write_timer is None:
            self._write_timer = self.loop.call_later(self.limits.write_timeout,
                                                     self._write_timeout)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None

    def _write_timeout(self) -> None:
        self._write_timer = None
        self.close("client stopped reading")
