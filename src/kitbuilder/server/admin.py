"""For the association: export the requests, count them, delete the old ones.

Messages and tables are in French: they are read by the association, not by developers.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

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


def purge(engine: Engine, older_than: str, now: datetime | None = None) -> tuple[int, datetime]:
    """Delete the requests older than `older_than`; return how many, and the cut-off."""
    moment = cutoff(older_than, now)
    return db.purge(engine, moment), moment
