"""The association's data (contacts, team, agenda): read once, checked, used by every page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, TypeVar

from kitbuilder.errors import KitError, Problem
from kitbuilder.model import Text
from kitbuilder.typography import typeset_all
from kitbuilder.yamlsource import Loc, read_yaml, validate

T = TypeVar("T")

_STRICT = {"extra": "forbid"}


@dataclass(frozen=True)
class Contact:
    __pydantic_config__ = _STRICT
    phone: Text
    email: Text
    hours: Text
    address: Text
    access: str = ""
    reply: Text = "à préciser"  # how soon the coordination calls or writes back

    @property
    def tel(self) -> str:
        """The phone number as a tel: link's target: « 01 00 00 00 00 » gives « 0100000000 »."""
        return "".join(c for c in self.phone if c.isdigit() or c == "+")


@dataclass(frozen=True)
class Step:
    """One step of the path offered, with what it costs (« à préciser » until known)."""

    __pydantic_config__ = _STRICT
    name: Text
    when: Text
    cost: Text = "à préciser"


@dataclass(frozen=True)
class Interview:
    """How an interview goes: its length, where, whether by phone or video."""

    __pydantic_config__ = _STRICT
    duration: Text = "à préciser"
    place: Text = "à préciser"
    remote: Text = "à préciser"


@dataclass(frozen=True)
class Host:
    """The web host, as the legal notice must name it."""

    __pydantic_config__ = _STRICT
    name: Text
    address: Text
    phone: Text


@dataclass(frozen=True)
class Retention:
    """How long the privacy policy says things are kept."""

    __pydantic_config__ = _STRICT
    logs: Text = "à préciser"
    messages: Text = "à préciser"


@dataclass(frozen=True)
class Member:
    __pydantic_config__ = _STRICT
    name: Text
    discipline: Text


@dataclass(frozen=True)
class Partner:
    __pydantic_config__ = _STRICT
    name: Text
    description: str = ""


@dataclass(frozen=True)
class Association:
    __pydantic_config__ = _STRICT
    name: Text
    motto: Text
    contact: Contact
    publisher: Text  # « directeur de la publication », for the legal notice
    host: Host  # the web host, for the legal notice
    steps: tuple[Step, ...] = ()
    interview: Interview = Interview()
    retention: Retention = Retention()
    team: tuple[Member, ...] = ()
    partners: tuple[Partner, ...] = ()


@dataclass(frozen=True)
class Event:
    __pydantic_config__ = _STRICT
    title: Text
    kind: Literal["groupe", "atelier"]
    start: datetime
    end: datetime
    place: Text
    description: str = ""


@dataclass(frozen=True)
class Agenda:
    __pydantic_config__ = _STRICT
    events: tuple[Event, ...] = ()

    def upcoming(self, now: datetime) -> tuple[Event, ...]:
        """Events not yet over, soonest first: past dates are hidden from the site."""
        return tuple(sorted((e for e in self.events if e.end >= now), key=lambda e: e.start))


@dataclass(frozen=True)
class SiteData:
    association: Association
    agenda: Agenda


def load_site_data(folder: Path, root: Path) -> SiteData:
    """Read `association.yml` and `agenda.yml` from folder; raise KitError with every problem
    found, naming files relative to root."""
    problems: list[Problem] = []

    def load(name: str, cls: type[T]) -> tuple[T, dict[Loc, int], Path] | None:
        path = folder / name
        shown = path.resolve().relative_to(root.resolve())
        try:
            if not path.is_file():
                raise KitError([Problem(shown, None, "fichier de données introuvable")])
            data, lines = read_yaml(path, shown)
            return validate(cls, data, lines, shown), lines, shown
        except KitError as exc:
            problems.extend(exc.problems)
            return None

    found_association = load("association.yml", Association)
    found_agenda = load("agenda.yml", Agenda)
    if found_association is None or found_agenda is None:
        raise KitError(problems)
    association, agenda, (_, lines, shown) = found_association[0], found_agenda[0], found_agenda
    problems = [Problem(shown, lines.get(("events", i, "end")),
                        f"« {event.title} » : la fin ({event.end:%Y-%m-%d %H:%M}) est avant "
                        f"le début ({event.start:%Y-%m-%d %H:%M})")
                for i, event in enumerate(agenda.events) if event.end < event.start]
    if problems:
        raise KitError(problems)
    return SiteData(typeset_all(association), typeset_all(agenda))
