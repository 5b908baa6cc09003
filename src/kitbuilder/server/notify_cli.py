"""The command line of `kitbuilder requests notify` (server/notify.py does the work)."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine

from kitbuilder.server import config, db, notify
from kitbuilder.site.pages import date_fr

HELP = "prévenir par e-mail les adresses consentantes d'une nouvelle édition du kit"


def add_parser(actions: argparse._SubParsersAction[Any]
               ) -> argparse.ArgumentParser:
    """Add `notify` to `requests`' actions; return it (it shares --database-url)."""
    parser: argparse.ArgumentParser = actions.add_parser(
        "notify", help=HELP,
        description="Envoyer un court e-mail, une seule fois par édition, à chaque adresse "
                    "dont le titulaire a coché « prévenez-moi des nouvelles éditions ». Passe "
                    "par le serveur de messagerie de l'association, réglé par les variables "
                    "SMTP_HOST, SMTP_PORT, SMTP_SECURITY, SMTP_USER, SMTP_PASSWORD, SMTP_FROM. "
                    "Lancez la commande là où tourne le serveur : les liens de désinscription "
                    "sont signés avec sa clé (SECRET_KEY ou var/secret.key).")
    parser.add_argument("--edition", metavar="NOM",
                        help="l'édition annoncée, par exemple « décembre 2026 » (par défaut : "
                             "la date « edition » de kit/kit.yml) ; un nom déjà annoncé n'est "
                             "jamais envoyé deux fois à la même adresse")
    parser.add_argument("--site-url", metavar="URL",
                        help="l'adresse publique du site (par défaut : site_url de mkdocs.yml)")
    parser.add_argument("--kit-url", default="kit", metavar="DOSSIER",
                        help="le dossier du kit dans le site (par défaut : kit)")
    parser.add_argument("--note", default="", metavar="TEXTE",
                        help="un paragraphe sur ce qui change dans cette édition (facultatif)")
    parser.add_argument("--dry-run", action="store_true",
                        help="afficher les messages qui partiraient, sans rien envoyer")
    return parser


def _from_yaml(path: Path, key: str) -> object:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    return data.get(key) if isinstance(data, dict) else None


def edition_name(given: str | None, manifest: Path = Path("kit/kit.yml")) -> str:
    """The edition's name: as given, else « édition du 2 décembre 2026 » from kit.yml."""
    if given and given.strip():
        return " ".join(given.split())
    published = _from_yaml(manifest, "edition")
    if isinstance(published, date):
        return f"édition du {date_fr(published).split(' ', 1)[1]}"
    raise notify.NotifyError("donnez --edition (kit/kit.yml ne dit pas la date de l'édition)")


def site_url(given: str | None, mkdocs_yml: Path = Path("mkdocs.yml")) -> str:
    url = given or _from_yaml(mkdocs_yml, "site_url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise notify.NotifyError("donnez --site-url, l'adresse publique du site (https://…)")
    return url


def run(engine: Engine, args: argparse.Namespace) -> int:
    """`requests notify`: a dry run prints; otherwise send through SMTP_* settings."""
    db.migrate(engine)  # the server may not have restarted since the schema last changed
    edition = edition_name(args.edition)
    url = site_url(args.site_url)
    sender = os.environ.get("SMTP_FROM", "Mieux-être & Travail <kit@example.org>")
    settings = None if args.dry_run else notify.SmtpSettings.from_env()
    notify.notify(engine, edition, url, args.kit_url, config.secret_key(),
                  settings.sender if settings else sender, settings, args.note,
                  say=lambda line: print(line, file=sys.stdout))
    return 0
