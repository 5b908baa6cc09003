"""A clean build of the whole kit (kit/, empty cache): wall time, seconds of audio produced per
wall second, and where the time goes, step by step.

    .venv/bin/python benchmarks/clean_build.py          # 3 clean builds, about 25 s each
    .venv/bin/python benchmarks/clean_build.py -r 1

Each run calls build_kit on a fresh temporary cache, as `./scripts/build` does the first time.
The steps are timed by wrapping the functions that do them (the cache keys stay the same):

    load    reading and checking the sources (load_kit, find_recordings)
    docx    the Word files (render.docx.*)
    audio   the MP3 and WebVTT of each part (render.audio.mp3/vtt), and within it: speech
            synthesis (the engine), assembly and mastering+encoding (render.sound)
    pages   the kit's pages for the site (build._pages, with the chapters read from the MP3s)
    offline the offline HTML copy of the pages that goes into the zip (render.offline)
    zip     the zip (render.bundle.bundle)

The audio of the parts is made in threads while the Word files are written, so steps overlap:
« busy » adds up the time of every call, « span » is the time during which at least one call
of the step was running. Their sum can exceed the wall time.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from mutagen.mp3 import MP3

from kitbuilder import build
from kitbuilder.render import audio, bundle, docx, sound, speech

try:
    from kitbuilder.render import offline
except ImportError:  # older trees: no offline copy in the zip
    offline = None

ROOT = Path(__file__).resolve().parent.parent
MAX_RUNS = 5


class Steps:
    """Intervals of time spent in each step, from every thread."""

    def __init__(self) -> None:
        self.calls: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self.lock = threading.Lock()

    def wrap(self, step: str, function):
        @functools.wraps(function)  # keeps __module__ and __qualname__: the same cache keys
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                with self.lock:
                    self.calls[step].append((started, time.perf_counter()))
        return timed

    def busy(self, step: str) -> float:
        return sum(end - start for start, end in self.calls[step])

    def span(self, step: str) -> float:
        total, reach = 0.0, float("-inf")
        for start, end in sorted(self.calls[step]):
            if end > reach:
                total += end - max(start, reach)
                reach = end
        return total


def instrument(steps: Steps) -> list[tuple[object, str, object]]:
    """Wrap the functions of each step; return what to put back."""
    targets = [(build, "load_kit", "load"), (build, "find_recordings", "load"),
               (docx, "guide", "docx"), (docx, "summary_table", "docx"),
               (docx, "sheet", "docx"), (docx, "story", "docx"),
               (audio, "mp3", "audio"), (audio, "vtt", "audio"),
               (speech.Espeak, "synthesize", "  speech synthesis"),
               (speech.Piper, "synthesize", "  speech synthesis"),
               (sound, "assemble", "  assembly"), (sound, "encode", "  master + MP3 encoding"),
               (build, "_pages", "pages"), (bundle, "bundle", "zip")]
    if offline is not None:
        targets.append((offline, "offline_pages", "offline"))
    saved = []
    for owner, name, step in targets:
        original = getattr(owner, name)
        saved.append((owner, name, original))
        setattr(owner, name, steps.wrap(step, original))
    return saved


def clean_build(folder: Path) -> tuple[float, float, Steps, int]:
    steps = Steps()
    saved = instrument(steps)
    try:
        started = time.perf_counter()
        result = build.build_kit(ROOT / "kit", folder / "cache", audio_dir=ROOT / "audio")
        wall = time.perf_counter() - started
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)
    heard = sum(MP3(f.path).info.length for f in result.files if f.name.endswith(".mp3"))
    return wall, heard, steps, len(result.files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-r", "--runs", type=int, default=3,
                        help=f"clean builds, each on a new cache (at most {MAX_RUNS})")
    args = parser.parse_args()
    runs = max(1, min(args.runs, MAX_RUNS))
    engine = speech.find_engine(speech.SpeechConfig())
    print(f"cores: {os.cpu_count()}; engine: {engine.label}; {runs} clean build(s) of kit/")
    walls, rates, all_steps = [], [], []
    for number in range(runs):
        with tempfile.TemporaryDirectory(prefix="kitbuilder-clean-") as folder:
            wall, heard, steps, count = clean_build(Path(folder))
        walls.append(wall)
        rates.append(heard / wall)
        all_steps.append(steps)
        print(f"  run {number + 1}: {wall:6.2f} s wall, {count} files, {heard:7.1f} s of audio, "
              f"{heard / wall:5.1f} audio s per wall s", flush=True)
    middle = sorted(range(runs), key=lambda i: walls[i])[runs // 2]  # the median run
    steps, wall = all_steps[middle], walls[middle]
    print(f"\nclean build, median of {runs}: {statistics.median(walls):.2f} s wall, "
          f"{statistics.median(rates):.1f} audio s per wall s; best: {min(walls):.2f} s, "
          f"{max(rates):.1f} audio s per wall s")
    print(f"\nsteps of the median run ({wall:.2f} s wall):")
    print(f"{'step':28}{'calls':>6}{'busy s':>9}{'span s':>9}{'span % of wall':>16}")
    order = ["load", "docx", "audio", "  speech synthesis", "  assembly",
             "  master + MP3 encoding", "pages", "offline", "zip"]
    for step in order:
        if steps.calls[step]:
            print(f"{step:28}{len(steps.calls[step]):6d}{steps.busy(step):9.2f}"
                  f"{steps.span(step):9.2f}{100 * steps.span(step) / wall:15.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
