"""Offline speech synthesis: the engine that voices the story, its voices, what it is told to say.

Kokoro-82M by default (`render.kokoro`), espeak-ng when Kokoro is not installed (the build log
and the pages say so), Piper when the configuration names a Piper voice file. Each paragraph is
said alone, so that the length of every spoken piece is known.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kitbuilder.cache import file_digest
from kitbuilder.errors import KitError, Problem
from kitbuilder.render.engine import Engine, Voice, _stable_number
from kitbuilder.typography import TIME

__all__ = ["Engine", "SpeechConfig", "Voice", "find_engine", "speakable"]

Lexicon = tuple[tuple[str, str], ...]

ENGINES = ("auto", "kokoro", "espeak-ng")


@dataclass(frozen=True)
class SpeechConfig:
    """How synthetic narration is made. `engine` « auto » is Kokoro, or espeak-ng when Kokoro
    is not installed; KITBUILDER_SPEECH_ENGINE sets it for a whole run (the tests use espeak-ng,
    400 times faster). `store` keeps the synthesized scenes in `audio/synthese/` (None: when
    the engine is slow enough for it to matter, i.e. Kokoro)."""

    piper_voice: Path | None = None  # a Piper voice (.onnx, its .onnx.json beside it)
    piper: str = "piper"  # the Piper command, used only with piper_voice
    engine: str = field(default_factory=lambda: os.environ.get("KITBUILDER_SPEECH_ENGINE",
                                                               "auto"))
    store: bool | None = None


def find_engine(config: SpeechConfig, models: Path | None = None) -> Engine:
    """The engine the configuration asks for; KitError naming what is missing if it is absent.
    `models` is where a neural engine may keep its assembled model (default: a temp folder)."""
    if config.piper_voice is not None:
        return Piper(config.piper, Path(config.piper_voice))
    if config.engine not in ENGINES:
        raise KitError([Problem(Path("KITBUILDER_SPEECH_ENGINE"), None,
                                f"moteur de synthèse inconnu « {config.engine} » ; moteurs "
                                f"possibles : {', '.join(ENGINES)}")])
    engine: Engine
    fallback = ""
    if config.engine != "espeak-ng":
        from kitbuilder.render.kokoro import Kokoro, KokoroMissing

        try:
            engine = Kokoro(models or Path(tempfile.gettempdir()) / "kitbuilder-models")
        except KokoroMissing as exc:
            if config.engine == "kokoro":
                raise KitError([Problem(Path("kokoro"), None, "Kokoro n'est pas installé "
                                        f"({exc}) : lancez ./scripts/build")]) from None
            fallback = ("voix de secours espeak-ng : Kokoro, la voix prévue, n'est pas "
                        "installé (./scripts/build l'installe)")
        else:
            engine.stores = config.store is not False
            return engine
    engine = Espeak()
    engine.fallback = fallback
    engine.stores = bool(config.store)
    return engine


class Espeak(Engine):
    """espeak-ng with its French voice; named speakers get a variant and a pitch of their own."""

    name = "espeak-ng"
    licence = "espeak-ng (GPL-3.0), sans restriction sur le son produit"
    _VARIANTS = ("f3", "m3", "f2", "m2", "f4", "m4", "f1", "m6", "f5", "m7")
    _PITCHES = (42, 50, 58)
    _SPEED = "155"  # words per minute: a little slower than the default 175, for a group

    def __init__(self) -> None:
        command = shutil.which(self.name)
        if command is None:
            raise KitError([Problem(Path(self.name), None, "commande introuvable : la narration "
                                    "de synthèse a besoin d'espeak-ng. Installez-le "
                                    "(./scripts/build le fait, ou sudo apt install espeak-ng), "
                                    "ou configurez une voix Piper.")])
        self.command = command
        self.version = _espeak_version(command)

    def voice(self, speaker: str | None, assigned: str | None = None) -> Voice:
        if assigned is not None:  # a voice of the palette: one of espeak-ng's of that kind
            from kitbuilder.voices import PALETTE

            woman = PALETTE[assigned].woman
            kinds = [v for v in self._VARIANTS if v.startswith("f" if woman else "m")]
            variant = kinds[sorted(PALETTE).index(assigned) % len(kinds)]
            pitch = 58 if woman else 42
            return Voice(f"fr+{variant} p{pitch}", ("-v", f"fr+{variant}", "-p", str(pitch)))
        if not speaker:
            return Voice("fr", ("-v", "fr"))
        number = _stable_number(speaker)
        variant = self._VARIANTS[number % len(self._VARIANTS)]
        pitch = self._PITCHES[number // len(self._VARIANTS) % len(self._PITCHES)]
        return Voice(f"fr+{variant} p{pitch}", ("-v", f"fr+{variant}", "-p", str(pitch)))

    def synthesize(self, text: str, voice: Voice, out: Path) -> None:
        self._run([self.command, *voice.args, "-s", self._SPEED, "-w", str(out), "--stdin"],
                  text, out)


class Piper(Engine):
    """A Piper voice. A multi-speaker voice gives each voice named in `kit/voix.yml` a speaker
    of its own (while it has enough of them); a single-speaker voice says everything with its
    one voice."""

    name = "piper"
    licence = "voix Piper choisie par l'utilisateur, sous sa propre licence"

    def __init__(self, command: str, model: Path) -> None:
        config = Path(f"{model}.json")
        for path, what in ((model, "voix Piper introuvable (un fichier .onnx)"),
                           (config, ("configuration de la voix Piper introuvable : elle "
                                     "accompagne la voix, sous le même nom suivi de .json"))):
            if not path.is_file():
                raise KitError([Problem(path, None, what)])
        try:
            settings = json.loads(config.read_text(encoding="utf-8"))
            self.speakers = int(settings.get("num_speakers", 1))
        except (ValueError, AttributeError, TypeError) as exc:
            raise KitError([Problem(config, None, f"configuration de voix Piper illisible ({exc})")
                            ]) from None
        found = shutil.which(command)
        if found is None:
            raise KitError([Problem(Path(command), None, "commande Piper introuvable : "
                                    "installez Piper (pip install piper-tts) ou retirez la voix "
                                    "Piper de la configuration pour utiliser espeak-ng.")])
        self.command = found
        self.model = model
        # The identity of what speaks: the program and the exact voice files.
        self.version = (f"{_piper_version(found)} {model.stem}"
                        f" {file_digest(model)[:12]}{file_digest(config)[:8]}")

    @property
    def label(self) -> str:
        return f"{self.name} ({self.model.stem})"

    def voice(self, speaker: str | None, assigned: str | None = None) -> Voice:
        if self.speakers <= 1:
            return Voice(self.model.stem, ())
        if assigned is not None:
            # The palette's voices take the voice's speakers in order: as many distinct voices
            # as the voice has speakers, and the usual narrator (the first) on speaker 0.
            from kitbuilder.voices import PALETTE

            number = list(PALETTE).index(assigned) % self.speakers
        elif not speaker:
            number = 0
        else:  # no voices file: a stable speaker other than the narrator's
            number = 1 + _stable_number(speaker) % (self.speakers - 1)
        return Voice(f"{self.model.stem} #{number}", ("--speaker", str(number)))

    def synthesize(self, text: str, voice: Voice, out: Path) -> None:
        self._run([self.command, "--model", str(self.model), "--output_file", str(out),
                   *voice.args], text + "\n", out)


def _espeak_version(command: str) -> str:
    run = subprocess.run([command, "--version"], capture_output=True, text=True, timeout=30,
                         check=False)
    found = re.search(r"text-to-speech:\s*(\S+)", run.stdout)
    return found[1] if found else run.stdout.strip() or "?"


def _piper_version(command: str) -> str:
    """`piper --version` where it exists (the C++ program); else what the program file is."""
    try:
        run = subprocess.run([command, "--version"], capture_output=True, text=True, timeout=30,
                             stdin=subprocess.DEVNULL, check=False)
        if run.returncode == 0 and run.stdout.strip():
            return run.stdout.strip().splitlines()[0]
    except (OSError, subprocess.TimeoutExpired):
        pass
    return "sha256:" + file_digest(Path(command).resolve())[:12]


# --- What the engine is told to say ----------------------------------------------------------

_SPACES = re.compile(r"\s+")
_DASH = re.compile(r"\s*[—–]\s*")


def speakable(text: str, lexicon: Lexicon) -> str:
    """What the engine should read for `text`: the lexicon's readings first, then times in
    words and plain punctuation that every engine reads the same way."""
    pattern, readings = _compiled(lexicon)
    if readings:
        text = pattern.sub(lambda m: readings[_written(m[0])], text)
    text = TIME.sub(_time_in_words, text)
    text = text.replace("\u2019", "'")
    text = _DASH.sub(", ", text.strip()).lstrip(", ")
    return _SPACES.sub(" ", text).strip()


def _written(text: str) -> str:
    """A written form as the lexicon is looked up: one kind of space, one kind of apostrophe
    (the story's typography writes « qu’hier », a lexicon typed by hand « qu'hier »)."""
    return _SPACES.sub(" ", text).replace("\u2019", "'")


@functools.lru_cache(maxsize=8)
def _compiled(lexicon: Lexicon) -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern for the whole lexicon, so that a reading is never read again by another
    entry; longest entries first, whole words only, any kind of space matching any other, and
    either apostrophe matching either."""
    readings = {_written(written): spoken for written, spoken in lexicon}
    alternatives = [r"\s+".join(re.escape(word).replace("'", "['\u2019]")
                                 for word in written.split())
                    for written in sorted(readings, key=len, reverse=True)]
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives or ["(?!)"]) + r")(?!\w)"), readings


def _time_in_words(match: re.Match[str]) -> str:
    hours, minutes = int(match[1]), match[2]
    said = "minuit" if hours == 0 else f"{hours} heure" + ("s" if hours > 1 else "")
    return said + (f" {int(minutes)}" if minutes and int(minutes) else "")
