"""A content-addressed store of built files: same inputs, same key, nothing rebuilt."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def digest(*parts: object) -> str:
    """A stable key for inputs made of strings, numbers, tuples and frozen dataclasses."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def file_digest(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class Cache:
    """Files stored under their key; writes are atomic, so a crash or a second build running
    at the same time never leaves a half-written file in place."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str, name: str) -> Path:
        return self.root / key[:2] / key / name

    def get_or_make(self, key: str, name: str, make: Callable[[Path], None]) -> tuple[Path, bool]:
        """Return the stored file and whether it was reused; make it first when absent."""
        final = self.path(key, name)
        if final.is_file():
            return final, True
        final.parent.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=final.parent.parent))
        try:
            make(staging / name)
            try:
                os.rename(staging, final.parent)  # atomic; fails if another build won the race
            except OSError:
                if not final.is_file():
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return final, False
