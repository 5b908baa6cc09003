"""The edition's sources, for `sources`: phases, glossary (and its tool), the contacts.

Kept apart from `sources` so that each stays short; `sources.load_kit` calls `edition` and
`check_phases` and reports their problems with the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kitbuilder.errors import KitError, Problem
from kitbuilder.model import (
    Block,
    Contacts,
    Document,
    Edition,
    Glossary,
    GlossarySection,
    GlossaryTerm,
    Heading,
    Manifest,
    Paragraph,
    Phase,
    Sheet,
    Span,
    SummaryTable,
    TableBlock,
)
from kitbuilder.site.data import Association
from kitbuilder.source_rules import read_yaml
from kitbuilder.yamlsource import Loc, validate

# White text is printed on a phase's colour (banners, table chips): WCAG AA for normal text.
MIN_CONTRAST = 4.5
Shown = Callable[[Path], Path]


def contrast_with_white(colour: str) -> float:
    """The WCAG contrast ratio of white text on `colour` (« #rrggbb »)."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def check_manifest_phases(manifest: Manifest, lines: dict[Loc, int], shown: Path
                          ) -> list[Problem]:
    """Each phase once, each colour dark enough to carry white text."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, phase in enumerate(manifest.phases):
        if phase.id in seen:
            problems.append(Problem(shown, lines.get(("phases", i, "id")),
                                    f"phase « {phase.id} » en double"))
        seen.add(phase.id)
        ratio = contrast_with_white(phase.colour)
        if ratio < MIN_CONTRAST:
            problems.append(Problem(
                shown, lines.get(("phases", i, "colour")),
                f"phase « {phase.id} » : la couleur {phase.colour} est trop claire pour un "
                f"texte blanc (contraste {_decimal(ratio)}:1, il faut au moins "
                f"{_decimal(MIN_CONTRAST)}:1) ; choisissez une couleur plus foncée"))
    return problems


def _decimal(number: float) -> str:
    return f"{number:.1f}".replace(".", ",")


def check_phases(phases: Sequence[Phase], table: SummaryTable | None, table_file: Path,
                 sheets: Sequence[tuple[Sheet | None, Path]], shown: Shown) -> list[Problem]:
    """Every phase a step or a sheet names is one of the manifest's."""
    known = {p.id for p in phases}
    wanted = ", ".join(p.id for p in phases) or "aucune phase n'est déclarée dans kit.yml"

    def unknown(key: str | None, path: Path, loc: Loc) -> list[Problem]:
        if key is None or key in known:
            return []
        # Read again for the line: only on this error path.
        _, lines = read_yaml(path, shown(path))
        return [Problem(shown(path), lines.get(loc),
                        f"phase inconnue « {key} » : écrivez l'une de : {wanted}")]

    problems: list[Problem] = []
    if table is not None:
        for i, step in enumerate(table.steps):
            problems += unknown(step.phase, table_file, ("steps", i, "phase"))
    for sheet, path in sheets:
        if sheet is not None:
            problems += unknown(sheet.phase, path, ("phase",))
    return problems


def edition(manifest: Manifest, kit_dir: Path, manifest_lines: dict[Loc, int],
            manifest_shown: Path, shown: Shown) -> tuple[Edition, Glossary | None]:
    """The edition's data (the manifest's, the glossary's acronyms, the association's
    contacts) and the glossary itself, for the toolbox when `documents` lists it."""
    problems: list[Problem] = []

    def named(key: str, rel: str) -> Path | None:
        path = kit_dir / rel
        if path.is_file():
            return path
        problems.append(Problem(manifest_shown, manifest_lines.get((key,)),
                                f"fichier introuvable : {shown(path)}"))
        return None

    glossary = None
    contacts = None
    try:
        if manifest.glossary and (path := named("glossary", manifest.glossary)):
            glossary = _glossary(path, shown(path))
        if manifest.association and (path := named("association", manifest.association)):
            contacts = _contacts(path, shown(path))
    except KitError as exc:
        problems += exc.problems
    if problems:
        raise KitError(problems)
    acronyms = sorted(((t.term, t.stands_for) for section in (glossary.sections if glossary
                                                               else ()) for t in section.terms
                       if t.stands_for.strip()), key=lambda pair: pair[0].casefold())
    return Edition(audience=manifest.audience, published=manifest.edition,
                   licence=manifest.licence, credits=manifest.credits, contacts=contacts,
                   glossary=tuple(acronyms)), glossary


def _glossary(path: Path, shown: Path) -> Glossary:
    """The glossary: sections of terms, or (the short form) one acronym a line,
    `IDEC: Infirmier ou infirmière...`."""
    data, lines = read_yaml(path, shown)
    if not (isinstance(data, dict) and "sections" in data):
        entries: dict[str, str] = validate(dict[str, str], data, lines, shown)
        blank = [Problem(shown, lines.get((key,)), "sigle vide : écrivez le sigle avant « : »")
                 for key, value in entries.items() if not key.strip()]
        blank += [Problem(shown, lines.get((key,)), f"« {key} » : écrivez ce que le sigle "
                                                    "veut dire")
                  for key, value in entries.items() if key.strip() and not value.strip()]
        if blank:
            raise KitError(blank)
        return Glossary((GlossarySection("Sigles", tuple(
            GlossaryTerm(key, value) for key, value in entries.items())),))
    glossary: Glossary = validate(Glossary, data, lines, shown)
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, section in enumerate(glossary.sections):
        for j, term in enumerate(section.terms):
            line = lines.get(("sections", i, "terms", j, "term"))
            if not term.stands_for.strip() and not term.meaning.strip():
                problems.append(Problem(shown, line, f"« {term.term} » : écrivez ce que le "
                                        "sigle veut dire (stands_for) ou ce que le mot "
                                        "désigne (meaning)"))
            if term.term.casefold() in seen:
                problems.append(Problem(shown, line, f"« {term.term} » est déjà dans le "
                                        "glossaire : gardez une seule définition"))
            seen.add(term.term.casefold())
    if problems:
        raise KitError(problems)
    return glossary


TERM_COLUMNS = ("Terme", "Ce qu'il désigne")


def glossary_document(glossary: Glossary, slug: str) -> Document:
    """The glossary as a toolbox document: its intro, then a table of terms per section."""
    blocks: list[Block] = [Paragraph((Span(glossary.intro),))] if glossary.intro else []
    for section in glossary.sections:
        blocks.append(Heading(1, section.title))
        rows = tuple(((Span(t.term, strong=True),), _definition(t)) for t in section.terms)
        blocks.append(TableBlock(tuple((Span(c),) for c in TERM_COLUMNS), rows))
    return Document(slug, glossary.title, tuple(blocks))


def _definition(term: GlossaryTerm) -> tuple[Span, ...]:
    """« Comité social et économique : l'instance qui... », or either part alone."""
    if term.stands_for and term.meaning:
        return (Span(f"{term.stands_for} : {term.meaning}"),)
    return (Span(term.stands_for or term.meaning),)


def _contacts(path: Path, shown: Path) -> Contacts:
    data, lines = read_yaml(path, shown)
    found: Any = validate(Association, data, lines, shown)
    contact = found.contact
    return Contacts(name=found.name, motto=found.motto, phone=contact.phone,
                    email=contact.email, address=contact.address, hours=contact.hours)
