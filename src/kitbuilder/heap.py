"""The build's memory given back to the system as soon as it is freed (glibc's malloc).

glibc serves a large block from the heap once a block that large has been freed (its mmap
threshold follows the largest block freed, up to 32 MB), and a heap rarely shrinks: a build
that had laid out a scene of 40 MB of samples, or printed the complete kit's PDF, kept that
memory until it ended, and the next part's mastering was added on top (the clean build's
peak, issue 16). With a fixed threshold every block of a few megabytes or more (a scene's
samples, WeasyPrint's page boxes are smaller and stay in the heap) is mapped on its own and
returned when freed, and `give_back` hands the heap's free pages back between big jobs.
Elsewhere than glibc both do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any

_M_MMAP_THRESHOLD = -3
_LARGE = 4 << 20  # bytes: a scene's samples are mapped; a 10 s chunk of the mastering is not


@functools.cache
def _libc() -> Any:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt  # noqa: B018 - glibc only
        libc.malloc_trim  # noqa: B018
        return libc
    except (OSError, AttributeError):
        return None


def map_large_blocks() -> None:
    """From now on, blocks of _LARGE bytes or more go back to the system when freed."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, _LARGE)


def give_back() -> None:
    """Return the free pages of the heap to the system."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
