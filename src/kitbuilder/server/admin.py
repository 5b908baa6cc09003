"""For the association: export the requests, count them, delete the old ones.

Messages and tables are in French: they are read by the association, not by developers.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from kitbuilder.render import form as f
from kitbuilder.server import db

PARIS = ZoneInfo("Europe/Paris")
_AGE = re.compile(r"^\s*(\d{1,4})\s*(m|mois|a|an|ans|y|j|d)\s*$", re.IGNORECASE)

COLUMNS = ("date (heure de Paris)", "fonction", "type d’établissement", "département",
           "nom de l’établissement", "adresse électronique")
_LABELS = {
    "function": dict(f.FUNCTIONS),
    "establishment_type": dict(f.ESTABLISHMENT_TYPES),
    "department": dict(f.DEPARTMENTS),
}


class AdminError(Exception):
    """A mistake in a command's arguments, told in French."""


def requests(count: int) -> str:
    """« 1 demande », « 2 demandes »."""
    return f"{count} demande{'s' if count > 1 else ''}"


def open_database(url: str) -> Engine:
    """The server's database, for reading and purging: never created here.

    A wrong folder or a mistyped URL must not create an empty database and report
    « 0 demandes » as if all were well: only the server creates it, at its first start.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise AdminError(f"« {url} » n'est pas une adresse de base de données ; par exemple "
                         "sqlite:///var/requests.sqlite3 ou "
                         "postgresql+psycopg://kit@localhost/kit") from None
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        file = Path(parsed.database or "")
        if not parsed.database or parsed.database == ":memory:" or not file.is_file():
            where = f"« {file.resolve()} »" if parsed.database else "(aucun fichier donné)"
            raise AdminError(
                f"pas de base de données des demandes à {where}. La base est créée par le "
                "serveur (kitbuilder serve) à son premier démarrage ; lancez cette commande "
                "depuis le dossier du dépôt où il tourne, ou donnez son adresse avec "
                "--database-url ou DATABASE_URL.")
        engine = db.connect(url)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    if not inspect(engine).has_table(db.requests.name):
        engine.dispose()
        raise AdminError(f"la base « {shown} » ne contient pas la table des demandes : ce n'est "
                         "pas la base du serveur, ou il n'y a jamais démarré. Rien n'a été "
                         "créé ni modifié.")
    db.migrate(engine)  # the server's schema, brought up to date if the code is newer
    return engine


def local_time(moment: datetime) -> datetime:
    """A stored UTC time as Paris time."""
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(PARIS)


def _cell(value: str | None) -> str:
    """A free-text value made safe for spreadsheets (no formula injection)."""
    if not value:
        return ""
    return "'" + value if value[0] in "=+-@\t\r" else value


def export_csv(engine: Engine, out: TextIO, excel: bool = False) -> int:
    """Write every request as CSV, oldest first; return the number of rows.

    `excel`: semicolons and a byte-order mark, which French Excel opens as it is.
    """
    if excel:
        out.write("\ufeff")
    writer = csv.writer(out, delimiter=";" if excel else ",", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for row in db.rows(engine):
        writer.writerow((
            local_time(row["created_at"]).strftime("%Y-%m-%d %H:%M"),
            _LABELS["function"].get(row["function"], row["function"]),
            _LABELS["establishment_type"].get(row["establishment_type"],
                                              row["establishment_type"]),
            row["department"], _cell(row["establishment"]), _cell(row["email"])))
        count += 1
    return count


@dataclass(frozen=True)
class Stats:
    """Counts by month, function, type of establishment and département."""

    total: int
    months: list[tuple[str, int]]
    functions: list[tuple[str, int]]
    types: list[tuple[str, int]]
    departments: list[tuple[str, int]]

    def sections(self) -> list[tuple[str, list[tuple[str, int]]]]:
        return [("Par mois", self.months), ("Par fonction", self.functions),
                ("Par type d’établissement", self.types), ("Par département", self.departments)]


def stats(engine: Engine) -> Stats:
    """Count the requests; every choice of the form is listed, even at zero."""
    months: Counter[str] = Counter()
    counts: dict[str, Counter[str]] = {name: Counter() for name in _LABELS}
    total = 0
    for row in db.rows(engine):
        total += 1
        months[local_time(row["created_at"]).strftime("%Y-%m")] += 1
        for name, counter in counts.items():
            counter[row[name]] += 1
    departments = sorted(counts["department"].items(), key=lambda item: (-item[1], item[0]))
    return Stats(
        total=total,
        months=[(month, months[month]) for month in _month_range(min(months, default=""),
                                                                 max(months, default=""))],
        functions=[(label, counts["function"][code]) for code, label in f.FUNCTIONS],
        types=[(label, counts["establishment_type"][code])
               for code, label in f.ESTABLISHMENT_TYPES],
        departments=[(_LABELS["department"].get(code, code), n) for code, n in departments],
    )


def _month_range(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` (« 2026-01 »), so that a month without requests
    shows as zero instead of missing."""
    if not first:
        return []
    year, month = map(int, first.split("-"))
    out = []
    while (current := f"{year:04d}-{month:02d}") <= last:
        out.append(current)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def format_stats(result: Stats) -> str:
    """The counts as plain-text tables."""
    lines = [f"Demandes du kit : {result.total} au total", ""]
    for title, rows in result.sections():
        width = max([len(title)] + [len(label) for label, _ in rows])
        lines.append(f"{title.ljust(width)}  {'demandes':>8}  {'part':>5}")
        lines.append(f"{'-' * width}  {'-' * 8}  {'-' * 5}")
        if not rows:
            lines.append("(aucune)")
        for label, n in rows:
            share = f"{100 * n / result.total:.0f} %" if result.total else "–"
            lines.append(f"{label.ljust(width)}  {n:>8}  {share:>5}")
        lines.append("")
    return "\n".join(lines)


def parse_age(text: str) -> tuple[int, str]:
    """« 36m » (months), « 3a » or « 3y » (years), « 90j » or « 90d » (days) -> (n, unit)."""
    match = _AGE.match(text)
    if not match:
        raise AdminError(f"durée non comprise : « {text} ». Écrivez par exemple 36m (mois), "
                         "3a (années) ou 90j (jours).")
    unit = match[2].lower()
    return int(match[1]), "months" if unit in ("m", "mois") else (
        "years" if unit in ("a", "an", "ans", "y") else "days")


def cutoff(text: str, now: datetime | None = None) -> datetime:
    """The UTC moment before which requests are older than `text`."""
    number, unit = parse_age(text)
    now = now or db.utcnow()
    if unit == "days":
        return now - timedelta(days=number)
    return db.months_before(now, number * (12 if unit == "years" else 1))


def moment_fr(moment: datetime) -> str:
    """A stored UTC time as the association reads it: « 01/12/2026 à 14:05 (heure de Paris) »."""
    return local_time(moment).strftime("%d/%m/%Y à %H:%M") + " (heure de Paris)"


@dataclass(frozen=True)
class PurgePlan:
    """What `purge` would delete: the requests made before `before` (UTC)."""

    before: datetime
    count: int
    oldest: datetime | None
    newest: datetime | None

    def describe(self) -> str:
        """In French, with the exact cut-off, and the span of what would go."""
        cut = f"avant le {moment_fr(self.before)}"
        if not self.count:
            return f"Aucune demande enregistrée {cut} : rien à effacer."
        assert self.oldest is not None and self.newest is not None
        span = (f"le {moment_fr(self.oldest)}" if self.count == 1 else
                f"du {moment_fr(self.oldest)} au {moment_fr(self.newest)}")
        return (f"{requests(self.count)} enregistrée{'s' if self.count > 1 else ''} {cut} "
                f"serai{'en' if self.count > 1 else ''}t effacée{'s' if self.count > 1 else ''}"
                f" ({span}).")


def purge_plan(engine: Engine, older_than: str, now: datetime | None = None) -> PurgePlan:
    """What deleting the requests older than `older_than` would delete; nothing is deleted."""
    before = cutoff(older_than, now)
    made = db.requests.c.created_at
    with engine.connect() as connection:
        count, oldest, newest = connection.execute(
            select(func.count(), func.min(made), func.max(made)).where(made < before)).one()
    return PurgePlan(before, int(count), oldest, newest)


def purge(engine: Engine, before: datetime) -> int:
    """Delete the requests made before `before` (UTC); return how many."""
    return db.purge(engine, before)
