"""Recorded narration: which clip of `audio/` voices which scene of the story.

A clip is `audio/<part>/<scene number>.<wav|flac|mp3|ogg>`, e.g. `audio/matin/2.mp3` for the
second scene of `recit/matin.md`; `0` is the part's opening (its announcement and introduction).
Reading what a clip holds is the audio renderer's job; this module only finds and names them.
`audio/synthese/` holds no recording but the synthesized narration the build keeps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kitbuilder.cache import file_digest
from kitbuilder.errors import KitError, Problem
from kitbuilder.model import Story

EXTENSIONS = ("wav", "flac", "mp3", "ogg")
STORED = "synthese"  # the narration the build made and keeps (render.stored), not recordings


@dataclass(frozen=True)
class Recording:
    """One recorded clip."""

    shown: str  # how messages and tags name it, e.g. « audio/matin/2.wav »
    digest: str  # what it holds: a cache key changes with the clip, not with its place
    path: Path = field(repr=False, compare=False)  # where to read it; no part of any key


# Recordings of a story, keyed by (part slug, scene number); 0 is the part's opening.
Recordings = dict[tuple[str, int], Recording]


def find_recordings(audio_dir: Path, story: Story) -> Recordings:
    """Every clip in `audio_dir`, checked against the story; KitError lists misnamed ones."""
    audio_dir = Path(audio_dir)
    if not audio_dir.is_dir():
        return {}
    scenes = {part.slug: len(part.scenes) for part in story.parts}
    found: Recordings = {}
    problems: list[Problem] = []

    def shown(path: Path) -> Path:
        return path.relative_to(audio_dir.parent)

    for entry in sorted(audio_dir.iterdir()):
        if entry.name.startswith(".") or entry.name == STORED:
            continue
        if entry.is_dir() and entry.name not in scenes:
            problems.append(Problem(shown(entry), None, f"aucune partie du récit ne s'appelle "
                                    f"« {entry.name} » (parties : {', '.join(scenes)})"))
        elif entry.is_dir():
            for clip in sorted(entry.iterdir()):
                number = _scene_number(clip, scenes[entry.name], shown(clip), problems)
                if number is None:
                    continue
                if (entry.name, number) in found:
                    problems.append(Problem(shown(clip), None, f"deux enregistrements pour la "
                                            f"scène {number} : gardez-en un seul"))
                    continue
                found[entry.name, number] = Recording(str(shown(clip)), file_digest(clip), clip)
        elif entry.suffix.lower().lstrip(".") in EXTENSIONS:
            problems.append(Problem(shown(entry), None, "rangez l'enregistrement dans le dossier "
                                    "de sa partie, par exemple audio/matin/1.wav"))
    if problems:
        raise KitError(problems)
    return found


def _scene_number(clip: Path, scenes: int, shown: Path, problems: list[Problem]) -> int | None:
    """The scene a clip voices; None for a file that is not a clip (a problem if misnamed)."""
    extension = clip.suffix.lower().lstrip(".")
    if clip.name.startswith(".") or not clip.is_file():
        return None
    if not (clip.stem.isascii() and clip.stem.isdigit()):  # « ².wav » is no number
        if extension in EXTENSIONS:
            problems.append(Problem(shown, None, "nommez l'enregistrement par le numéro de sa "
                                    "scène : 1.wav pour la première, 0.wav pour l'ouverture"))
        return None
    if extension not in EXTENSIONS:
        problems.append(Problem(shown, None, "format d'enregistrement non pris en charge : "
                                "utilisez WAV, FLAC, MP3 ou OGG"))
        return None
    number = int(clip.stem)
    if number > scenes:
        problems.append(Problem(shown, None, f"cette partie n'a que {scenes} scène(s) : "
                                "l'enregistrement ne correspond à aucune"))
        return None
    return number
