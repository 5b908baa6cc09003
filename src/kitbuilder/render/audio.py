"""The story as audio: one MP3 per part, with tags and chapters, and its WebVTT transcript.

A part is said piece by piece: the announcement, then each title and paragraph, each piece
synthesized alone so that its length is known (a recorded clip stands for a whole scene). Every
piece is kept in the cache under what makes it, so only what changed is said again. The pieces
are leveled, laid out with pauses, brought to -16 LUFS under a true-peak limiter, encoded by the
ffmpeg of imageio-ffmpeg through pydub, and tagged with mutagen (ID3 chapters, one per scene).
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import re
import subprocess
import tempfile
import warnings
import wave
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import mutagen
import numpy as np
import pyloudnorm
from mutagen.id3 import CHAP, COMM, CTOC, ID3, TALB, TIT2, TIT3, TLAN, TPE1, TRCK, CTOCFlags
from mutagen.mp3 import MP3, BitrateMode
from mutagen.ogg import OggFileType, OggPage
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import butter, firwin, resample_poly, sosfiltfilt

from kitbuilder.cache import Cache, digest
from kitbuilder.errors import KitError, Problem
from kitbuilder.model import Block, Heading, Kit, ListBlock, Paragraph, StoryPart, TableBlock, plain
from kitbuilder.recordings import Recording, Recordings
from kitbuilder.render.speech import Engine, Voice, speakable
from kitbuilder.typography import typeset

with warnings.catch_warnings():
    # On import pydub warns that no ffmpeg is on PATH (it gets ours below), and imports
    # audioop, deprecated before Python 3.13 (audioop-lts takes over from 3.13).
    warnings.simplefilter("ignore")
    from pydub import AudioSegment

AudioSegment.converter = imageio_ffmpeg.get_ffmpeg_exe()

VERSION = "1"
RATE = 22050  # Hz, mono: espeak-ng's and most Piper voices' own rate; plenty for speech
BITRATE = "64k"
TARGET_LUFS = -16.0  # integrated loudness of a whole part
SCENE_LUFS = -20.0  # every piece and scene first, so that they sound alike
MAX_PEAK_DBTP = -1.3  # true peaks of the decoded MP3, a margin under the promised -1 dBFS
CEILING_DBTP = -2.5  # the limiter's: MP3 encoding adds up to about 0.8 dB to the peaks
# Seconds: the limiter starts turning down this long before a peak, and back up as long
# after. Short, as espeak-ng's voice is made of sharp pulses (20 dB above its loudness).
_LOOKAHEAD = 0.002
# What LAME keeps of a 64 kbit/s mono stream at 22 050 Hz, about 8 kHz: band-limited so
# beforehand, the part loses little in encoding of what its master measured.
_LOW_PASS = butter(8, 7500, fs=RATE, output="sos")

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
    _encode(_assemble(part, pieces, timing), out)
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
                 lambda out: _decode(clip, out))]
    return [(digest("speech", VERSION, RATE, engine.name, engine.version, line.voice, line.said),
             "speech.wav", _synthesizer(engine, line)) for line in section.lines]


def _synthesizer(engine: Engine, line: Line) -> Callable[[Path], None]:
    def make(out: Path) -> None:
        raw = out.with_name("engine.wav")
        engine.synthesize(line.said, line.voice, raw)
        _store(_read_wav(raw), out)
    return make


def _decode(clip: Recording, out: Path) -> None:
    """A recorded clip, whatever its format, rate and channels, as the pieces are stored."""
    run = subprocess.run([AudioSegment.converter, "-nostdin", "-v", "error", "-i", str(clip.path),
                          "-vn", "-ac", "1", "-ar", str(RATE), "-f", "s16le", "-"],
                         capture_output=True, check=False)
    samples = np.frombuffer(run.stdout, dtype="<i2")
    errors = run.stderr.decode("utf-8", "replace").strip().splitlines()
    if run.returncode != 0 or not len(samples):
        why = "ce n'est pas un fichier audio lisible" if not len(samples) else "fichier abîmé"
        raise KitError([Problem(Path(clip.shown), None, f"enregistrement illisible : {why}"
                                + (f" ({errors[-1]})" if errors else ""))])
    if _cut_short(clip.path, len(samples) / RATE):
        raise KitError([Problem(Path(clip.shown), None, "enregistrement tronqué : le fichier "
                                "s'arrête avant la fin annoncée (copie interrompue ?)")])
    _store(samples.astype(np.float64) / 32768, out)


def _cut_short(path: Path, decoded: float) -> bool:
    """Whether a clip holds less than its header announces (an interrupted copy)."""
    try:
        info = mutagen.File(path)
    except mutagen.MutagenError:
        return True
    if isinstance(info, OggFileType):
        with open(path, "rb") as handle:  # a finished Ogg stream marks its last page
            last = OggPage.find_last(handle, info.info.serial, finishing=True)
        return last is None or not last.last
    if isinstance(info, MP3) and info.info.bitrate_mode == BitrateMode.UNKNOWN:
        return False  # no header that counts the frames: its length is only a guess
    declared = getattr(getattr(info, "info", None), "length", 0) or 0
    return decoded < declared - max(0.1, declared * 0.01)


def _read_wav(path: Path) -> np.ndarray:
    """A WAV file as mono float samples at RATE."""
    with open(path, "rb") as handle:  # given a path, pydub would leave the file open
        sound = AudioSegment.from_file(handle, format="wav")
    if sound.channels > 1:
        sound = sound.set_channels(1)
    samples = np.array(sound.get_array_of_samples(), dtype=np.float64)
    samples /= float(1 << (8 * sound.sample_width - 1))
    if sound.frame_rate != RATE:
        common = math.gcd(RATE, sound.frame_rate)
        samples = resample_poly(samples, RATE // common, sound.frame_rate // common)
    return samples


def _store(samples: np.ndarray, out: Path) -> None:
    pcm = np.round(np.clip(samples, -1.0, 32767 / 32768) * 32768).astype("<i2")
    AudioSegment(data=pcm.tobytes(), sample_width=2, frame_rate=RATE, channels=1).export(
        str(out), format="wav").close()


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


# --- Sound: level, lay out, master, encode, tag ------------------------------------------------


def _assemble(part: PartAudio, pieces: list[list[Path]], timing: Timing) -> np.ndarray:
    """The whole part as float samples: every piece, then every section, at SCENE_LUFS."""
    signal = np.zeros(timing.total)
    for section, files, spans in zip(part.sections, pieces, timing.spans):
        for path, (start, end) in zip(files, spans):
            sound = _read_wav(path)[: end - start]
            signal[start:start + len(sound)] = (sound if section.recording
                                                else _leveled(sound, SCENE_LUFS))
        first, last = spans[0][0], spans[-1][1]
        signal[first:last] = _leveled(signal[first:last], SCENE_LUFS)
    return signal


def _master(signal: np.ndarray, peaks: np.ndarray, ceiling: float) -> np.ndarray:
    """The part at TARGET_LUFS with its true peaks (`peaks`, as _true_peaks gives them) under
    `ceiling` dBTP. The limiter takes loudness off the peaks, more as the gain grows, so the
    gain is found by the secant method: three or four passes reach the target within 0.05 LU."""
    loudness = _loudness(signal)
    if loudness is None:
        return signal
    tried: list[tuple[float, float]] = []  # (gain, loudness reached)
    gain = TARGET_LUFS - loudness
    for _ in range(8):
        limited = _limited(signal, peaks, gain, ceiling)
        reached = _loudness(limited) or TARGET_LUFS
        if abs(TARGET_LUFS - reached) < 0.05:
            break
        tried.append((gain, reached))
        if len(tried) < 2 or tried[-1][1] == tried[-2][1]:
            gain += TARGET_LUFS - reached
        else:
            (g1, l1), (g2, l2) = tried[-2:]
            gain = g2 + (TARGET_LUFS - l2) * (g2 - g1) / (l2 - l1)
    return limited


def _loudness(samples: np.ndarray) -> float | None:
    """Integrated loudness (ITU-R BS.1770), or None when too short or silent to measure."""
    if len(samples) < RATE * 0.4:
        return None
    with np.errstate(divide="ignore"):
        loudness = pyloudnorm.Meter(RATE).integrated_loudness(samples)
    return loudness if math.isfinite(loudness) else None


def _leveled(samples: np.ndarray, target: float) -> np.ndarray:
    loudness = _loudness(samples)
    return samples if loudness is None else samples * 10 ** ((target - loudness) / 20)


# A 4x interpolator: a true peak falls between samples (ITU-R BS.1770 annex 2).
_OVERSAMPLING = 4
_INTERPOLATOR = firwin(12 * _OVERSAMPLING + 1, 1 / _OVERSAMPLING) * _OVERSAMPLING


def _true_peaks(signal: np.ndarray) -> np.ndarray:
    """For each sample, the highest magnitude of the signal from it to the next one."""
    peaks = np.abs(signal)
    delay = (len(_INTERPOLATOR) - 1) // 2 // _OVERSAMPLING
    for phase in range(1, _OVERSAMPLING):
        between = np.convolve(signal, _INTERPOLATOR[phase::_OVERSAMPLING])
        np.maximum(peaks, np.abs(between[delay:delay + len(signal)]), out=peaks)
    return peaks


def _limited(signal: np.ndarray, peaks: np.ndarray, gain: float, ceiling: float) -> np.ndarray:
    """`signal` raised by `gain` dB through a look-ahead limiter: the gain each peak allows,
    held around the peak (minimum filter), then smoothed over no more than that hold, so that
    it stays at or below what every sample allows; turned down around its peaks, never
    clipped. True peaks scale with the signal, so `peaks` is measured once for all gains."""
    level = 10 ** (gain / 20)
    allowed = np.minimum(1.0, 10 ** (ceiling / 20) / np.maximum(peaks * level, 1e-12))
    width = 2 * _samples(_LOOKAHEAD) + 1
    smooth = uniform_filter1d(minimum_filter1d(allowed, width, mode="nearest"), width,
                              mode="nearest")
    return signal * level * np.minimum(smooth, allowed)  # `smooth` but for rounding


def _encode(signal: np.ndarray, out: Path) -> None:
    """Master and encode the part, then check the MP3 by decoding it: if its loudness or its
    peaks miss, what they miss is corrected and the part encoded again (rarely needed)."""
    signal = sosfiltfilt(_LOW_PASS, signal)
    peaks = _true_peaks(signal)
    boost, ceiling = _codec_shortfall(), CEILING_DBTP
    for _ in range(3):
        _write_mp3(_master(signal, peaks, ceiling) * 10 ** (boost / 20), out)
        heard = _decoded_mp3(out)
        shortfall = TARGET_LUFS - (_loudness(heard) or TARGET_LUFS)
        excess = 20 * math.log10(max(float(_true_peaks(heard).max()), 1e-12)) - MAX_PEAK_DBTP
        if abs(shortfall) <= 0.2 and excess <= 0:
            return
        boost += shortfall
        ceiling -= max(0.0, excess + shortfall) + (0.2 if excess > 0 else 0.0)


@functools.cache
def _codec_shortfall() -> float:
    """How much quieter the encoder makes what it encodes (about 0.5 dB with this LAME),
    measured once on a fixed noise so that the same part always gets the same MP3."""
    noise = sosfiltfilt(_LOW_PASS, np.random.default_rng(0).normal(0, 0.05, 3 * RATE))
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "probe.mp3"
        _write_mp3(noise, probe)
        return (_loudness(noise) or 0.0) - (_loudness(_decoded_mp3(probe)) or 0.0)


def _write_mp3(signal: np.ndarray, out: Path) -> None:
    # np.clip only guards the conversion to integers: the limiter keeps samples far inside.
    pcm = np.round(np.clip(signal, -1.0, 32767 / 32768) * 32768).astype("<i2")
    sound = AudioSegment(data=pcm.tobytes(), sample_width=2, frame_rate=RATE, channels=1)
    sound.export(str(out), format="mp3", codec="libmp3lame", bitrate=BITRATE, parameters=[
        "-ac", "1", "-ar", str(RATE), "-map_metadata", "-1", "-id3v2_version", "0",
        "-write_id3v1", "0", "-fflags", "+bitexact", "-flags:a", "+bitexact"]).close()


def _decoded_mp3(path: Path) -> np.ndarray:
    run = subprocess.run([AudioSegment.converter, "-nostdin", "-v", "error", "-f", "mp3", "-i",
                          str(path), "-f", "s16le", "-"], capture_output=True, check=True)
    return np.frombuffer(run.stdout, dtype="<i2") / 32768


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
            weights = np.cumsum([0] + [len(line.text) for line in section.lines])
            bounds = start + (end - start) * weights / weights[-1]
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
