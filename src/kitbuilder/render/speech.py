"""Offline speech synthesis: the engine that voices the story, its voices, what it is told to say.

espeak-ng by default; Piper when the configuration names a Piper voice file. Both are commands
run once per paragraph, so that the length of every spoken piece is known.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from kitbuilder.cache import file_digest
from kitbuilder.errors import KitError, Problem
from kitbuilder.typography import TIME

# One engine process per core, however many parts are being voiced at once.
_CORES = threading.BoundedSemaphore(os.cpu_count() or 1)
_TIMEOUT = 600  # seconds for one paragraph: far beyond any real one, short of a hung engine

Lexicon = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SpeechConfig:
    """How synthetic narration is made; the defaults need nothing but espeak-ng."""

    piper_voice: Path | None = None  # a Piper voice (.onnx, its .onnx.json beside it)
    piper: str = "piper"  # the Piper command, used only with piper_voice


@dataclass(frozen=True)
class Voice:
    """One voice of an engine: its name for people, and the engine arguments that select it."""

    name: str
    args: tuple[str, ...]


class Engine(ABC):
    """A speech engine: says a text with a voice into a WAV file."""

    name: str
    version: str

    @property
    def label(self) -> str:
        """The engine and its version, as the log and the tags name it."""
        return f"{self.name} {self.version}"

    @abstractmethod
    def voice(self, speaker: str | None) -> Voice:
        """The narrator's voice (speaker None), or a stable other voice for a named speaker."""

    @abstractmethod
    def synthesize(self, text: str, voice: Voice, out: Path) -> None:
        """Write `text` said by `voice` to the WAV file `out`."""

    def _run(self, command: list[str], text: str, out: Path) -> None:
        with _CORES:
            try:
                run = subprocess.run(command, input=text.encode("utf-8"), capture_output=True,
                                     timeout=_TIMEOUT, check=False)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise _failed(self.name, text, str(exc)) from None
        if run.returncode != 0 or not out.is_file() or out.stat().st_size <= 44:
            detail = run.stderr.decode("utf-8", "replace").strip().splitlines()
            raise _failed(self.name, text, detail[-1] if detail else f"code {run.returncode}")


def find_engine(config: SpeechConfig) -> Engine:
    """The engine the configuration asks for; KitError naming what is missing if it is absent."""
    if config.piper_voice is not None:
        return Piper(config.piper, Path(config.piper_voice))
    return Espeak()


class Espeak(Engine):
    """espeak-ng with its French voice; named speakers get a variant and a pitch of their own."""

    name = "espeak-ng"
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

    def voice(self, speaker: str | None) -> Voice:
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
    """A Piper voice. Multi-speaker voices give each named speaker a speaker of its own; a
    single-speaker voice says the dialogue with the narrator's voice."""

    name = "piper"

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

    def voice(self, speaker: str | None) -> Voice:
        if self.speakers <= 1:
            return Voice(self.model.stem, ())
        number = 0 if not speaker else 1 + _stable_number(speaker) % (self.speakers - 1)
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


def _stable_number(name: str) -> int:
    """The same number for the same name, on every machine and every run (unlike hash())."""
    key = " ".join(name.split()).casefold()
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")


def _failed(engine: str, text: str, detail: str) -> KitError:
    excerpt = text if len(text) <= 60 else text[:57] + "…"
    return KitError([Problem(Path(engine), None,
                             f"la synthèse vocale a échoué ({detail}) sur « {excerpt} »")])


# --- What the engine is told to say ----------------------------------------------------------

_SPACES = re.compile(r"\s+")
_DASH = re.compile(r"\s*[—–]\s*")


def speakable(text: str, lexicon: Lexicon) -> str:
    """What the engine should read for `text`: the lexicon's readings first, then times in
    words and plain punctuation that every engine reads the same way."""
    pattern, readings = _compiled(lexicon)
    if readings:
        text = pattern.sub(lambda m: readings[_SPACES.sub(" ", m[0])], text)
    text = TIME.sub(_time_in_words, text)
    text = text.replace("\u2019", "'")
    text = _DASH.sub(", ", text.strip()).lstrip(", ")
    return _SPACES.sub(" ", text).strip()


@functools.lru_cache(maxsize=8)
def _compiled(lexicon: Lexicon) -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern for the whole lexicon, so that a reading is never read again by another
    entry; longest entries first, whole words only, any kind of space matching any other."""
    readings = {_SPACES.sub(" ", written): spoken for written, spoken in lexicon}
    alternatives = [r"\s+".join(re.escape(word) for word in written.split())
                    for written in sorted(readings, key=len, reverse=True)]
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives or ["(?!)"]) + r")(?!\w)"), readings


def _time_in_words(match: re.Match[str]) -> str:
    hours, minutes = int(match[1]), match[2]
    said = "minuit" if hours == 0 else f"{hours} heure" + ("s" if hours > 1 else "")
    return said + (f" {int(minutes)}" if minutes and int(minutes) else "")
