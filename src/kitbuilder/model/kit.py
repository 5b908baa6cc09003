"""The kit's manifest, its edition and cast, and the whole kit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from annotated_types import MinLen

from kitbuilder.model.documents import Document, Guide, Sheet, Story, SummaryTable
from kitbuilder.model.text import STRICT, Block, Colour, Key, Text

# --- The manifest and the whole kit ---------------------------------------------------------


@dataclass(frozen=True)
class StoryManifest:
    __pydantic_config__ = STRICT
    title: Text
    parts: Annotated[tuple[Text, ...], MinLen(1)]


@dataclass(frozen=True)
class Phase:
    """A phase of the approach: the colour and label the table, sheets and pages show."""

    __pydantic_config__ = STRICT
    id: Key
    label: Text
    colour: Colour  # white text is printed on it: the loader checks the contrast


@dataclass(frozen=True)
class Licence:
    __pydantic_config__ = STRICT
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

    __pydantic_config__ = STRICT
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
    # The glossary (YAML): the last page's acronyms and, listed under `documents`, a tool.
    glossary: str | None = None
    association: str | None = None  # the association's data file (contacts), from kit/


@dataclass(frozen=True)
class GlossaryTerm:
    """A word of the glossary: what an acronym stands for, what a word means, or both."""

    __pydantic_config__ = STRICT
    term: Text
    stands_for: str = ""  # an acronym's words: the last page lists the terms that have them
    meaning: str = ""


@dataclass(frozen=True)
class GlossarySection:
    __pydantic_config__ = STRICT
    title: Text
    terms: Annotated[tuple[GlossaryTerm, ...], MinLen(1)]


@dataclass(frozen=True)
class Glossary:
    """`glossaire.yml`, the one source of the kit's glossary."""

    __pydantic_config__ = STRICT
    sections: Annotated[tuple[GlossarySection, ...], MinLen(1)]
    title: Text = "Glossaire"
    intro: str = ""


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
