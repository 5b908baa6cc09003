"""The command line's `serve` and `requests` commands (wired into kitbuilder.cli).

Heavy imports (uvicorn, SQLAlchemy, Alembic) happen when a command runs, so that
`kitbuilder check` stays quick.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import TextIO

COMMANDS = ("serve", "requests")


def _rate(text: str) -> tuple[int, float]:
    try:
        count, seconds = text.split("/")
        return int(count), float(seconds)
    except ValueError:
        raise argparse.ArgumentTypeError("expected COUNT/SECONDS, e.g. 10/600") from None


def _days(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("expected a whole number of days, at least 1")
    return int(text)


def add_parsers(commands: argparse._SubParsersAction) -> None:
    """Add `serve` and `requests` to the command line's sub-commands."""
    db_help = "SQLAlchemy URL (default: $DATABASE_URL, else sqlite:///var/requests.sqlite3)"
    serve = commands.add_parser("serve", help="serve the built site and the kit request form")
    serve.add_argument("--site", type=Path, default=Path("site"), help="built site (site)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (8000; 0: any free port)")
    serve.add_argument("--database-url", help=db_help)
    serve.add_argument("--kit-url", default="kit", help="the kit's folder in the site (kit)")
    serve.add_argument("--link-days", type=_days, default=7,
                       help="how long download links work, in days (7)")
    serve.add_argument("--rate-limit", type=_rate, default=(10, 600), metavar="COUNT/SECONDS",
                       help="form submissions allowed per address (10/600)")
    serve.add_argument("--trusted-proxies", metavar="ADDRESSES",
                       help="reverse proxy addresses whose X-Forwarded-For is believed, "
                            "e.g. 127.0.0.1 behind nginx on the same machine")

    requests = commands.add_parser("requests", help="the kit requests: export, stats, purge")
    requests.add_argument("--database-url", help=db_help)
    actions = requests.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="every request as CSV, oldest first")
    export.add_argument("--csv", action="store_true", required=True, help="CSV format")
    export.add_argument("--excel", action="store_true",
                        help="semicolons and a byte-order mark, for French Excel")
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    stats = actions.add_parser("stats", help="counts by month, function, type, département")
    stats.add_argument("--chart", type=Path, metavar="FILE.svg", help="also draw them (SVG)")
    purge = actions.add_parser("purge", help="delete old requests")
    purge.add_argument("--older-than", required=True, metavar="AGE",
                       help="36m (months), 3a (years) or 90j (days)")


def run(args: argparse.Namespace) -> int:
    """Run `serve` or `requests`; a mistake is told in one line, never as a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from kitbuilder.server.admin import AdminError
    from kitbuilder.server.page import SiteError

    try:
        return _serve(args) if args.command == "serve" else _requests(args)
    except (SiteError, AdminError) as exc:
        print(f"kitbuilder: {exc}", file=sys.stderr)
        return 1
    except ImportError as exc:
        print(f"kitbuilder: le pilote de cette base de données manque ({exc.name}) ; pour "
              "PostgreSQL : .venv/bin/pip install \"psycopg[binary]\"", file=sys.stderr)
        return 1
    except (SQLAlchemyError, OSError) as exc:
        print(f"kitbuilder: la base de données ne peut pas être ouverte ({type(exc).__name__}) "
              "; vérifiez --database-url ou DATABASE_URL.", file=sys.stderr)
        return 1


def _serve(args: argparse.Namespace) -> int:
    from kitbuilder.server import config
    from kitbuilder.server.run import serve

    count, seconds = args.rate_limit
    settings = config.Settings(
        site_dir=args.site, database_url=config.database_url(args.database_url),
        secret_key=config.secret_key(), kit_url=args.kit_url,
        link_lifetime=timedelta(days=args.link_days), rate_limit=count, rate_window=seconds)
    serve(settings, args.host, args.port, args.trusted_proxies)
    return 0


def _private_text(path: Path) -> TextIO:
    """`path` opened for writing, readable by its owner only (0600), even if it existed: the
    export holds names of establishments and e-mail addresses."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8", newline="")


def _requests(args: argparse.Namespace) -> int:
    from kitbuilder.server import admin, chart, config, db
    from kitbuilder.typography import typeset

    engine = db.connect(config.database_url(args.database_url))
    db.migrate(engine)
    if args.action == "export":
        if args.out:
            with _private_text(args.out) as out:
                count = admin.export_csv(engine, out, args.excel)
            print(f"{count} demande(s) écrite(s) dans {args.out}", file=sys.stderr)
        else:
            admin.export_csv(engine, sys.stdout, args.excel)
    elif args.action == "stats":
        if args.chart and args.chart.suffix.lower() != ".svg":
            raise admin.AdminError(f"{args.chart} : le graphique est une image SVG, donnez un "
                                   "nom de fichier en .svg")
        result = admin.stats(engine)
        print(admin.format_stats(result))
        if args.chart:
            title = typeset(f"Demandes du kit : {result.total} au total")
            args.chart.write_text(chart.bar_charts(title, result.sections()), encoding="utf-8")
            print(f"graphique écrit dans {args.chart}")
    else:
        deleted, before = admin.purge(engine, args.older_than)
        day = admin.local_time(before).strftime("%d/%m/%Y")
        print(f"{deleted} demande(s) effacée(s), enregistrée(s) avant le {day}.")
    engine.dispose()
    return 0
