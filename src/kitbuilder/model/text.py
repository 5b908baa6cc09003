"""Constraints every part of the model shares, and rich text parsed from Markdown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from annotated_types import MinLen
from pydantic import StringConstraints

# Constraints are annotations so that the loader can check them; they are inert elsewhere.
Text = Annotated[str, MinLen(1)]
# `extra: forbid` turns an unknown key in a YAML source into an error instead of silence.
STRICT = {"extra": "forbid"}
COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"
KEY_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# A colour as CSS and Word write it: « #1f4e5f ».
Colour = Annotated[str, StringConstraints(pattern=COLOUR_PATTERN)]
# A name the sources refer to something by (a phase): lowercase letters, digits, hyphens.
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
# What the loader tells an editor whose text does not match one of these patterns.
PATTERN_HINTS = {
    COLOUR_PATTERN: "couleur attendue sous la forme « \"#1f4e5f\" » (entre guillemets)",
    KEY_PATTERN: "nom attendu en minuscules sans accents, chiffres et tirets (« preparer »)",
}


# --- Rich text, parsed from Markdown -------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A run of text with its inline formatting."""

    text: str
    strong: bool = False
    em: bool = False
    code: bool = False
    href: str | None = None


Inline = tuple[Span, ...]


@dataclass(frozen=True)
class Heading:
    level: int  # 1 = the document's sections (`##` in the source), 2 = sub-sections
    text: str


@dataclass(frozen=True)
class Paragraph:
    spans: Inline
    speaker: str | None = None  # set for a dialogue line written `**Name** : ...`


@dataclass(frozen=True)
class ListBlock:
    items: tuple[Inline, ...]
    ordered: bool = False


@dataclass(frozen=True)
class TableBlock:
    header: tuple[Inline, ...]
    rows: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True)
class Aside:
    """A framed box in the guide or a document (`> **Title**` in the source)."""

    title: str
    blocks: tuple[Block, ...]  # paragraphs, lists and tables; no heading, no other box


Block = Heading | Paragraph | ListBlock | TableBlock | Aside


def plain(spans: Inline) -> str:
    """The text of some spans without formatting."""
    return "".join(s.text for s in spans)


