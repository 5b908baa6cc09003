"""The per-address rate limit of the form's posts: in memory, bounded, never written."""

from __future__ import annotations

import functools
import ipaddress
import time
from collections import OrderedDict, deque
from collections.abc import Callable


@functools.lru_cache(maxsize=4096)  # parsing an address cost more than counting it
def client_key(host: str | None) -> str:
    """The key an address is counted under: IPv4 as is, IPv6 by its /64 (one household)."""
    if not host:
        return "?"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class RateLimiter:
    """At most `limit` hits per key in any `window` seconds; memory bounded by `max_keys`.

    Addresses stay in memory only while they have hits inside the window; they are never
    written anywhere.
    """

    def __init__(self, limit: int, window: float, max_keys: int = 50_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self.clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def hit(self, key: str) -> float:
        """Count one hit; return 0 when allowed, else the seconds to wait before the next."""
        now = self.clock()
        hits = self._hits.pop(key, None) or deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            self._hits[key] = hits
            return hits[0] + self.window - now
        hits.append(now)
        self._hits[key] = hits  # most recent last: the oldest keys are at the front
        self._forget(now)
        return 0.0

    def _forget(self, now: float) -> None:
        while self._hits:
            key, hits = next(iter(self._hits.items()))
            if hits[-1] > now - self.window and len(self._hits) <= self.max_keys:
                break
            del self._hits[key]

    def __len__(self) -> int:
        return len(self._hits)
