"""The one error type raised for mistakes in the sources, with file and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kitbuilder.typography import typeset_message


@dataclass(frozen=True)
class Problem:
    """One mistake in a source file, told in words the association's editor understands."""

    file: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else f"{self.file}"
        return f"{where}: {typeset_message(self.message)}"


def problems(count: int) -> str:
    """« 1 problème », « 3 problèmes »."""
    return f"{count} problème{'s' if count > 1 else ''}"


class KitError(Exception):
    """Raised when the kit sources cannot be built; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (str(p.file), p.line or 0))
        super().__init__("\n".join(str(p) for p in self.problems))
