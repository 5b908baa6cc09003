"""Stored narration: the scenes a slow engine said, kept in `audio/synthese/` beside the kit.

A fresh clone does not voice the story again: each synthesized scene is kept as one Ogg Opus
file, `audio/synthese/<part>/<scene>-<key>.opus`, whose tags hold the key it was made from (the
engine and its version, and every line's voice and words as said, the lexicon applied) and the
length of each of its pieces, so that the transcript stays timed line by line. The build uses a
stored scene whose key matches, whatever its number (a scene moved or inserted elsewhere keeps
its narration), and voices again only a scene whose key is nowhere. Recorded clips
(`audio/<part>/<scene>.wav`) still come first.
"""

from __future__ import annotations

import itertools
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from mutagen.oggopus import OggOpus

from kitbuilder.cache import digest
from kitbuilder.errors import KitError, Problem
from kitbuilder.recordings import STORED
from kitbuilder.render.narration import RATE, Section
from kitbuilder.render.speech import Engine

FOLDER = STORED  # inside the audio folder, beside the recordings
VERSION = "1"
BITRATE = "40k"  # Opus for speech: transparent at this rate, 26 minutes in about 8 MB
_KEY, _PIECES, _ENGINE = "kitbuilder_key", "kitbuilder_pieces", "kitbuilder_engine"


@dataclass(frozen=True)
class StoredScene:
    """A scene's narration as kept: its file, and the length of each piece in samples."""

    path: Path
    lengths: tuple[int, ...]


def scene_key(engine: Engine, section: Section) -> str:
    """What a scene's narration is made from: the engine, every line's voice and words."""
    return digest("stored-scene", VERSION, RATE, engine.name, engine.version,
                  tuple((line.voice, line.said) for line in section.lines))


def find(audio_dir: Path, slug: str, key: str) -> StoredScene | None:
    """The stored scene of part `slug` made from `key`, if there is one."""
    folder = Path(audio_dir) / FOLDER / slug
    for path in sorted(folder.glob(f"*-{key[:12]}.opus")) if folder.is_dir() else ():
        try:
            tags = OggOpus(path).tags
            if tags is None or tags.get(_KEY) != [key]:
                continue
            return StoredScene(path, tuple(int(n) for n in tags[_PIECES][0].split()))
        except (OSError, ValueError, KeyError, IndexError):
            continue  # unreadable: voiced again, and replaced
    return None


def write(audio_dir: Path, slug: str, number: int, key: str, label: str,
          pieces: list[np.ndarray]) -> StoredScene:
    """Keep a scene's pieces (16-bit samples at RATE) as one Opus file."""
    folder = Path(audio_dir) / FOLDER / slug
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{number}-{key[:12]}.opus"
    partial = out.with_suffix(".partial.opus")
    import imageio_ffmpeg

    pcm = np.concatenate(pieces).astype("<i2").tobytes()
    run = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error", "-y",
                          "-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "-",
                          "-c:a", "libopus", "-b:a", BITRATE, "-application", "voip",
                          "-map_metadata", "-1", "-fflags", "+bitexact", str(partial)],
                         input=pcm, capture_output=True, check=False)
    if run.returncode != 0:
        partial.unlink(missing_ok=True)
        detail = run.stderr.decode("utf-8", "replace").strip().splitlines()
        raise KitError([Problem(out, None, "narration impossible à garder (encodage Opus : "
                                f"{detail[-1] if detail else run.returncode})")])
    tagged = OggOpus(partial)
    tagged[_KEY] = [key]
    tagged[_PIECES] = [" ".join(str(len(p)) for p in pieces)]
    tagged[_ENGINE] = [label]
    tagged.save()
    partial.replace(out)
    return StoredScene(out, tuple(len(p) for p in pieces))


def read(scene: StoredScene) -> list[np.ndarray]:
    """A stored scene's pieces, 16-bit samples at RATE, cut at the lengths it was made with."""
    import imageio_ffmpeg

    run = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error",
                          "-i", str(scene.path), "-ac", "1", "-ar", str(RATE), "-f", "s16le",
                          "-"], capture_output=True, check=False)
    samples = np.frombuffer(run.stdout, dtype="<i2")
    if run.returncode != 0 or not len(samples):
        raise KitError([Problem(scene.path, None, "narration gardée illisible : effacez ce "
                                "fichier, la scène sera dite à nouveau")])
    total = sum(scene.lengths)
    if len(samples) < total:  # the codec's delay, a few samples at most
        samples = np.concatenate((samples, np.zeros(total - len(samples), dtype="<i2")))
    bounds = np.cumsum((0, *scene.lengths))
    return [samples[a:b] for a, b in itertools.pairwise(bounds)]


def prune(audio_dir: Path, slug: str, kept: set[Path]) -> list[Path]:
    """Delete the stored scenes of a part that its narration no longer uses."""
    folder = Path(audio_dir) / FOLDER / slug
    gone = [path for path in folder.glob("*.opus") if path not in kept] if folder.is_dir() else []
    for path in gone:
        path.unlink()
    return gone
