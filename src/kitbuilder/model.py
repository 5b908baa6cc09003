"""The kit as plain, immutable data: what every renderer reads. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from annotated_types import Ge, Le, MinLen
from pydantic import Discriminator, StringConstraints

# Constraints are annotations so that the loader can check them; they are inert elsewhere.
Text = Annotated[str, MinLen(1)]
# `extra: forbid` turns an unknown key in a YAML source into an error instead of silence.
_STRICT = {"extra": "forbid"}
_COLOUR = r"^#[0-9a-fA-F]{6}$"
_KEY = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# A colour as CSS and Word write it: « #1f4e5f ».
Colour = Annotated[str, StringConstraints(pattern=_COLOUR)]
# A name the sources refer to something by (a phase): lowercase letters, digits, hyphens.
Key = Annotated[str, StringConstraints(pattern=_KEY)]
# What the loader tells an editor whose text does not match one of these patterns.
PATTERN_HINTS = {
    _COLOUR: "couleur attendue sous la forme « \"#1f4e5f\" » (entre guillemets)",
    _KEY: "nom attendu en minuscules sans accents, chiffres et tirets (« preparer »)",
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
    __pydantic_config__ = _STRICT
    title: Text
    aim: Text
    who: Text
    when: Text
    tools: Text
    output: Text
    phase: Key | None = None  # one of the manifest's phases (issue 11)


@dataclass(frozen=True)
class SummaryTable:
    __pydantic_config__ = _STRICT
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

    __pydantic_config__ = _STRICT
    kind: Literal["lines"]
    label: Text
    lines: Annotated[int, Ge(1), Le(30)] = 3


@dataclass(frozen=True)
class BoxField:
    """An empty framed box; `height` is its least height in centimetres: it grows with the
    page's free space."""

    __pydantic_config__ = _STRICT
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

    __pydantic_config__ = _STRICT
    kind: Literal["table"]
    label: Text
    columns: Annotated[tuple[Text, ...], MinLen(1)]
    rows: Annotated[int, Ge(0), Le(40)] = 5
    items: tuple[Text, ...] = ()


@dataclass(frozen=True)
class ChecklistField:
    """Boxes to tick."""

    __pydantic_config__ = _STRICT
    kind: Literal["checklist"]
    label: Text
    items: Annotated[tuple[Text, ...], MinLen(1)]


# The `kind` key says which of these a field is; the loader reports an unknown kind by name.
SheetField = Annotated[LinesField | BoxField | TableField | ChecklistField, Discriminator("kind")]
FIELD_KINDS = ("lines", "box", "table", "checklist")


@dataclass(frozen=True)
class SheetInfo:
    """The box under a sheet's title: when it is used, with whom, how long, what to have."""

    __pydantic_config__ = _STRICT
    when: Text  # the step of the approach, « Séance 1 – Poser le cadre »
    who: Text
    duration: Text
    materials: tuple[Text, ...] = ()  # what to have at hand


# The info box's rows, in order: (field, French label).
INFO_ROWS = (("when", "Quand"), ("who", "Avec qui"), ("duration", "Durée"),
             ("materials", "À prévoir"))


@dataclass(frozen=True)
class Sheet:
    __pydantic_config__ = _STRICT
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


# --- The manifest and the whole kit ---------------------------------------------------------


@dataclass(frozen=True)
class StoryManifest:
    __pydantic_config__ = _STRICT
    title: Text
    parts: Annotated[tuple[Text, ...], MinLen(1)]


@dataclass(frozen=True)
class Phase:
    """A phase of the approach: the colour and label the table, sheets and pages show."""

    __pydantic_config__ = _STRICT
    id: Key
    label: Text
    colour: Colour  # white text is printed on it: the loader checks the contrast


@dataclass(frozen=True)
class Licence:
    __pydantic_config__ = _STRICT
    name: Text
    href: str = ""


@dataclass(frozen=True)
class Contacts:
    """How to reach the association, as the kit's last page gives it."""

    name: str
    motto: str
    phone: str
    email: str
    address: str
    hours: str


@dataclass(frozen=True)
class Manifest:
    """`kit.yml`: what the kit is called and which files make it."""

    __pydantic_config__ = _STRICT
    title: Text
    publisher: Text
    bundle: Text
    guide: Text
    table: Text
    sheets: Annotated[tuple[Text, ...], MinLen(1)]
    story: StoryManifest
    subtitle: str = ""
    lexicon: str | None = None
    # The landing page's text for a director, in Markdown (`##` sections, lists, links).
    intro: str = ""
    # Toolbox documents in Markdown (`outils/*.md`), shown after the sheets.
    documents: tuple[Text, ...] = ()
    voices: str | None = None  # the voices file: who speaks with which voice (issue 13)
    # The edition (issue 11): what covers and the credits page say.
    audience: str = ""  # for whom the kit is, a sentence or two
    edition: date | None = None
    licence: Licence | None = None
    credits: tuple[Text, ...] = ()
    phases: tuple[Phase, ...] = ()
    glossary: str | None = None  # a YAML file: acronym -> what it stands for
    association: str | None = None  # the association's data file (contacts), from kit/


@dataclass(frozen=True)
class Cast:
    """Which voice says the narration and which says each character (`voix.yml`)."""

    narrator: str | None = None  # a voice of kitbuilder.voices.PALETTE; None: the engine's
    characters: tuple[tuple[str, str], ...] = ()  # (name as in the dialogue, voice)

    def voice_of(self, speaker: str | None) -> str | None:
        """The voice of a speaker; the narrator's for the narration and anyone unlisted."""
        if speaker:
            wanted = " ".join(speaker.split())
            for name, voice in self.characters:
                if " ".join(name.split()) == wanted:
                    return voice
        return self.narrator


@dataclass(frozen=True)
class Imprint:
    """What every document of the kit carries in its header."""

    title: str
    publisher: str


@dataclass(frozen=True)
class Edition:
    """The publication's front and back matter: covers, « Le kit en bref », credits page."""

    audience: str = ""
    published: date | None = None  # the edition's date
    licence: Licence | None = None
    credits: tuple[str, ...] = ()
    contacts: Contacts | None = None
    glossary: tuple[tuple[str, str], ...] = ()  # (acronym, what it stands for), sorted


@dataclass(frozen=True)
class Kit:
    title: str
    subtitle: str
    publisher: str
    bundle: str
    guide: Guide
    table: SummaryTable
    sheets: tuple[Sheet, ...]
    story: Story
    lexicon: tuple[tuple[str, str], ...] = ()  # written form -> how synthesis should say it
    intro: tuple[Block, ...] = ()  # the landing page's text, from `kit.yml`
    documents: tuple[Document, ...] = ()
    cast: Cast = Cast()  # the voices of the narration and of the characters
    phases: tuple[Phase, ...] = ()
    edition: Edition = Edition()

    @property
    def imprint(self) -> Imprint:
        return Imprint(self.title, self.publisher)

    def phase(self, key: str | None) -> Phase | None:
        """The phase a step or sheet names (the loader checked that it exists)."""
        return next((p for p in self.phases if p.id == key), None)
