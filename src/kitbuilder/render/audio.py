"""The story as audio: one MP3 per part, with tags and chapters, and its WebVTT transcript.

A part is said piece by piece: the announcement, then each title and paragraph, each piece
synthesized alone so that its length is known (a recorded clip stands for a whole scene). Every
piece is kept in the cache under what makes it, so only what changed is said again. What a part
says is planned in `narration`, where each piece falls in `timing`; the pieces are leveled,
laid out with pauses, brought to -16 LUFS under a true-peak limiter and encoded (`sound`), and
tagged here with mutagen (ID3 chapters, one per scene).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from mutagen.id3 import CHAP, COMM, CTOC, ID3, TALB, TIT2, TIT3, TLAN, TPE1, TRCK, CTOCFlags

from kitbuilder.cache import Cache, digest
from kitbuilder.recordings import Recording
from kitbuilder.render import master, narration, sound, stored
from kitbuilder.render.narration import RATE, Line, PartAudio, Section, voiced_by
from kitbuilder.render.speech import Engine
from kitbuilder.render.timing import Timing, duration, lay_out, transcript
from kitbuilder.typography import typeset

VERSION = "1"

Progress = Callable[[str], None]


def mp3(part: PartAudio, out: Path, *, engine: Engine, store: Cache, progress: Progress,
        audio_dir: Path | None = None) -> None:
    """The part's MP3: mono, leveled to -16 LUFS, one ID3 chapter per scene, tagged."""
    pieces = _pieces(part, engine, store, progress, audio_dir)
    timing = lay_out(part, pieces)
    progress(typeset(f"audio « {part.title} » ({part.number}/{part.total}) : assemblage et "
                     f"encodage MP3 de {duration(timing.total / RATE)}"))
    master.master(part, pieces, timing, out)
    _tag(part, timing, out)


def vtt(part: PartAudio, out: Path, *, engine: Engine, store: Cache, progress: Progress,
        audio_dir: Path | None = None) -> None:
    """The part's WebVTT transcript, timed like its MP3."""
    timing = lay_out(part, _pieces(part, engine, store, progress, audio_dir))
    out.write_text(transcript(part, timing), encoding="utf-8")


def chapters(mp3_file: Path) -> tuple[float, ...]:
    """The start of each scene in an MP3 made by `mp3`, in seconds, read from its chapters."""
    frames = ID3(mp3_file).getall("CHAP")
    return tuple(f.start_time / 1000 for f in sorted(frames, key=lambda f: f.start_time))


def length(mp3_file: Path) -> float:
    """How long an MP3 plays, in seconds (for its page)."""
    from mutagen.mp3 import MP3

    stream: Any = MP3(mp3_file).info  # mutagen types it as None
    return float(stream.length)


def _pieces(part: PartAudio, engine: Engine, store: Cache, progress: Progress,
            audio_dir: Path | None) -> list[list[Path]]:
    """The WAV file of every piece of every section: a recorded clip, a stored scene of
    `audio_dir`, or what the engine says (kept in `audio_dir` when the engine stores); only
    what is in none of them is said."""
    out: list[list[Path]] = []
    kept: set[Path] = set()
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        for number, section in enumerate(part.sections):
            key = stored.scene_key(engine, section)
            scene = (None if section.recording or audio_dir is None
                     else stored.find(audio_dir, part.slug, key))
            if scene is None:
                makers = _makers(section, engine)
                if any(not store.path(m[0], m[1]).is_file() for m in makers):
                    where = ("ouverture" if number == 0
                             else f"scène {number} sur {len(part.scenes)}")
                    progress(typeset(f"audio « {part.title} » ({part.number}/{part.total}) : "
                                     f"{where}, {voiced_by(part, section)}"))
                paths = [path for path, _ in pool.map(lambda m: store.get_or_make(*m), makers)]
                if section.recording or audio_dir is None or not engine.stores:
                    out.append(paths)
                    continue
                scene = stored.find(audio_dir, part.slug, key)
                if scene is None:  # not kept yet: keep it now
                    scene = stored.write(audio_dir, part.slug, number, key, engine.label,
                                         [sound.read_pcm(path) for path in paths])
                progress(typeset(f"audio « {part.title} » : narration gardée dans "
                                 f"{Path(audio_dir).name}/{scene.path.relative_to(audio_dir)}"))
            kept.add(scene.path)
            out.append(_stored_pieces(scene, key, store))
    if audio_dir is not None and engine.stores:
        for gone in stored.prune(audio_dir, part.slug, kept):
            progress(typeset(f"audio « {part.title} » : narration qui ne sert plus effacée "
                             f"({gone.name})"))
    return out


def _stored_pieces(scene: stored.StoredScene, key: str, store: Cache) -> list[Path]:
    """A stored scene's pieces as WAV files in the cache, the scene decoded once."""
    keys = [digest("stored-piece", VERSION, key, index) for index in range(len(scene.lengths))]
    if all(store.path(k, "piece.wav").is_file() for k in keys):
        return [store.path(k, "piece.wav") for k in keys]
    samples = stored.read(scene)
    return [store.get_or_make(k, "piece.wav", functools.partial(_keep, s))[0]
            for k, s in zip(keys, samples)]


def _keep(samples: np.ndarray, out: Path) -> None:
    sound.store_pcm(samples, out)


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
        assert line.voice is not None  # a synthesized line always has its voice
        engine.synthesize(line.said, line.voice, raw)
        sound.store(sound.read_wav(raw), out)
    return make


def _decoder(clip: Recording) -> Callable[[Path], None]:
    def make(out: Path) -> None:
        sound.decode(clip, out)
    return make


# --- Tags: what a player shows, and the chapters -------------------------------------------------


def _tag(part: PartAudio, timing: Timing, out: Path) -> None:
    """ID3v2.3 tags (read by more players than v2.4) with one chapter per scene."""
    tags = ID3()
    tags.add(TIT2(encoding=3, text=[part.title]))
    tags.add(TALB(encoding=3, text=[part.album]))
    tags.add(TPE1(encoding=3, text=[part.artist]))
    tags.add(TRCK(encoding=3, text=[f"{part.number}/{part.total}"]))
    tags.add(TLAN(encoding=3, text=["fra"]))
    voices = [typeset(f"{'Ouverture' if n == 0 else f'Scène {n}'} : {voiced_by(part, s)}")
              for n, s in enumerate(part.sections)]
    about = [narration.credit(part)] if narration.credit(part) else []
    tags.add(COMM(encoding=3, lang="fra", desc="Narration", text=["\n".join(voices + about)]))
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
