"""What the PDF edition costs in a clean build of kit/, and that a rebuild with nothing changed
makes no PDF.

    .venv/bin/python benchmarks/pdf.py

One clean build on a fresh temporary cache, with the PDF jobs timed by wrapping the renderers
of render.pdf (the cache keys stay the same: functools.wraps keeps their names); then a
rebuild with nothing changed on the same cache, which must generate nothing. The audio is left
out of both (`wait_for_audio=False`, as under `mkdocs serve`): it is benchmarks/audio.py's, and
takes minutes; what is measured here is every other output, the PDFs among them.
"""

from __future__ import annotations

import functools
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kitbuilder import build
from kitbuilder.render import pdf

ROOT = Path(__file__).resolve().parent.parent
RENDERERS = ("guide", "summary_table", "sheet", "story", "complete")


def main() -> int:
    timings: list[tuple[str, float]] = []

    def timed(function: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(function)
        def run(*args: Any) -> None:
            started = time.perf_counter()
            function(*args)
            timings.append((Path(args[-1]).name, time.perf_counter() - started))
        return run

    for name in RENDERERS:
        setattr(pdf, name, timed(getattr(pdf, name)))
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        clean = build.build_kit(ROOT / "kit", Path(cache), wait_for_audio=False)
        wall = time.perf_counter() - started
        pdfs = [f for f in clean.files if f.name.endswith(".pdf")]
        busy = sum(seconds for _, seconds in timings)
        print(f"clean build: {wall:.1f} s wall, {len(clean.files)} files, of which "
              f"{len(pdfs)} PDFs made in {busy:.1f} s ({busy / wall:.0%} of the wall time)")
        for name, seconds in sorted(timings, key=lambda t: -t[1])[:5]:
            pages = pdf.page_count(next(f.path for f in pdfs if f.name == name))
            print(f"  {name:42} {seconds:5.2f} s  {pages:3} pages")
        print(f"  all PDFs: {sum(f.path.stat().st_size for f in pdfs) / 1e6:.1f} MB, "
              f"{sum(pdf.page_count(f.path) for f in pdfs)} pages")
        timings.clear()
        started = time.perf_counter()
        again = build.build_kit(ROOT / "kit", Path(cache), wait_for_audio=False)
        rewall = time.perf_counter() - started
        made_pdfs = [n for n in again.generated if n.endswith(".pdf")]
        print(f"rebuild, nothing changed: {rewall:.2f} s, {len(again.generated)} files "
              f"generated, {len(made_pdfs)} PDFs made, {len(timings)} PDF renders called")
    return 0 if not again.generated and not timings else 1


if __name__ == "__main__":
    sys.exit(main())
