"""What the PDF edition costs in a clean build of kit/, and that a rebuild with nothing changed
makes no PDF.

    .venv/bin/python benchmarks/pdf.py
    .venv/bin/python benchmarks/pdf.py --join

One clean build on a fresh temporary cache, with the PDF jobs timed by wrapping the renderers
of render.pdf (the cache keys stay the same: functools.wraps keeps their names); then a
rebuild with nothing changed on the same cache, which must generate nothing. The audio is left
out of both (`wait_for_audio=False`, as under `mkdocs serve`): it is benchmarks/audio.py's, and
takes minutes; what is measured here is every other output, the PDFs among them.

`--join`: « Le kit complet » and the complete story printed alone, each in a process of its
own under /usr/bin/time -v, for our kit, ten times the story and ten times the whole kit:
laid out in one chunk (every page held until the PDF is written, as before render.pdf_join)
beside the chunks the build uses. Wall time, peak memory, size and pages, side by side.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kitbuilder import build
from kitbuilder.render import pdf, pdf_join

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


JOIN_CHILD = """
import sys
from pathlib import Path
from kitbuilder.render import pdf, pdf_join
from kitbuilder.sources import load_kit
kit_dir, what, chunk, out = sys.argv[1:5]
pdf_join.CHUNK = int(chunk)
kit = load_kit(Path(kit_dir))
if what == 'kit':
    pdf.complete(kit, Path(out))
else:
    pdf.story(kit.imprint, kit.story.title, kit.story.parts, len(kit.story.parts), Path(out))
"""


def join() -> int:
    sys.path.insert(0, str(Path(__file__).parent))  # memory.py and scaling.py, beside this
    from memory import timed
    from scaling import make_kit

    print(f"{'':34}{'one chunk':>30}{'chunks (the build)':>30}")
    print(f"{'':34}" + f"{'wall s':>8}{'peak MB':>9}{'KB':>6}{'pages':>7}" * 2)
    with tempfile.TemporaryDirectory(prefix="kitbuilder-join-") as tmp:
        kits = [("our kit", ROOT / "kit")]
        for label, sheets_too in (("10x the story", False), ("10x the kit", True)):
            folder = Path(tmp) / label.replace(" ", "-")
            folder.mkdir()
            kits.append((label, make_kit(10, folder, sheets_too)[0]))
        for label, kit in kits:
            for what in ("kit", "story"):
                row = f"{label}, {'kit-complet' if what == 'kit' else 'recit-complet'}"
                cells = ""
                for chunk in (10**9, pdf_join.CHUNK):
                    out = Path(tmp) / f"{what}-{chunk}.pdf"
                    wall, peak, _ = timed([sys.executable, "-c", JOIN_CHILD, str(kit), what,
                                           str(chunk), str(out)], dict(os.environ), ROOT)
                    size = out.stat().st_size / 1024
                    cells += f"{wall:8.1f}{peak:9.0f}{size:6.0f}{pdf.page_count(out):7}"
                print(f"{row:34}{cells}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(join() if "--join" in sys.argv[1:] else main())
