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
from typing import TYPE_CHECKING, TextIO

from kitbuilder import arguments
from kitbuilder.arguments import Parser

if TYPE_CHECKING:
    from sqlalchemy import Engine


COMMANDS = ("serve", "requests")


def _rate(text: str) -> tuple[int, float]:
    try:
        count, seconds = text.split("/")
        return int(count), float(seconds)
    except ValueError:
        raise argparse.ArgumentTypeError(f"« {text} » : écrivez NOMBRE/SECONDES, par exemple "
                                         "10/600") from None


def _days(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"« {text} » : un nombre entier de jours, au moins 1")
    return int(text)


def add_parsers(commands: argparse._SubParsersAction[Parser]) -> None:
    """Add `serve` and `requests` to the command line's sub-commands."""
    db_help = ("adresse SQLAlchemy de la base (par défaut : $DATABASE_URL, sinon "
               "sqlite:///var/requests.sqlite3, dans le dossier où la commande est lancée)")
    serve = commands.add_parser(
        "serve", help="servir le site construit et le formulaire de demande du kit",
        description="Servir le site construit et le formulaire de demande du kit ; crée la "
                    "base des demandes à son premier démarrage.")
    serve.add_argument("--site", type=Path, default=Path("site"), metavar="DOSSIER",
                       help="le site construit (par défaut : site)")
    serve.add_argument("--host", default="127.0.0.1", metavar="ADRESSE",
                       help="adresse d'écoute (par défaut : 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000,
                       help="port (par défaut : 8000 ; 0 : un port libre)")
    serve.add_argument("--database-url", metavar="URL", help=db_help)
    serve.add_argument("--kit-url", default="kit", metavar="DOSSIER",
                       help="le dossier du kit dans le site (par défaut : kit)")
    serve.add_argument("--link-days", type=_days, default=7, metavar="JOURS",
                       help="durée de validité des liens de téléchargement, en jours "
                            "(par défaut : 7)")
    serve.add_argument("--rate-limit", type=_rate, default=(10, 600),
                       metavar="NOMBRE/SECONDES",
                       help="envois du formulaire permis par adresse (par défaut : 10/600)")
    serve.add_argument("--trusted-proxies", metavar="ADRESSES",
                       help="adresses du serveur mandataire dont on croit l'en-tête "
                            "X-Forwarded-For, par exemple 127.0.0.1 derrière nginx sur la "
                            "même machine")

    requests = commands.add_parser(
        "requests", help="les demandes du kit : export, stats, purge, notify",
        description="Les demandes du kit enregistrées par le serveur. Ces commandes lisent "
                    "la base du serveur ; elles ne la créent jamais.")
    actions = arguments.commands(requests, "action", "actions")
    export = actions.add_parser(
        "export", help="toutes les demandes en CSV, de la plus ancienne à la plus récente",
        description="Toutes les demandes en CSV, de la plus ancienne à la plus récente.")
    export.add_argument("--csv", action="store_true",
                        help="format CSV (c'est le format par défaut ; gardé pour les scripts)")
    export.add_argument("--excel", action="store_true",
                        help="points-virgules et marque d'ordre d'octets, pour Excel en "
                             "français")
    export.add_argument("--out", type=Path, metavar="FICHIER",
                        help="fichier à écrire (par défaut : la sortie standard)")
    stats = actions.add_parser(
        "stats", help="nombres par mois, fonction, type d'établissement, département",
        description="Les demandes comptées par mois, fonction, type d'établissement et "
                    "département.")
    stats.add_argument("--chart", type=Path, metavar="FICHIER.svg",
                       help="les dessiner aussi (image SVG)")
    purge = actions.add_parser(
        "purge", help="effacer les demandes anciennes (après confirmation)",
        description="Effacer les demandes plus anciennes qu'une durée. Montre d'abord ce "
                    "qui serait effacé et demande confirmation (ou --yes).")
    purge.add_argument("--older-than", required=True, metavar="DURÉE",
                       help="36m (mois), 3a (années) ou 90j (jours)")
    purge.add_argument("--yes", action="store_true",
                       help="effacer sans demander confirmation (pour les scripts)")
    from kitbuilder.server import notify_cli  # issue 14: tell of new editions

    notify = notify_cli.add_parser(actions)
    arguments.shared([requests, export, stats, purge, notify], "--database-url", default=None,
                     metavar="URL", help=db_help)


def run(args: argparse.Namespace) -> int:
    """Run `serve` or `requests`; a mistake is told in one line, never as a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from kitbuilder.server.admin import AdminError
    from kitbuilder.server.page import SiteError
    from kitbuilder.typography import typeset_message

    try:
        return _serve(args) if args.command == "serve" else _requests(args)
    except (SiteError, AdminError) as exc:
        print(typeset_message(f"kitbuilder : {exc}"), file=sys.stderr)
        return 1
    except ImportError as exc:
        print(f"kitbuilder\u00a0: le pilote de cette base de données manque ({exc.name}) ; pour "
              "PostgreSQL : .venv/bin/pip install \"psycopg[binary]\"", file=sys.stderr)
        return 1
    except (SQLAlchemyError, OSError) as exc:
        print(f"kitbuilder\u00a0: la base de données ne peut pas être ouverte "
              f"({type(exc).__name__})\u202f; vérifiez --database-url ou DATABASE_URL.",
              file=sys.stderr)
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
    from kitbuilder.server import admin, chart, config
    from kitbuilder.typography import typeset, typeset_message

    if args.action == "stats" and args.chart and args.chart.suffix.lower() != ".svg":
        raise admin.AdminError(f"« {args.chart} » : le graphique est une image SVG, donnez un "
                               "nom de fichier en .svg")
    engine = admin.open_database(config.database_url(args.database_url))
    try:
        if args.action == "export":
            if args.out:
                with _private_text(args.out) as out:
                    count = admin.export_csv(engine, out, args.excel)
                print(typeset_message(f"{admin.requests(count)} écrite{'s' if count > 1 else ''}"
                                      f" dans « {args.out} »"), file=sys.stderr)
            else:
                admin.export_csv(engine, sys.stdout, args.excel)
        elif args.action == "stats":
            result = admin.stats(engine)
            print(admin.format_stats(result))
            if args.chart:
                title = typeset(f"Demandes du kit : {result.total} au total")
                args.chart.write_text(chart.bar_charts(title, result.sections()),
                                      encoding="utf-8")
                print(typeset_message(f"graphique écrit dans « {args.chart} »"))
        elif args.action == "notify":
            from kitbuilder.server import notify_cli

            return notify_cli.run(engine, args)
        else:
            return _purge(engine, args.older_than, args.yes)
    finally:
        engine.dispose()
    return 0


def _purge(engine: Engine, older_than: str, yes: bool) -> int:
    """Say what would be deleted; delete it once confirmed (`--yes`, or « o » typed)."""
    from kitbuilder.server import admin
    from kitbuilder.typography import typeset

    plan = admin.purge_plan(engine, older_than)
    print(typeset(plan.describe()))
    if not plan.count:
        return 0
    if not yes:
        if not sys.stdin.isatty():
            print(typeset("Rien n'a été effacé : ajoutez --yes pour confirmer sans question."),
                  file=sys.stderr)
            return 1
        try:
            answer = input(typeset(f"Effacer ces {admin.requests(plan.count)} ? Tapez « oui » "
                                   "pour confirmer : "))
        except (EOFError, KeyboardInterrupt):
            answer = ""
        if answer.strip().lower() not in ("o", "oui"):
            print(typeset("Rien n'a été effacé."))
            return 1
    deleted = admin.purge(engine, plan.before)
    print(f"{admin.requests(deleted)} effacée{'s' if deleted > 1 else ''}.")
    return 0
