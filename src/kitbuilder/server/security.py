"""Protections around the app: security headers with the site's fixed CSP, a body size limit,
and the test for cross-site posts (the per-address rate limit is rate_limit.py's)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kitbuilder import csp
from kitbuilder.server.logs import access_line, log
from kitbuilder.server.page import RECHECK

# --- Headers ---------------------------------------------------------------------------------

# No X-Frame-Options: the CSP's frame-ancestors 'none' says the same to every browser still
# maintained, which then ignore X-Frame-Options (CSP level 2); each header is checked again by
# h11 on every response (about 2.5 µs apiece). No interest-cohort: FLoC, the feature it
# turned off, was withdrawn.
_HEADERS = {
    "x-content-type-options": "nosniff",
    # Download links carry their token in the URL: never send it to another site.
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


class ScriptPolicy:
    """The Content-Security-Policy of every response: the site's own files, and the inline
    scripts of its theme by their hashes, as the build stored them (kitbuilder.csp). Never
    computed from a response: a script that reached a page's text is not allowed to run.
    Read again when the site is rebuilt."""

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir
        self.path = site_dir / csp.FILE
        self._seen: tuple[int, int] | None = None
        self._checked = -RECHECK
        self._header = self._make(None)
        self._encoded = (self._header, self._header.encode("latin-1"))

    def header_bytes(self) -> bytes:
        """header(), encoded for the response (once per build of the site)."""
        text = self.header()
        if text is not self._encoded[0]:
            self._encoded = (text, text.encode("latin-1"))
        return self._encoded[1]

    def header(self) -> str:
        now = time.monotonic()
        if now - self._checked < RECHECK:
            return self._header
        self._checked = now
        try:
            stat = self.path.stat()
            seen = (stat.st_mtime_ns, stat.st_ino)
        except OSError:
            seen = (0, 0)
        if seen != self._seen:
            self._seen = seen
            scripts = csp.read(self.site_dir)
            if scripts is None:
                log.warning("%s manque\u00a0: le site a été construit sans les empreintes de ses "
                            "scripts, ses pages n’exécutent aucun script en ligne\u00a0; "
                            "reconstruisez-le (./scripts/build)", self.path)
            self._header = self._make(scripts)
        return self._header

    @staticmethod
    def _make(scripts: tuple[str, ...] | None) -> str:
        return csp.policy(scripts or ()) + "; frame-ancestors 'none'"


_NAMES = frozenset(name.encode("latin-1") for name in (*_HEADERS, "content-security-policy"))
_FIXED = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in _HEADERS.items()]
# What a document's headers govern (its scripts, its frames, its features) does not apply to a
# redirect, which browsers follow without making a document of it: its own policy is the next
# page's. The rest applies to the redirect itself: the referrer sent on to its target (our
# download link carries its token), sniffing, the opener, cross-origin loads.
_DOCUMENT_ONLY = frozenset((b"permissions-policy",))
_REDIRECT_FIXED = [item for item in _FIXED if item[0] not in _DOCUMENT_ONLY]


# --- The guard around the app ---------------------------------------------------------------

_DRAIN = 1024 * 1024  # the most an oversized request is read for, to answer it cleanly
_BODYLESS = frozenset(("GET", "HEAD", "OPTIONS"))
ErrorPage = Callable[[Scope, int, str], Awaitable[Response]]


class Guard:
    """Everything the server does around each request, in one pure ASGI layer (four layers,
    each wrapping `send` in its own closure, cost more than the page they served):

    - the access log: one line per request, without address, user agent, referrer or query
      string (kitbuilder.server.logs);
    - the security headers and the site's fixed CSP (`policy`) on every response; on a
      redirect, those that apply to one (a referrer policy, not a CSP);
    - our page, not Starlette's bare text, for the errors no handler of ours writes: a method
      an address does not take (405: PUT, DELETE, a POST to a page), a malformed or
      unsatisfiable Range header on a file (400, 416). The status and its headers (Allow,
      Content-Range) stay; the body becomes the site's page given by `page`;
    - the body limit: any request body larger than `limit` bytes is refused with a 413 page,
      and one that takes longer than `timeout` seconds to arrive with a 408 page (a slow
      sender would hold a connection and a task for as long as it likes). The body is read
      here, up to the limit, before the app sees it: a lying or absent Content-Length
      (chunked upload) is caught as well as an honest one.
    """

    def __init__(self, app: ASGIApp, policy: ScriptPolicy, page: Callable[[int], str],
                 limit: int, error_page: ErrorPage, timeout: float = 15.0) -> None:
        self.app = app
        self.policy = policy
        self.page = page
        self.limit = limit
        self.error_page = error_page
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | None = None
        failed = replaced = False
        csp = self.policy.header_bytes()

        async def guarded(message: Message) -> None:
            nonlocal status, replaced
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [item for item in message["headers"] if item[0] not in _NAMES]
                if 300 <= status < 400:  # a redirect (or a 304, which keeps the cached ones)
                    headers += _REDIRECT_FIXED
                else:
                    headers += _FIXED
                    headers.append((b"content-security-policy", csp))
                if status >= 400 and not _value(headers, b"content-type").startswith(
                        b"text/html"):
                    replaced = True
                    body = self.page(status).encode("utf-8")
                    headers = [item for item in headers
                               if item[0] not in (b"content-type", b"content-length")]
                    headers += [(b"content-type", b"text/html; charset=utf-8"),
                                (b"content-length", str(len(body)).encode("latin-1"))]
                    if status == 405 and not _value(headers, b"allow"):
                        headers.append((b"allow", b"GET, HEAD"))  # static files take no other
                    message["headers"] = headers
                    await send(message)
                    await send({"type": "http.response.body",
                                "body": b"" if scope["method"] == "HEAD" else body})
                    return
                message["headers"] = headers
            if not replaced:
                await send(message)

        try:
            if scope["method"] in _BODYLESS:
                await self.app(scope, receive, guarded)
            else:
                await self._with_body(scope, receive, guarded)
        except BaseException:
            failed = True
            raise
        finally:
            access_line(scope, status, failed, started)

    async def _with_body(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                read = await self._read(scope, receive)
        except TimeoutError:
            response = await self.error_page(scope, 408, "too_slow")
            response.headers["connection"] = "close"
            await response(scope, receive, send)
            return
        if read is None:
            return  # the client left
        body, too_big, more = read
        if too_big:
            response = await self.error_page(scope, 413, "too_large")
            if more:
                response.headers["connection"] = "close"
            await response(scope, receive, send)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read(self, scope: Scope, receive: Receive) -> tuple[bytes, bool, bool] | None:
        """The body (or its start), whether it is too big, whether more is still coming."""
        declared = Headers(scope=scope).get("content-length", "0")
        too_big = not declared.isdigit() or int(declared) > self.limit
        body = b""
        more = True
        while more and not too_big:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body += message.get("body", b"")
            more = message.get("more_body", False)
            too_big = len(body) > self.limit
        if too_big:
            # Read (and drop) a moderate excess, so that the client, still sending, gets the
            # page: closing on unread data resets the connection before the page arrives.
            # A huge upload is cut short.
            received = len(body)
            honest = declared.isdigit() and int(declared) <= _DRAIN
            while more and honest and received <= _DRAIN:
                message = await receive()
                received += len(message.get("body", b""))
                more = message["type"] == "http.request" and message.get("more_body", False)
        return body, too_big, more


def _value(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes:
    """The first value of header `name` (ASGI header names are lower case), else b""."""
    for key, value in headers:
        if key == name:
            return value
    return b""


def cross_site(headers: Headers) -> bool:
    """Whether the browser says a form post comes from anywhere but this very origin (Fetch
    metadata, else Origin). « same-site » is refused too: a sibling origin (another
    subdomain, the same host on another port) is not our form."""
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = headers.get("origin")
    if origin is None:
        return False
    return origin == "null" or origin.split("://", 1)[-1] != headers.get("host", "")

