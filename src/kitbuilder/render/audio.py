"""The story as audio: one MP3 per part, with tags and chapters, and its WebVTT transcript.

A part is said piece by piece: the announcement, then each title and paragraph, each piece
synthesized alone so that its length is known (a recorded clip stands for a whole scene). Every
piece is kept in the cache under what makes it, so only what changed is said again. The pieces
are leveled, laid out with pauses, brought to -16 LUFS under a true-peak limiter, encoded by the
ffmpeg of imageio-ffmpeg through pydub (all in `sound`), and tagged with mutagen (ID3 chapters,
one per scene).
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import wave
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
from mutagen.id3 import CHAP, COMM, CTOC, ID3, TALB, TIT2, TIT3, TLAN, TPE1, TRCK, CTOCFlags

from kitbuilder.cache import Cache, digest
from kitbuilder.model import Block, Heading, Kit, ListBlock, Paragraph, StoryPart, TableBlock, plain
from kitbuilder.recordings import Recording, Recordings
from kitbuilder.render.speech import Engine, Voice, speakable
from kitbuilder.typography import typeset

# The samples themselves (numpy, scipy, pydub: most of a second to import) are handled by
# kitbuilder.render.sound, imported where sound is made: a rebuild with nothing changed
# never needs it.

VERSION = "1"
RATE = 22050  # Hz, mono: espeak-ng's and most Piper voices' own rate; plenty for speech
BITRATE = "64k"

# Silences, in seconds.
LEAD = 0.5  # before the announcement
AFTER_FIRST = 0.8  # after the announcement or a scene's title
BETWEEN_LINES = 0.5  # between paragraphs
BETWEEN_SECTIONS = 2.0  # between the opening and the first scene, and between scenes
TAIL = 1.5  # after the last scene

_ORDINALS = ("Première", "Deuxième", "Troisième", "Quatrième", "Cinquième", "Sixième",
             "Septième", "Huitième", "Neuvième", "Dixième")

Progress = Callable[[str], None]


# --- What a part says ----------------------------------------------------------------------------


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
                                         engine.voice(s)) for t, s in texts))

    opening = section(0, "Ouverture",
                      [(announcement(story.title, part.number, total, part.title), None),
                       *_texts(part.intro)])
    scenes = [section(n, scene.title, [(scene.title, None), *_texts(scene.blocks)])
              for n, scene in enumerate(part.scenes, 1)]
    return PartAudio(part.slug, part.number, total, typeset(f"{story.title} : {part.title}"),
                     kit.title, kit.publisher, engine.label, f"{engine.name} {engine.version}",
                     (opening, *scenes), _encoder())


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
        groups.setdefault(_voiced_by(part, section), []).append(number)
    return typeset(f"audio « {part.title} » — "
                   + " ; ".join(f"{who} : {_sections(numbers)}" for who, numbers in groups.items()))


def _sections(numbers: list[int]) -> str:
    """« ouverture, scènes 1, 3 et 4 »"""
    scenes = [str(n) for n in numbers if n]
    named = ["ouverture"] if 0 in numbers else []
    if scenes:
        listed = scenes[0] if len(scenes) == 1 else ", ".join(scenes[:-1]) + " et " + scenes[-1]
        named.append(("scène " if len(scenes) == 1 else "scènes ") + listed)
    return ", ".join(named)


def _voiced_by(part: PartAudio, section: Section) -> str:
    if section.recording:
        return f"enregistrement {section.recording.shown}"
    return f"synthèse {part.engine}"


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


# --- Rendering -----------------------------------------------------------------------------------


def mp3(part: PartAudio, out: Path, *, engine: Engine, store: Cache, progress: Progress) -> None:
    """The part's MP3: mono, leveled to -16 LUFS, one ID3 chapter per scene, tagged."""
    pieces = _pieces(part, engine, store, progress)
    timing = _timing(part, pieces)
    progress(typeset(f"audio « {part.title} » ({part.number}/{part.total}) : assemblage et "
                     f"encodage MP3 de {_duration(timing.total / RATE)}"))
    from kitbuilder.render import sound

    sound.encode(sound.assemble(part, pieces, timing), out)
    _tag(part, timing, out)


def vtt(part: PartAudio, out: Path, *, engine: Engine, store: Cache, progress: Progress) -> None:
    """The part's WebVTT transcript, timed like its MP3."""
    timing = _timing(part, _pieces(part, engine, store, progress))
    out.write_text(transcript(part, timing), encoding="utf-8")


def chapters(mp3_file: Path) -> tuple[float, ...]:
    """The start of each scene in an MP3 made by `mp3`, in seconds, read from its chapters."""
    frames = ID3(mp3_file).getall("CHAP")
    return tuple(f.start_time / 1000 for f in sorted(frames, key=lambda f: f.start_time))


# --- Pieces: each said once, then kept ------------------------------------------------------------


def _pieces(part: PartAudio, engine: Engine, store: Cache, progress: Progress) -> list[list[Path]]:
    """The WAV file of every piece of every section, saying only what is not in the cache."""
    out: list[list[Path]] = []
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        for number, section in enumerate(part.sections):
            makers = _makers(section, engine)
            missing = [m for m in makers if not store.path(m[0], m[1]).is_file()]
            if missing:
                where = "ouverture" if number == 0 else f"scène {number} sur {len(part.scenes)}"
                progress(typeset(f"audio « {part.title} » ({part.number}/{part.total}) : "
                                 f"{where}, {_voiced_by(part, section)}"))
            out.append([path for path, _ in pool.map(lambda m: store.get_or_make(*m), makers)])
    return out


Maker = tuple[str, str, Callable[[Path], None]]


def _makers(section: Section, engine: Engine) -> list[Maker]:
    """(cache key, file name, how to make it) for each piece of a section."""
    if section.recording:
        clip = section.recording
        return [(digest("recording", VERSION, RATE, clip.digest), "clip.wav",
                 _decoder(clip))]
    return [(digest("speech", VERSION, RATE, engine.name, engine.version, line.voice, line.said),
             "speech.wav", _synthesizer(engine, line)) for line in section.lines]


def _synthesizer(engine: Engine, line: Line) -> Callable[[Path], None]:
    def make(out: Path) -> None:
        raw = out.with_name("engine.wav")
        engine.synthesize(line.said, line.voice, raw)
        from kitbuilder.render import sound

        sound.store(sound.read_wav(raw), out)
    return make


def _decoder(clip: Recording) -> Callable[[Path], None]:
    def make(out: Path) -> None:
        from kitbuilder.render import sound

        sound.decode(clip, out)
    return make


def _frames(path: Path) -> int:
    with wave.open(str(path), "rb") as sound:
        return sound.getnframes()


# --- Timing: where each piece falls ---------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Where each piece of each section starts and ends, in samples, and the whole length."""

    spans: tuple[tuple[tuple[int, int], ...], ...]
    total: int

    def section(self, number: int) -> tuple[int, int]:
        """A section's start, and where the next one starts (or the end)."""
        end = self.spans[number + 1][0][0] if number + 1 < len(self.spans) else self.total
        return self.spans[number][0][0], end


def _timing(part: PartAudio, pieces: list[list[Path]]) -> Timing:
    at = _samples(LEAD)
    spans = []
    for number, files in enumerate(pieces):
        if number:
            at += _samples(BETWEEN_SECTIONS)
        section_spans = []
        for index, path in enumerate(files):
            if index:
                at += _samples(AFTER_FIRST if index == 1 else BETWEEN_LINES)
            length = _frames(path)
            section_spans.append((at, at + length))
            at += length
        spans.append(tuple(section_spans))
    return Timing(tuple(spans), at + _samples(TAIL))


def _samples(seconds: float) -> int:
    return round(seconds * RATE)


# --- Tags: what a player shows, and the chapters -------------------------------------------------


def _tag(part: PartAudio, timing: Timing, out: Path) -> None:
    """ID3v2.3 tags (read by more players than v2.4) with one chapter per scene."""
    tags = ID3()
    tags.add(TIT2(encoding=3, text=[part.title]))
    tags.add(TALB(encoding=3, text=[part.album]))
    tags.add(TPE1(encoding=3, text=[part.artist]))
    tags.add(TRCK(encoding=3, text=[f"{part.number}/{part.total}"]))
    tags.add(TLAN(encoding=3, text=["fra"]))
    voices = [typeset(f"{'Ouverture' if n == 0 else f'Scène {n}'} : {_voiced_by(part, s)}")
              for n, s in enumerate(part.sections)]
    tags.add(COMM(encoding=3, lang="fra", desc="Narration", text=["\n".join(voices)]))
    ids = [f"scene{n}" for n in range(1, len(part.sections))]
    tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                  child_element_ids=ids, sub_frames=[TIT2(encoding=3, text=[part.title])]))
    for number, (element, scene) in enumerate(zip(ids, part.scenes), 1):
        start, end = timing.section(number)
        tags.add(CHAP(element_id=element, start_time=_ms(start), end_time=_ms(end),
                      sub_frames=[TIT2(encoding=3, text=[scene.title]),
                                  TIT3(encoding=3, text=[voices[number]])]))
    tags.save(out, v2_version=3)


def _ms(samples: int) -> int:
    return round(samples * 1000 / RATE)


# --- The transcript ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cue:
    ident: str
    start: float  # seconds
    end: float
    text: str
    speaker: str | None = None


def cues(part: PartAudio, timing: Timing) -> list[Cue]:
    """One cue per title or paragraph, timed by its piece; in a recorded scene, by its share
    of the scene's text, as nothing says where each paragraph starts in the clip."""
    out = []
    for number, (section, spans) in enumerate(zip(part.sections, timing.spans)):
        if section.recording:
            (start, end), = spans
            weights = list(itertools.accumulate((len(line.text) for line in section.lines),
                                                initial=0))
            bounds = [start + (end - start) * weight / weights[-1] for weight in weights]
            spans = tuple(itertools.pairwise(bounds))
        out += [Cue(f"s{number}-{index}", a / RATE, b / RATE, line.text, line.speaker)
                for index, (line, (a, b)) in enumerate(zip(section.lines, spans), 1)]
    return out


def transcript(part: PartAudio, timing: Timing) -> str:
    """WebVTT: each cue with its identifier, times, and its speaker as a voice span."""
    lines = [f"WEBVTT - {_cue_text(part.title)}", ""]
    for cue in cues(part, timing):
        text = _cue_text(cue.text)
        if cue.speaker:
            text = f"<v {_cue_text(cue.speaker)}>{text}"
        lines += [cue.ident, f"{_clock(cue.start)} --> {_clock(cue.end)}", text, ""]
    return "\n".join(lines)


_CUE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _cue_text(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text).replace("-->", "→").translate(_CUE_ESCAPES)


def _clock(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    return f"{hours:02d}:{minutes:02d}:{millis // 1000:02d}.{millis % 1000:03d}"


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"
