"""The floor the request server is measured against (benchmarks/load_server.py): a bare
Starlette app under the same uvicorn settings, doing the least the same work needs.

    GET  /kit/                the built kit page, from memory
    POST /kit/demande         the form read, one row inserted into SQLite (WAL), 303
    GET  /kit/telechargement  a download page, from memory

No token, no validation, no security headers, no access log: what is left is uvicorn,
Starlette's routing and form parsing, and SQLite's insert, which no server can avoid.

    .venv/bin/python benchmarks/bare_server.py --page site/kit/index.html --database FILE
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from kitbuilder.server import db
from kitbuilder.server.run import uvicorn_config

_INSERT = ("INSERT INTO kit_requests (created_at, function, establishment_type, department, "
           "establishment, email) VALUES (?, ?, ?, ?, ?, ?)")


def create_app(page: bytes, database: Path) -> Starlette:
    connection = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    downloaded = page.replace(b"</main>", b'<ul class="kit-files"></ul></main>', 1)

    async def kit(_request: Request) -> Response:
        return HTMLResponse(page)

    async def submit(request: Request) -> Response:
        form = await request.form()
        cursor = connection.execute(_INSERT, (
            datetime.now(UTC).replace(tzinfo=None).isoformat(" "), form.get("function"),
            form.get("establishment_type"), form.get("department"),
            form.get("establishment") or None, form.get("email") or None))
        return RedirectResponse(f"/kit/telechargement?jeton={cursor.lastrowid}", 303)

    async def download(_request: Request) -> Response:
        return HTMLResponse(downloaded)

    return Starlette(routes=[Route("/kit/", kit), Route("/kit/demande", submit, methods=["POST"]),
                             Route("/kit/telechargement", download)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--page", type=Path, required=True, help="the built kit page")
    parser.add_argument("--database", type=Path, required=True, help="SQLite file (created)")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    engine = db.connect(f"sqlite:///{args.database}")
    db.migrate(engine)  # the same table as the real server's
    engine.dispose()
    app = create_app(args.page.read_bytes(), args.database)
    uvicorn.Server(uvicorn_config(app, "127.0.0.1", args.port)).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
