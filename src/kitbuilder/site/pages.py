"""The association's own pages: data placed into Markdown with Jinja, and the iCalendar file."""

from __future__ import annotations

import hashlib
import re
import traceback
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import icalendar
import jinja2

from kitbuilder.errors import KitError, Problem
from kitbuilder.site.data import Event, SiteData
from kitbuilder.typography import NBSP, typeset

_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre")
_TEMPLATE = "<template>"  # how Jinja names a template made from a string


def date_fr(moment: date) -> str:
    """« jeudi 14 janvier 2027 »; the first of the month is « 1er »."""
    day = "1er" if moment.day == 1 else str(moment.day)
    return (f"{_DAYS[moment.weekday()]} {day}{NBSP}{_MONTHS[moment.month - 1]}"
            f"{NBSP}{moment.year}")


def time_fr(moment: datetime) -> str:
    """« 18 h », « 18 h 30 »."""
    return f"{moment.hour}{NBSP}h" + (f"{NBSP}{moment.minute:02d}" if moment.minute else "")


BLOCKS = "blocs"  # folder of the data folder holding blocks pages include (« urgence.html »)


def _environment(blocks: Path | None) -> jinja2.Environment:
    """Jinja for the pages: strict, unescaped (Markdown), blocks of the data folder includable."""
    loader = jinja2.FileSystemLoader(str(blocks)) if blocks else None
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                             keep_trailing_newline=True, loader=loader)
    env.filters.update(date_fr=date_fr, time_fr=time_fr, typeset=typeset_html, tel=tel)
    return env


_TAG = re.compile(r"(<[^>]*>)")


def typeset_html(markup: str) -> str:
    """French typography on the text of an HTML block, its tags and attributes untouched:
    « <strong>Vraiment ?</strong> » gets its narrow space although « < » follows the « ? »."""
    pieces = _TAG.split(markup)
    out, after_tag = [], False
    for n, piece in enumerate(pieces):
        if n % 2:  # a tag
            out.append(piece)
            after_tag = True
        elif piece:
            out.append(typeset("x" + piece)[1:] if after_tag else typeset(piece))
    return "".join(out)


def tel(phone: str) -> str:
    """A phone number as a tel: link's target: « 01 00 00 00 00 » gives « 0100000000 »."""
    return "".join(c for c in phone if c.isdigit() or c == "+")


def context(data: SiteData, now: datetime) -> dict[str, Any]:
    """What a page may use: `association` and the upcoming `events`."""
    return {"association": data.association, "events": data.agenda.upcoming(now)}


def render(markdown: str, values: dict[str, Any], shown: Path,
           blocks: Path | None = None) -> str:
    """Fill a page's placeholders, `{% include %}` taking blocks from `blocks`; a mistake is
    a KitError naming the page (or the block) and the line."""
    try:
        return _environment(blocks).from_string(markdown).render(values)
    except jinja2.TemplateSyntaxError as exc:
        raise KitError([Problem(shown, exc.lineno, f"gabarit invalide : {exc.message}")]) from None
    except jinja2.TemplateNotFound as exc:
        raise KitError([Problem(shown, None, f"bloc introuvable : « {exc.name} » (attendu dans "
                                f"{BLOCKS}/ du dossier de données)")]) from None
    except (jinja2.UndefinedError, TypeError, ValueError) as exc:
        lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__)
                 if f.filename == _TEMPLATE]
        raise KitError([Problem(shown, lines[-1] if lines else None,
                                f"donnée inconnue dans la page : {exc}")]) from None



def agenda_ics(events: tuple[Event, ...], host: str, name: str) -> bytes:
    """The upcoming events as an iCalendar file, to add to a calendar application."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{name}//agenda//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{name} — agenda")
    stamp = datetime.now(UTC).replace(microsecond=0)
    for event in events:
        item = icalendar.Event()
        uid = hashlib.sha256(f"{event.title}|{event.start.isoformat()}".encode()).hexdigest()
        item.add("uid", f"{uid[:24]}@{host}")
        item.add("dtstamp", stamp)
        item.add("dtstart", event.start)  # local (floating) time: the events are in France
        item.add("dtend", event.end)
        item.add("summary", event.title)
        item.add("location", event.place)
        if event.description:
            item.add("description", event.description)
        calendar.add_component(item)
    ical: bytes = calendar.to_ical()
    return ical
