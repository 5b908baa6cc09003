"""Run the request server with uvicorn: no access log of its own, proxy headers on request,
and the limits that keep it answering under many idle or slow connections."""

from __future__ import annotations

import logging
import resource
from dataclasses import replace

import uvicorn
from starlette.types import ASGIApp

from kitbuilder.server import db
from kitbuilder.server.app import create_app
from kitbuilder.server.config import Limits, Settings
from kitbuilder.server.connections import guarded_protocol
from kitbuilder.server.logs import LOG_CONFIG, log


def uvicorn_config(app: ASGIApp, host: str = "127.0.0.1", port: int = 8000,
                   trusted_proxies: str | None = None,
                   limits: Limits | None = None) -> uvicorn.Config:
    """How uvicorn runs the app, here and in the tests.

    `trusted_proxies`: addresses of the reverse proxy (nginx) whose X-Forwarded-For and
    X-Forwarded-Proto are believed; without it the connecting address is the client's. The
    rate limit counts by client address, so behind a proxy this must be set.
    `limits`: timeouts and connection limit; by default the app's settings' own.
    """
    if limits is None:
        server = getattr(getattr(app, "state", None), "server", None)
        limits = server.settings.limits if server is not None else Limits()
    return uvicorn.Config(
        app, host=host, port=port, log_config=LOG_CONFIG, access_log=False,
        proxy_headers=trusted_proxies is not None, forwarded_allow_ips=trusted_proxies,
        server_header=False, ws="none", lifespan="on",
        http=guarded_protocol(limits),
        timeout_keep_alive=int(limits.keep_alive),
        h11_max_incomplete_event_size=limits.max_header_bytes,
        # Uvicorn's own limit answers 503 past it; ours (the protocol) closes idle connections
        # first, so this one is only a backstop.
        limit_concurrency=limits.max_connections + 1,
        backlog=limits.backlog)


def fit_descriptors(limits: Limits) -> Limits:
    """`limits` within this process's descriptor limit, raised first up to the hard limit:
    a connection holds one descriptor and the file it is sent another; some are kept for the
    database, the logs and the listening socket. Past the limit, accept() fails in a loop."""
    needed = 2 * limits.max_connections + limits.backlog + _SPARE
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        soft = wanted
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return limits
    fitted = max(8, (soft - limits.backlog - _SPARE) // 2)
    log.warning("%d descripteurs de fichiers permis seulement\u00a0: %d connexions au plus au "
                "lieu de %d (augmenter LimitNOFILE pour en permettre davantage)", soft, fitted,
                limits.max_connections)
    return replace(limits, max_connections=fitted)


_SPARE = 64


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000,
          trusted_proxies: str | None = None) -> None:
    """Serve until interrupted; raises SiteError when the site cannot be served."""
    app = create_app(settings)
    # The server's lines name no thread or process: its records need not look them up (the
    # « Optimization » of the logging HOWTO).
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    # A database that cannot be reached fails here, told in one line by the command line,
    # rather than in uvicorn's start-up with a traceback. (Start-up migrates again: no-op.)
    db.migrate(app.state.server.engine)
    limits = fit_descriptors(settings.limits)
    uvicorn.Server(uvicorn_config(app, host, port, trusted_proxies, limits)).run()
