"""Build cost as the kit grows: the kit of kit/ at 1x, and generated kits 10x and 50x its size
(more sheets, a longer story), each built clean and then rebuilt with nothing changed.

    .venv/bin/python benchmarks/scaling.py              # 1x, 10x, 50x without audio, ~1 min
    .venv/bin/python benchmarks/scaling.py --audio      # also voices 1x and 10x (~4 more min)

A kit N times ours is kit/ copied into a temporary folder with every sheet and every story part
copied N times (`fiches/<name>-<k>.yml`, `recit/<name>-<k>.md`), each copy's title and text
marked with its number so that no two are alike (not even for the audio cache), and kit.yml
listing them all; the guide, the summary table and the lexicon stay as they are. At 50x that
is 300 sheets and a story of 150 parts.

Audio is left out by default (build_kit(wait_for_audio=False), as under `mkdocs serve`): at
~100 audio seconds per wall second the story would take 3 min at 10x and 15 min at 50x.
`--audio` adds audio at 1x and 10x only, as separate rows. The unit of content is a kilobyte of
kit sources, and for the rows with audio a minute of audio made (the audio grows with the story
alone, not with the sheets or the guide). The growth exponent between two sizes is
log(time ratio) / log(content ratio): 1 is linear; above 1.05 the cost grows faster than the
kit, and the script says so and exits 1. `--profile` shows which renderer it is.
"""

from __future__ import annotations

import argparse
import cProfile
import math
import os
import pstats
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml
from mutagen.mp3 import MP3

from kitbuilder.build import build_kit

ROOT = Path(__file__).resolve().parent.parent
FACTORS = (1, 10, 50)
AUDIO_FACTORS = (1, 10)


def make_kit(factor: int, folder: Path, sheets_too: bool = True) -> tuple[Path, int, int, int]:
    """kit/ grown `factor` times in `folder` (the story only, without `sheets_too`); returns
    it, its source bytes, sheets and parts."""
    kit = folder / "kit"
    shutil.copytree(ROOT / "kit", kit)
    # kit.yml names files beside kit/ (the association's data): copy them too.
    shutil.copytree(ROOT / "docs" / "_data", folder / "docs" / "_data")
    manifest = yaml.safe_load((kit / "kit.yml").read_text(encoding="utf-8"))
    sheets, parts = [], []
    for copy in range(1, factor + 1):
        for name in manifest["sheets"] if sheets_too or copy == 1 else ():
            sheets.append(_copy(kit, name, copy, _sheet))
        for name in manifest["story"]["parts"]:
            parts.append(_copy(kit, name, copy, _part))
    manifest["sheets"], manifest["story"]["parts"] = sheets, parts
    (kit / "kit.yml").write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False),
                                 encoding="utf-8")
    listed = ["kit.yml", manifest["guide"], manifest["table"], *sheets, *parts]
    listed += [manifest["lexicon"]] if manifest.get("lexicon") else []
    size = sum((kit / name).stat().st_size for name in listed)
    return kit, size, len(sheets), len(parts)


def _copy(kit: Path, name: str, copy: int, vary) -> str:
    if copy == 1:
        return name
    source = kit / name
    target = source.with_name(f"{source.stem}-{copy}{source.suffix}")
    target.write_text(vary(source.read_text(encoding="utf-8"), copy), encoding="utf-8")
    return str(target.relative_to(kit))


def _sheet(text: str, copy: int) -> str:
    data = yaml.safe_load(text)
    data["title"] = f"{data['title']} ({copy})"
    data["purpose"] = f"{data['purpose']} Variante {copy}."
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _part(text: str, copy: int) -> str:
    """Every title and paragraph marked with the copy's number, so that each is said anew."""
    out = []
    for line in text.splitlines():
        keep = (not line.strip() or line.startswith(("## Questions pour le groupe", "### "))
                or re.match(r"\d+\.\s", line))
        out.append(line if keep else f"{line.rstrip()} ({copy})")
    return "\n".join(out) + "\n"


def timed_build(kit: Path, cache: Path, audio_dir: Path, with_audio: bool):
    started = time.perf_counter()
    result = build_kit(kit, cache, audio_dir=audio_dir, wait_for_audio=with_audio)
    return time.perf_counter() - started, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--audio", action="store_true",
                        help=f"also build with audio at {' and '.join(f'{f}x' for f in AUDIO_FACTORS)}")
    parser.add_argument("--factors", default=",".join(map(str, FACTORS)),
                        help="kit sizes to build, comma-separated (default: %(default)s)")
    parser.add_argument("--profile", action="store_true",
                        help="profile the largest clean build (the main thread: Word and PDF "
                             "files, pages, zip) and print where its time goes")
    args = parser.parse_args()
    factors = tuple(int(f) for f in args.factors.split(","))
    runs = [(factor, False) for factor in factors]
    if args.audio:
        runs += [(factor, True) for factor in AUDIO_FACTORS]
    print(f"cores: {os.cpu_count()}; clean build, then a rebuild with nothing changed, of kits "
          f"{', '.join(f'{f}x' for f in factors)} the size of kit/")
    print(f"{'kit':>5} {'audio':>7} {'sources':>8} {'sheets':>6} {'parts':>5} {'files':>5} "
          f"{'clean s':>8} {'per unit':>13} {'exponent':>8} {'rebuild s':>9}")
    previous: dict[bool, tuple[float, float]] = {}
    worst = 0.0
    for factor, with_audio in runs:
        with tempfile.TemporaryDirectory(prefix=f"kitbuilder-scale-{factor}x-") as tmp:
            folder = Path(tmp)
            kit, size, sheets, parts = make_kit(factor, folder)
            (folder / "audio").mkdir()  # no recorded narration: every scene synthesized
            profiler = cProfile.Profile() if args.profile and factor == factors[-1] else None
            if profiler:
                profiler.enable()
            clean, result = timed_build(kit, folder / "cache", folder / "audio", with_audio)
            if profiler:
                profiler.disable()
                profiled = pstats.Stats(profiler, stream=sys.stdout)
            again, _ = timed_build(kit, folder / "cache", folder / "audio", with_audio)
            minutes = sum(MP3(f.path).info.length for f in result.files
                          if f.name.endswith(".mp3")) / 60
        # The content the build's time follows: sources, or the audio when it is made.
        units = minutes if with_audio else size / 1000
        per_unit = (f"{clean / units:6.2f} s/min" if with_audio
                    else f"{1000 * clean / units:6.2f} ms/KB")
        exponent = ""
        if with_audio in previous:
            last_units, last_clean = previous[with_audio]
            value = math.log(clean / last_clean) / math.log(units / last_units)
            exponent = f"{value:.2f}"
            if factor > factors[1] or with_audio:  # 1x carries the fixed costs: from 10x up
                worst = max(worst, value)
        previous[with_audio] = (units, clean)
        print(f"{factor:>4}x {f'{minutes:.0f} min' if with_audio else 'no':>7} "
              f"{size / 1000:6.0f}KB {sheets:6d} {parts:5d} {len(result.files):5d} "
              f"{clean:8.2f} {per_unit:>13} {exponent:>8} {again:9.3f}", flush=True)
    print(f"largest growth exponent (10x to 50x; 1x to 10x with audio): {worst:.2f} — "
          f"{verdict(worst)}")
    if args.profile:
        print(f"\nwhere the {factors[-1]}x clean build spends its time (main thread):")
        profiled.sort_stats("cumulative").print_stats(r"kitbuilder[/\\]render", 15)
    return 0 if worst <= LINEAR else 1


LINEAR = 1.05  # an exponent up to this is linear growth, within the noise of one run


def verdict(exponent: float) -> str:
    """What a growth exponent says, honestly: above LINEAR the cost grows faster than the kit
    (« FASTER THAN LINEAR » used to be printed for 1.08 to 1.1 as « no faster than linear »)."""
    if exponent <= LINEAR:
        return f"linear (at most {LINEAR}; 1 = linear)"
    return (f"GROWS FASTER THAN THE KIT (exponent above {LINEAR}): look for an output whose "
            "time per unit rises with the size, e.g. with --profile")


if __name__ == "__main__":
    sys.exit(main())
