"""What every speech engine is: a voice for each speaker, a text said into a WAV file."""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from kitbuilder.errors import KitError, Problem

# One engine process per core, however many parts are being voiced at once.
_CORES = threading.BoundedSemaphore(os.cpu_count() or 1)
_TIMEOUT = 600  # seconds for one paragraph: far beyond any real one, short of a hung engine


@dataclass(frozen=True)
class Voice:
    """One voice of an engine: its name for people, and the engine arguments that select it."""

    name: str
    args: tuple[str, ...]


class Engine(ABC):
    """A speech engine: says a text with a voice into a WAV file."""

    name: str
    version: str
    stores = False  # whether its scenes are kept in audio/synthese/ (a slow engine's are)
    fallback = ""  # why this engine speaks instead of the default one, for the log and pages
    licence = ""  # what the credits say of the licence of what it says

    @property
    def label(self) -> str:
        """The engine and its version, as the log and the tags name it."""
        return f"{self.name} {self.version}"

    @abstractmethod
    def voice(self, speaker: str | None, assigned: str | None = None) -> Voice:
        """The voice of the palette `assigned` to a speaker (None for the narration) by the
        voices file; without one, the narrator's voice, or a stable other one for a speaker."""

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


def _stable_number(name: str) -> int:
    """The same number for the same name, on every machine and every run (unlike hash())."""
    key = " ".join(name.split()).casefold()
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")


def _failed(engine: str, text: str, detail: str) -> KitError:
    excerpt = text if len(text) <= 60 else text[:57] + "…"
    return KitError([Problem(Path(engine), None,
                             f"la synthèse vocale a échoué ({detail}) sur « {excerpt} »")])
