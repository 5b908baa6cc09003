"""Where each piece of a part falls in time, and the part's WebVTT transcript from it."""

from __future__ import annotations

import itertools
import re
import wave
from dataclasses import dataclass
from pathlib import Path

from kitbuilder.render.narration import RATE, PartAudio

# Silences, in seconds.
LEAD = 0.5  # before the announcement
AFTER_FIRST = 0.8  # after the announcement or a scene's title
BETWEEN_LINES = 0.5  # between paragraphs
BETWEEN_SECTIONS = 2.0  # between the opening and the first scene, and between scenes
TAIL = 1.5  # after the last scene


@dataclass(frozen=True)
class Timing:
    """Where each piece of each section starts and ends, in samples, and the whole length."""

    spans: tuple[tuple[tuple[int, int], ...], ...]
    total: int

    def section(self, number: int) -> tuple[int, int]:
        """A section's start, and where the next one starts (or the end)."""
        end = self.spans[number + 1][0][0] if number + 1 < len(self.spans) else self.total
        return self.spans[number][0][0], end


def lay_out(part: PartAudio, pieces: list[list[Path]]) -> Timing:
    at = samples(LEAD)
    spans = []
    for number, files in enumerate(pieces):
        if number:
            at += samples(BETWEEN_SECTIONS)
        section_spans = []
        for index, path in enumerate(files):
            if index:
                at += samples(AFTER_FIRST if index == 1 else BETWEEN_LINES)
            length = _frames(path)
            section_spans.append((at, at + length))
            at += length
        spans.append(tuple(section_spans))
    return Timing(tuple(spans), at + samples(TAIL))


def samples(seconds: float) -> int:
    return round(seconds * RATE)


def _frames(path: Path) -> int:
    with wave.open(str(path), "rb") as sound:
        return sound.getnframes()


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
    for number, (section, pieces) in enumerate(zip(part.sections, timing.spans)):
        spans: tuple[tuple[float, float], ...] = pieces
        if section.recording:
            (start, end), = pieces
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


def duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"
