"""Audio build speed on the real kit (kit/): seconds of audio made per second of wall time on
a clean cache, and what a rebuild with nothing changed costs, measured in the same run.

    .venv/bin/python benchmarks/audio.py

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
