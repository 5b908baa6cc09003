"""Run the request server with uvicorn: no access log of its own, proxy headers on request."""

from __future__ import annotations

import uvicorn
from starlette.types import ASGIApp

from kitbuilder.server import db
from kitbuilder.server.app import create_app
from kitbuilder.server.config import Settings
from kitbuilder.server.logs import LOG_CONFIG


def uvicorn_config(app: ASGIApp, host: str = "127.0.0.1", port: int = 8000,
                   trusted_proxies: str | None = None) -> uvicorn.Config:
    """How uvicorn runs the app, here and in the tests.

    `trusted_proxies`: addresses of the reverse proxy (nginx) whose X-Forwarded-For and
    X-Forwarded-Proto are believed; without it the connecting address is the client's. The
    rate limit counts by client address, so behind a proxy this must be set.
    """
    return uvicorn.Config(
        app, host=host, port=port, log_config=LOG_CONFIG, access_log=False,
        proxy_headers=trusted_proxies is not None, forwarded_allow_ips=trusted_proxies,
        server_header=False, ws="none", lifespan="on")


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000,
          trusted_proxies: str | None = None) -> None:
    """Serve until interrupted; raises SiteError when the site cannot be served."""
    app = create_app(settings)
    # A database that cannot be reached fails here, told in one line by the command line,
    # rather than in uvicorn's start-up with a traceback. (Start-up migrates again: no-op.)
    db.migrate(app.state.server.engine)
    uvicorn.Server(uvicorn_config(app, host, port, trusted_proxies)).run()
