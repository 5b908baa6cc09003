"""The kit's documents: the guide and other documents, the summary table, the sheets, the story."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from annotated_types import Ge, Le, MinLen
from pydantic import Discriminator

from kitbuilder.model.text import STRICT, Block, Inline, Key, Text

# --- The guide ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Guide:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    """A toolbox document written in Markdown like the guide: a session script, a glossary..."""

    slug: str  # from the file name
    title: str
    blocks: tuple[Block, ...]


# --- The summary table ----------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    __pydantic_config__ = STRICT
    title: Text
    aim: Text
    who: Text
    when: Text
    tools: Text
    output: Text
    phase: Key | None = None  # one of the manifest's phases (issue 11)


@dataclass(frozen=True)
class SummaryTable:
    __pydantic_config__ = STRICT
    title: Text
    steps: Annotated[tuple[Step, ...], MinLen(1)]
    intro: str = ""


# Column headings of the summary table, in the order of Step's fields after the title.
STEP_COLUMNS = (
    ("aim", "Objectif"),
    ("who", "Qui"),
    ("when", "Quand et combien de temps"),
    ("tools", "Outils"),
    ("output", "Ce qui en sort"),
)


# --- Discussion sheets ----------------------------------------------------------------------


@dataclass(frozen=True)
class LinesField:
    """Ruled lines to write on: `lines` rules, each at least 8 mm below the one above (more when
    the page has room to share)."""

    __pydantic_config__ = STRICT
    kind: Literal["lines"]
    label: Text
    lines: Annotated[int, Ge(1), Le(30)] = 3


@dataclass(frozen=True)
class BoxField:
    """An empty framed box; `height` is its least height in centimetres: it grows with the
    page's free space."""

    __pydantic_config__ = STRICT
    kind: Literal["box"]
    label: Text
    height: Annotated[float, Ge(1), Le(25)] = 4


@dataclass(frozen=True)
class TableField:
    """A table with headed columns and `rows` empty rows to fill in, each at least 8 mm high
    (more when the page has room to share).

    With `items`, the table starts with one row per item, the item written in its first
    column (questions to rate, roles to count); `rows` empty rows follow (0 for none).
    """

    __pydantic_config__ = STRICT
    kind: Literal["table"]
    label: Text
    columns: Annotated[tuple[Text, ...], MinLen(1)]
    rows: Annotated[int, Ge(0), Le(40)] = 5
    items: tuple[Text, ...] = ()


@dataclass(frozen=True)
class ChecklistField:
    """Boxes to tick."""

    __pydantic_config__ = STRICT
    kind: Literal["checklist"]
    label: Text
    items: Annotated[tuple[Text, ...], MinLen(1)]


# The `kind` key says which of these a field is; the loader reports an unknown kind by name.
SheetField = Annotated[LinesField | BoxField | TableField | ChecklistField, Discriminator("kind")]
FIELD_KINDS = ("lines", "box", "table", "checklist")


@dataclass(frozen=True)
class SheetInfo:
    """The box under a sheet's title: when it is used, with whom, how long, what to have."""

    __pydantic_config__ = STRICT
    when: Text  # the step of the approach, « Séance 1 – Poser le cadre »
    who: Text
    duration: Text
    materials: tuple[Text, ...] = ()  # what to have at hand

    def rows(self) -> list[tuple[str, Text | tuple[Text, ...]]]:
        """The info box's rows, in order: (French label, value), as every format shows them."""
        return [(label, getattr(self, name)) for name, label in INFO_ROWS]


# The info box's rows, in order: (field, French label).
INFO_ROWS = (("when", "Quand"), ("who", "Avec qui"), ("duration", "Durée"),
             ("materials", "À prévoir"))


@dataclass(frozen=True)
class Sheet:
    __pydantic_config__ = STRICT
    slug: str  # from the file name, not from the YAML
    title: Text
    purpose: Text
    fields: Annotated[tuple[SheetField, ...], MinLen(1)]
    instructions: tuple[Text, ...] = ()
    pages: Annotated[int, Ge(1), Le(10)] = 1  # printed A4 pages the sheet may take
    landscape: bool = False  # printed on A4 turned sideways, for a wide table
    phase: Key | None = None  # one of the manifest's phases (issue 11)
    info: SheetInfo | None = None


# --- The story ------------------------------------------------------------------------------


SCENE_QUESTIONS = "Pour en parler"  # the heading of a scene's own questions, as written


@dataclass(frozen=True)
class Scene:
    title: str
    blocks: tuple[Block, ...]
    # « ### Pour en parler »: questions for a group that works on this scene alone. Shown on
    # the page and in the Word files, never said by the narration.
    questions: tuple[Inline, ...] = ()


@dataclass(frozen=True)
class StoryPart:
    slug: str
    number: int
    title: str
    intro: tuple[Block, ...]
    scenes: tuple[Scene, ...]
    questions: tuple[Inline, ...]


@dataclass(frozen=True)
class Story:
    title: str
    parts: tuple[StoryPart, ...]


