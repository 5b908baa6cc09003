"""Audio build speed on the real kit (kit/): seconds of audio made per second of wall time on
a clean cache, and what a rebuild with nothing changed costs, measured in the same run.

    .venv/bin/python benchmarks/audio.py
    nice -n 10 .venv/bin/python benchmarks/audio.py --memory [espeak]  # peak memory

`--memory` measures the peak memory (maximum resident set, /usr/bin/time -v) of clean builds,
each in a process of its own with an empty cache: the whole site as ./scripts/build makes it
(mkdocs build, the stored narration of audio/synthese in use, as in a fresh clone), the kit
alone likewise, the kit voiced by espeak-ng (no stored narration), the kit with its story ten
times over (30 parts, espeak-ng), the same with its sheets ten times over too (90 sheets), and
one part ten times as long as ours (espeak-ng). The
mastering holds one scene at a time (render.master): the peak follows the longest scene.

The Word files and pages are built first without audio (wait_for_audio=False), so that the
clean timing is the audio's alone: synthesis, assembly, mastering, encoding, tags, transcript.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from mutagen.mp3 import MP3

from kitbuilder.build import build_kit
from kitbuilder.render.speech import SpeechConfig, find_engine

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    if "--memory" in sys.argv[1:]:
        from memory import memory  # benchmarks/memory.py, beside this file

        rest = [a for a in sys.argv[1:] if a != "--memory"]
        return memory(ROOT, rest[0] if rest else "")
    messages: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kitbuilder-audio-bench-") as folder:
        cache = Path(folder) / "cache"

        def run(**options):
            started = time.perf_counter()
            result = build_kit(ROOT / "kit", cache, audio_dir=ROOT / "audio",
                               progress=messages.append, **options)
            return result, time.perf_counter() - started

        run(wait_for_audio=False)  # Word files and pages only, out of the timing
        messages.clear()
        clean, clean_seconds = run()
        clean_messages, messages[:] = len(messages), []
        again, again_seconds = run()
        mp3 = [f for f in clean.files if f.name.endswith(".mp3")]
        heard = sum(MP3(f.path).info.length for f in mp3)

        print(f"cores: {os.cpu_count()}; parts: {len(mp3)}; engine: "
              f"{find_engine(SpeechConfig()).label}")
        print(f"{'':34}{'wall s':>8}{'audio s':>9}{'audio s / wall s':>18}{'messages':>10}")
        print(f"{'clean audio build':34}{clean_seconds:8.2f}{heard:9.1f}"
              f"{heard / clean_seconds:18.1f}{clean_messages:10d}")
        print(f"{'rebuild, nothing changed':34}{again_seconds:8.2f}{0:9.1f}{'-':>18}"
              f"{len(messages):10d}")
        print(f"rebuild / clean: {again_seconds / clean_seconds:.4f}; files made again: "
              f"{len(again.generated)}")
        for f in mp3:
            info = MP3(f.path).info
            print(f"  {f.name:28} {f.path.stat().st_size / 1e6:6.2f} MB  "
                  f"{info.length / 60:5.2f} min  {info.bitrate // 1000} kbit/s mono")
    return 0


if __name__ == "__main__":
    sys.exit(main())
