"""The request server: the built site, the kit request form, and the kit's files behind a link.

Routes, under the kit's folder (« /kit/ » by default):
    GET  /kit/                  the kit page, its form carrying a fresh form token
    POST /kit/demande           a request: stored once, then 303 to the download page
    GET  /kit/telechargement    the download page (?jeton=…), links valid for a limited time
    GET  /kit/fichiers/NAME     a kit file (?jeton=…); without a valid token, back to the form
    GET  /…                     the rest of the built site, as static files
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Scope

from kitbuilder import csp, layout
from kitbuilder.render import form as f
from kitbuilder.server import db, logs, notify
from kitbuilder.server.config import Settings
from kitbuilder.server.files import SiteFiles
from kitbuilder.server.forms import read, single, validate
from kitbuilder.server.kit_files import PLAYED_IN_PAGES, KitFiles
from kitbuilder.server.logs import log
from kitbuilder.server.messages import notices, site_error_page
from kitbuilder.server.page import KitPage
from kitbuilder.server.rate_limit import RateLimiter, client_key
from kitbuilder.server.security import Guard, ScriptPolicy, cross_site
from kitbuilder.server.tokens import Refusal, Tokens
from kitbuilder.server.unsubscribe import unsubscribe
from kitbuilder.server.writes import BatchedStores

PARIS = ZoneInfo("Europe/Paris")
REASON = "motif"  # query parameter of the kit page naming why the visitor was sent back to it
_TOKEN_HOLE = "kit-form-token-placeholder-5d1f"  # where the kit page's form token goes
_REDIRECT_REASONS = {Refusal.MISSING: "absent", Refusal.INVALID: "invalide",
                     Refusal.EXPIRED: "expire"}

_KIT_PAGE_HEADERS = ((b"content-type", b"text/html; charset=utf-8"),
                     (b"cache-control", b"no-store"))


class _Ready(Response):
    """A 200 whose body is already bytes and whose headers are known: what HTMLResponse's
    constructor works out for the kit page (its body rendered, its headers encoded from a
    mapping), about 2 of the 8 µs the page's handler took, is skipped."""

    def __init__(self, body: bytes, headers: tuple[tuple[bytes, bytes], ...]) -> None:
        self.status_code = 200
        self.background = None
        self.body = body
        self.raw_headers = [(b"content-length", str(len(body)).encode("ascii")), *headers]


class RequestServer:
    """The handlers and the state they share: database, tokens, limits, the kit page."""

    def __init__(self, settings: Settings, tokens: Tokens) -> None:
        self.settings = settings
        self.tokens = tokens
        # The site first: a server that cannot start must not leave an empty database behind
        # (admin commands would then take it for the server's and refuse it as schema-less).
        kit_dir = settings.site_dir / settings.kit_url.strip("/")
        self.page = KitPage(kit_dir / "index.html")
        self.engine = db.connect(settings.database_url)
        self.database = db.FileWatch(db.sqlite_file(self.engine))
        self.files = KitFiles(kit_dir / layout.FILES)
        self.limiter = RateLimiter(settings.rate_limit, settings.rate_window)
        # Requests stored in batches, one writer at a time: SQLite takes one writer anyway.
        # The database keeps each form token to one row.
        self.stores = BatchedStores(self.engine, settings.form_lifetime)
        self.notices = notices(settings.link_lifetime.days)
        self._blank_page: tuple[int, bytes, bytes] | None = None

    # --- Pages ----------------------------------------------------------------------------

    def form_page(self, state: f.FormState | None = None, status: int = 200) -> Response:
        """The kit page with the form, a fresh token in it; answers and messages if given."""
        if state is None and status == 200:  # the kit page itself: only its token changes
            before, after = self._blank()
            token = f.html_attr(self.tokens.form()).encode("ascii")
            # One copy of the page's 54 kB, not two (« before + token + after » makes both).
            return _Ready(b"".join((before, token, after)), _KIT_PAGE_HEADERS)
        state = replace(state or f.FormState(), csrf=self.tokens.form())
        body = f.form(state, self.page.meta.privacy_url)
        title = "Erreur" if status >= 400 else ""
        html = self.page.render(body, title)
        return HTMLResponse(html, status, {"cache-control": "no-store"})

    def _blank(self) -> tuple[bytes, bytes]:
        """The kit page with the empty form, in UTF-8, split where its token goes: made once
        per build of the site (encoding the whole page was most of what was left of its
        cost)."""
        version = self.page.version
        if self._blank_page is None or self._blank_page[0] != version:
            region = f.form(f.FormState(csrf=_TOKEN_HOLE), self.page.meta.privacy_url)
            before, after = self.page.render(region).split(_TOKEN_HOLE.encode("ascii"))
            self._blank_page = (version, before, after)
        return self._blank_page[1], self._blank_page[2]

    def notice_page(self, reason: str, status: int, values: dict[str, str] | None = None,
                    errors: dict[str, str] | None = None, **fmt: str) -> Response:
        notice = self.notices[reason].format(**fmt)
        return self.form_page(f.FormState(values or {}, errors or {}, notice=notice), status)

    async def error_page(self, _scope: Scope, status: int, reason: str) -> Response:
        """For the middleware: a page that tells what went wrong and shows the form again."""
        return self.notice_page(reason, status)

    def redirect(self, request: Request, rest: str) -> RedirectResponse:
        """A 303 to a path in the kit's folder, written from the root: some clients (curl)
        resolve a relative « ../ » wrongly."""
        root = request.scope.get("root_path", "")
        return RedirectResponse(f"{root}{self.settings.kit_path}{rest}", status_code=303)

    def back_to_form(self, request: Request, refusal: Refusal) -> RedirectResponse:
        return self.redirect(request, f"?{REASON}={_REDIRECT_REASONS[refusal]}#{f.ANCHOR}")

    # --- Handlers -------------------------------------------------------------------------

    async def kit(self, request: Request) -> Response:
        if request.scope["query_string"]:  # most visits have none to parse
            reason = request.query_params.get(REASON, "")
            if reason in _REDIRECT_REASONS.values():
                return self.form_page(f.FormState(notice=self.notices[reason]))
        return self.form_page()

    async def submit(self, request: Request) -> Response:
        # Refused before it is counted: another site's page must not spend a visitor's quota
        # (ten fetch() calls would lock them out of the form for the whole window).
        if cross_site(request.headers):
            return self.notice_page("cross_site", 403)
        wait = self.limiter.hit(client_key(request.client.host if request.client else None))
        if wait:
            minutes = max(1, round(wait / 60))
            duration = f"{minutes}\u00a0minute{'s' if minutes > 1 else ''}"
            response = self.notice_page("rate", 429, duration=duration)
            response.headers["retry-after"] = str(int(wait) + 1)
            return response
        fields = await read(request)
        if fields is None:
            return self.notice_page("unreadable", 400)
        if single(fields, f.HONEYPOT):
            return self.notice_page("refused", 400)
        result = validate(fields)
        checked = self.tokens.check_form(single(fields, f.CSRF))
        if checked.refusal is not None:
            reason = "form_expired" if checked.refusal is Refusal.EXPIRED else "form_invalid"
            return self.notice_page(reason, 403, result.values, result.errors)
        if result.answers is None:
            return self.form_page(f.FormState(result.values, result.errors), 422)
        try:
            request_id = await self._store(result.answers, checked.value)
        except SQLAlchemyError as exc:
            log.error("demande de kit non enregistrée\u00a0: erreur de la base de données (%s)",
                      type(exc).__name__)
            return self.notice_page("unavailable", 503, result.values)
        except db.DatabaseGone as exc:
            log.error("demande de kit restée sans réponse\u00a0: %s", exc)
            return self.notice_page("unavailable", 503, result.values)
        token = self.tokens.download(request_id)
        return self.redirect(request, f"{f.DOWNLOAD}?{f.TOKEN}={token}#{f.ANCHOR}")

    async def _store(self, answers: db.Answers, nonce: str) -> int:
        """Store a request once per form token: a form sent twice gives the first one's id."""
        request_id, new = await self.stores.store(answers, nonce)
        # Checked once the row is written: a file deleted before or while it was written to
        # took the row where no one will read it (and one look is a system call fewer).
        self.database.check()
        if new:
            logs.info(log, "demande de kit n°\u00a0%d enregistrée", request_id)
        return request_id

    async def download(self, request: Request) -> Response:
        token = request.query_params.get(f.TOKEN)
        checked = self.tokens.check_download(token)
        if checked.refusal is not None or checked.issued is None or token is None:
            return self.back_to_form(request, checked.refusal or Refusal.INVALID)
        until = self.tokens.expiry(checked.issued).astimezone(PARIS)
        body = self.files.listing(self.page).render(token, until)
        html = self.page.render(body, "Téléchargement")
        return HTMLResponse(html, headers={"cache-control": "no-store"})

    async def kit_file(self, request: Request) -> Response:
        path = self.files.find(request.path_params["name"])
        if path is None:
            raise HTTPException(404)
        if path.suffix.lower() in PLAYED_IN_PAGES:
            return FileResponse(path, media_type=PLAYED_IN_PAGES[path.suffix.lower()])
        checked = self.tokens.check_download(request.query_params.get(f.TOKEN))
        if checked.refusal is not None:
            return self.back_to_form(request, checked.refusal)
        return FileResponse(path, filename=path.name, content_disposition_type="attachment",
                            headers={"cache-control": "private, no-store"})

    async def not_found(self, _request: Request, _exc: Exception) -> Response:
        """The site's own 404 page when it has one."""
        return HTMLResponse(self.site_page(404), 404)

    def site_page(self, status: int = 404) -> str:
        """The site's error page (404.html) saying what went wrong for `status`."""
        return site_error_page(self.settings.site_dir, status)

    async def unsubscribe(self, request: Request) -> Response:
        """The unsubscribe link of `requests notify`'s e-mails (server/unsubscribe.py)."""
        return await unsubscribe(request, self.engine, self.settings.secret_key, self.page)

    async def form_redirect(self, request: Request) -> Response:
        return self.redirect(request, f"#{f.ANCHOR}")

    async def kit_folder(self, request: Request) -> Response:
        return self.redirect(request, "")

    # --- Life cycle -----------------------------------------------------------------------

    def purge_old(self) -> int:
        """Delete requests older than the retention period stated in the privacy policy."""
        cutoff = db.months_before(db.utcnow(), self.settings.retention_months)
        deleted = db.purge(self.engine, cutoff)
        if deleted:
            log.info("%d demande(s) de kit de plus de %d mois effacée(s)", deleted,
                     self.settings.retention_months)
        return deleted

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(db.migrate, self.engine)
        await run_in_threadpool(self.purge_old)
        tasks = [asyncio.create_task(self._purge_daily()), asyncio.create_task(logs.flush_every())]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            logs.flush_lines()
            await run_in_threadpool(self.stores.close_writer)
            self.stores.close()  # the loop's connection, on the loop
            self.engine.dispose()

    async def _purge_daily(self) -> None:
        while True:
            await asyncio.sleep(24 * 3600)
            try:
                await run_in_threadpool(self.purge_old)
            except SQLAlchemyError as exc:
                log.error("purge quotidienne non faite\u00a0: erreur de la base de données (%s)",
                          type(exc).__name__)


def create_app(settings: Settings, tokens: Tokens | None = None) -> Starlette:
    """The ASGI app for `settings`; raises SiteError when the site cannot be served."""
    tokens = tokens or Tokens(settings.secret_key, settings.link_lifetime,
                              settings.form_lifetime)
    server = RequestServer(settings, tokens)
    kit = settings.kit_path
    routes = [  # tried in order: a request's path is matched against each until one fits
        Route(kit, server.kit, methods=["GET"]),
        Route(f"{kit}{f.ACTION}", server.submit, methods=["POST"]),
        Route(f"{kit}{f.DOWNLOAD}", server.download, methods=["GET"]),
        Route(f"{kit}{f.ACTION}", server.form_redirect, methods=["GET"]),
        Route(kit.rstrip("/"), server.kit_folder, methods=["GET"]),
        Route(f"{kit}index.html", server.kit, methods=["GET"]),
        Route(f"{kit}{notify.UNSUBSCRIBE}", server.unsubscribe, methods=["GET", "POST"]),
        Route(f"{kit}{layout.FILES}/{{name:path}}", server.kit_file, methods=["GET"]),
        Mount("/", SiteFiles(settings.site_dir, (f"{kit.strip('/')}/{layout.FILES}",
                                                 f"{kit.strip('/')}/index.html",
                                                 Path(csp.FILE).parts[0]))),
    ]
    middleware = [
        Middleware(Guard, policy=ScriptPolicy(settings.site_dir), page=server.site_page,
                   limit=settings.max_body, error_page=server.error_page,
                   timeout=settings.limits.body_timeout),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=server.lifespan,
                    exception_handlers={404: server.not_found})
    app.state.server = server
    return app

