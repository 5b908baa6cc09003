"""Who speaks with which voice: the kit's voices file (`voix.yml`), read and checked.

The file names the narrator's voice and, for each character who speaks in the story, a voice
of the palette below. The palette is engine-neutral: each voice names the Kokoro speaker that
says it and whether it is a woman's or a man's voice, so that espeak-ng (the fallback) and a
multi-speaker Piper voice can give the character a voice of the same kind.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from kitbuilder.errors import KitError, Problem
from kitbuilder.model import Cast, Paragraph, Story
from kitbuilder.source_rules import read_yaml
from kitbuilder.yamlsource import validate


@dataclass(frozen=True)
class PaletteVoice:
    """One voice an editor may assign: who says it with Kokoro, and its kind."""

    kokoro: str  # the speaker style of the Kokoro-82M voices file
    woman: bool
    description: str


# Measured with benchmarks/voice.py (README): from the best understood in French to the least.
PALETTE: dict[str, PaletteVoice] = {
    "gongitsune": PaletteVoice("jf_gongitsune", True, "voix de femme, claire"),
    "nezumi": PaletteVoice("jf_nezumi", True, "voix de femme, vive"),
    "kumo": PaletteVoice("jm_kumo", False, "voix d'homme"),
    "tebukuro": PaletteVoice("jf_tebukuro", True, "voix de femme, douce"),
    "alpha": PaletteVoice("jf_alpha", True, "voix de femme, posée, mal comprise en français"),
}


@dataclass(frozen=True)
class _VoicesFile:
    """`voix.yml` as written: the narrator's voice and one voice per character."""

    narration: str
    personnages: dict[str, str] = field(default_factory=dict)


def read_voices(path: Path, shown: Path, story: Story) -> Cast:
    """The cast of `path`, checked: known voices, characters who speak in the story."""
    data, lines = read_yaml(path, shown)
    raw = validate(_VoicesFile, data, lines, shown)
    problems: list[Problem] = []
    names = ", ".join(PALETTE)

    def check(voice: str, loc: tuple[str, ...]) -> None:
        if voice not in PALETTE:
            close = difflib.get_close_matches(voice, list(PALETTE), n=1)
            hint = f"vouliez-vous dire « {close[0]} » ?" if close else f"voix possibles : {names}"
            problems.append(Problem(shown, lines.get(loc), f"voix inconnue « {voice} » ; {hint}"))

    check(raw.narration, ("narration",))
    speakers = sorted({block.speaker for part in story.parts for scene in part.scenes
                       for block in scene.blocks
                       if isinstance(block, Paragraph) and block.speaker})
    for name, voice in raw.personnages.items():
        check(voice, ("personnages", name))
        if name not in speakers:
            close = difflib.get_close_matches(name, speakers, n=1)
            hint = (f"vouliez-vous dire « {close[0]} » ?" if close
                    else "retirez-le, ou vérifiez son nom dans le récit")
            problems.append(Problem(shown, lines.get(("personnages", name)),
                                    f"personne ne s'appelle « {name} » dans les dialogues du "
                                    f"récit ; {hint}"))
    if problems:
        raise KitError(problems)
    return Cast(raw.narration, tuple(sorted(raw.personnages.items())))
