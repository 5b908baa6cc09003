"""A content-addressed store of built files: same inputs, same key, nothing rebuilt."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# A cache entry no build has used for this long is deleted: files made for sources that have
# changed since would otherwise pile up (a story edit leaves 4 MB of MP3 and a 13 MB zip).
UNUSED = 7 * 86400
# A staging folder this old was left by a build that was killed: no job takes an hour.
ABANDONED = 3600


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
            with contextlib.suppress(OSError):  # the entry's time is its last use
                os.utime(final.parent)
            return final, True
        final.parent.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=final.parent.parent))
        try:
            make(staging / name)
            try:
                os.rename(staging, final.parent)  # atomic; fails if another build won the race
            except OSError:
                if final.is_file():
                    pass  # another build stored the same file meanwhile
                elif final.parent.is_dir():
                    # The key holds another output already: two jobs read the same inputs
                    # (a one-part story's part and complete story, say). Put this one beside.
                    os.replace(staging / name, final)
                else:
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return final, False

    def prune(self, unused: float = UNUSED, abandoned: float = ABANDONED) -> tuple[int, int]:
        """Delete the entries no build has used for `unused` seconds, and the staging folders
        killed builds left; return how many entries were deleted and how many bytes freed.

        Entries a build running at the same time uses are recent: it touched or made them."""
        now = time.time()
        entries = freed = 0
        top = _listing(self.root)
        candidates = [entry for shard in top if len(shard.name) == 2 for entry in _listing(shard)]
        # Beside them, what a build killed while saving its snapshot left (mkdocs.snapshot).
        candidates += [entry for entry in top if entry.name.startswith(".tmp-")]
        for entry in candidates:
            staging = entry.name.startswith(".tmp-")
            try:  # another build may be deleting the same entry
                if now - entry.stat().st_mtime < (abandoned if staging else unused):
                    continue
                size = sum(f.stat().st_size for f in [entry, *entry.rglob("*")] if f.is_file())
                if entry.is_dir():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
            except OSError:
                continue
            entries += not staging
            freed += size
        return entries, freed


def _listing(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []
