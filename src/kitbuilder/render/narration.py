"""What a part of the story says: its opening and scenes, line by line, and who says each.

The plan of a part (`PartAudio`) is all its audio depends on: the build's cache key is made
from it, and the sound, the timing, the transcript and the tags are functions of it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import imageio_ffmpeg

from kitbuilder.model import Block, Heading, Kit, ListBlock, Paragraph, StoryPart, TableBlock, plain
from kitbuilder.recordings import Recording, Recordings
from kitbuilder.render.speech import Engine, Voice, speakable
from kitbuilder.typography import typeset

RATE = 22050  # Hz, mono: espeak-ng's and most Piper voices' own rate; plenty for speech
BITRATE = "64k"

_ORDINALS = ("Première", "Deuxième", "Troisième", "Quatrième", "Cinquième", "Sixième",
             "Septième", "Huitième", "Neuvième", "Dixième")


@dataclass(frozen=True)
class Line:
    """A title or paragraph: one cue of the transcript and, when synthesized, one piece."""

    text: str  # as the transcript shows it
    speaker: str | None = None
    said: str = ""  # as the engine is asked to say it; empty when a recording says it
    voice: Voice | None = None


@dataclass(frozen=True)
class Section:
    """The opening (announcement and introduction) or one scene."""

    title: str
    lines: tuple[Line, ...]
    recording: Recording | None = None


@dataclass(frozen=True)
class PartAudio:
    """Everything the audio of one part depends on: its cache key is made from it."""

    slug: str
    number: int
    total: int
    title: str  # the track's title
    album: str
    artist: str
    engine: str  # as the log and the tags name it
    engine_id: str  # name and exact version: what was said changes when it does
    sections: tuple[Section, ...]  # the opening, then the scenes
    encoder: str = ""  # the ffmpeg that encodes it: another one, another MP3
    fallback: str = ""  # why a fallback engine speaks instead of the default one
    licence: str = ""  # the engine's licence, as the credits say it

    @property
    def scenes(self) -> tuple[Section, ...]:
        return self.sections[1:]


def part_audio(kit: Kit, part: StoryPart, engine: Engine, recordings: Recordings) -> PartAudio:
    """What the audio of one part says, and which voice or clip says each scene."""
    story, total = kit.story, len(kit.story.parts)

    def section(number: int, title: str, texts: list[tuple[str, str | None]]) -> Section:
        recording = recordings.get((part.slug, number))
        if recording:
            return Section(title, tuple(Line(t, s) for t, s in texts), recording)
        return Section(title, tuple(Line(t, s, speakable(_sentence(t), kit.lexicon),
                                         engine.voice(s, kit.cast.voice_of(s)))
                                    for t, s in texts))

    opening = section(0, "Ouverture",
                      [(announcement(story.title, part.number, total, part.title), None),
                       *_texts(part.intro)])
    scenes = [section(n, scene.title, [(scene.title, None), *_texts(scene.blocks)])
              for n, scene in enumerate(part.scenes, 1)]
    return PartAudio(part.slug, part.number, total, typeset(f"{story.title} : {part.title}"),
                     kit.title, kit.publisher, engine.label, f"{engine.name} {engine.version}",
                     (opening, *scenes), _encoder(), engine.fallback,
                     engine.licence)


@functools.cache
def _encoder() -> str:
    return f"ffmpeg {imageio_ffmpeg.get_ffmpeg_version()} libmp3lame {BITRATE}"


def announcement(story: str, number: int, total: int, title: str) -> str:
    """« 24 h en Ehpad. Première partie : le matin. »"""
    if total == 1:
        return typeset(f"{story}. {title}.")
    if len(title) > 1 and not title[1].isupper():  # « le matin », but « IDEC » stays
        title = title[0].lower() + title[1:]
    rank = f"{_ORDINALS[number - 1]} partie" if number <= len(_ORDINALS) else f"Partie {number}"
    return typeset(f"{story}. {rank} : {title}.")


def narration(part: PartAudio) -> str:
    """Which engine or clip voiced each scene, in one line for the build log."""
    groups: dict[str, list[int]] = {}
    for number, section in enumerate(part.sections):
        groups.setdefault(voiced_by(part, section), []).append(number)
    return typeset(f"audio « {part.title} » — "
                   + " ; ".join(f"{who} : {_sections(numbers)}" for who, numbers in groups.items())
                   + (f" ({part.fallback})" if part.fallback else ""))


def _sections(numbers: list[int]) -> str:
    """« ouverture, scènes 1, 3 et 4 »"""
    scenes = [str(n) for n in numbers if n]
    named = ["ouverture"] if 0 in numbers else []
    if scenes:
        listed = scenes[0] if len(scenes) == 1 else ", ".join(scenes[:-1]) + " et " + scenes[-1]
        named.append(("scène " if len(scenes) == 1 else "scènes ") + listed)
    return ", ".join(named)


def voiced_by(part: PartAudio, section: Section) -> str:
    """« enregistrement audio/matin/2.wav » or « voix de synthèse Kokoro-82M »."""
    if section.recording:
        return f"enregistrement {section.recording.shown}"
    return f"voix de synthèse {part.engine}"


def how_voiced(part: PartAudio) -> tuple[str, ...]:
    """For each section, what a listener is told of its voice, in French: « voix de
    synthèse » or « enregistrement »."""
    return tuple("enregistrement" if section.recording else "voix de synthèse"
                 for section in part.sections)


def credit(part: PartAudio) -> str:
    """Who says the part, for its page and tags: the engine and its licence, and why a
    fallback speaks if one does; empty when every scene is recorded."""
    if all(section.recording for section in part.sections):
        return ""
    said = f"Narration : voix de synthèse {part.engine}" + (
        f", {part.licence}" if part.licence else "")
    return typeset(said + (f" ; {part.fallback}." if part.fallback else "."))


def _texts(blocks: tuple[Block, ...]) -> list[tuple[str, str | None]]:
    """The (text, speaker) of every paragraph, list item and table row, in reading order."""
    out: list[tuple[str, str | None]] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            out.append((plain(block.spans), block.speaker))
        elif isinstance(block, ListBlock):
            out += [(plain(item), None) for item in block.items]
        elif isinstance(block, TableBlock):
            out += [(", ".join(plain(cell) for cell in row), None)
                    for row in (block.header, *block.rows)]
        elif isinstance(block, Heading):
            out.append((block.text, None))
    return [(" ".join(text.split("\n")).strip(), speaker) for text, speaker in out
            if text.strip()]


def _sentence(text: str) -> str:
    """A title said as a sentence, so that the voice falls at its end."""
    return text if text.rstrip()[-1:] in ".!?…»" else text.rstrip() + "."
