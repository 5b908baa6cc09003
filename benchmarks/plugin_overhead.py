"""What the kit plugin adds to a rebuild with nothing changed: `mkdocs build` of this site with
the `kit` plugin on, against the same site with it off, timed side by side in one run.

    .venv/bin/python benchmarks/plugin_overhead.py            # 7 rounds
    .venv/bin/python benchmarks/plugin_overhead.py -r 11 --cache .cache/kitbuilder

Both sites are built from copies of mkdocs.yml in a temporary folder beside a copy of docs/,
kit/, audio/ and overrides/ (the site plugin wants its data under the folder of mkdocs.yml).
The copy without the kit drops the `kit` plugin and the « kit/ » nav entry; the `association`
plugin stays. The kit's cache is a temporary one, filled by an untimed build first (a clean build, about 20 s), unless
`--cache` names one. Each round then runs `mkdocs build` once with the kit and once without,
in alternating order, as the whole command a person runs (Python start-up and imports
included). Prints every time, the medians and their ratio; the target is a ratio <= 1.10.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MKDOCS = Path(sys.executable).with_name("mkdocs")
TARGET = 1.10
MAX_ROUNDS = 25


def configs(folder: Path, cache: Path) -> tuple[Path, Path]:
    """mkdocs.yml with the kit (its cache in `cache`) and without it, written in `folder`."""
    for name in ("docs", "kit", "audio", "overrides"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, folder / name)
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    with_kit = dict(config)
    with_kit["plugins"] = [{"kit": {**p["kit"], "cache_dir": str(cache)}}
                           if isinstance(p, dict) and "kit" in p else p
                           for p in config["plugins"]]
    without = dict(config)
    without["plugins"] = [p for p in config["plugins"]
                          if not (p == "kit" or isinstance(p, dict) and "kit" in p)]
    without["nav"] = _without_kit(config["nav"])
    without["strict"] = False  # the site's links to the kit pages have nothing to point at
    on, off = folder / "mkdocs-kit-on.yml", folder / "mkdocs-kit-off.yml"
    for path, data in ((on, with_kit), (off, without)):
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
    return on, off


def _without_kit(nav: list) -> list:
    out = []
    for item in nav:
        if isinstance(item, dict):
            (title, value), = item.items()
            if value == "kit/":
                continue
            item = {title: _without_kit(value) if isinstance(value, list) else value}
        out.append(item)
    return out


def build(config: Path, site: Path) -> float:
    started = time.perf_counter()
    run = subprocess.run([str(MKDOCS), "build", "-q", "-f", str(config), "-d", str(site)],
                         capture_output=True, text=True, check=False,
                         env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=600)
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(f"mkdocs build -f {config.name} failed:\n{run.stdout}{run.stderr}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-r", "--rounds", type=int, default=7,
                        help=f"timed rounds, each with and without the kit (at most {MAX_ROUNDS})")
    parser.add_argument("--cache", type=Path, default=None,
                        help="the kit's cache (default: a temporary one, filled first)")
    args = parser.parse_args()
    rounds = max(1, min(args.rounds, MAX_ROUNDS))
    with tempfile.TemporaryDirectory(prefix="kitbuilder-overhead-") as tmp:
        folder = Path(tmp)
        cache = (args.cache or folder / "cache").resolve()
        on, off = configs(folder, cache)
        started = time.perf_counter()
        build(on, folder / "site-on")  # fills the cache: the timed builds change nothing
        build(off, folder / "site-off")  # and warms the disk cache for both
        print(f"cores: {os.cpu_count()}; cache: {'temporary' if args.cache is None else cache}"
              f"; first build with the kit {time.perf_counter() - started:.1f} s (untimed)")
        times: dict[str, list[float]] = {"on": [], "off": []}
        for number in range(rounds):
            order = ("on", "off") if number % 2 == 0 else ("off", "on")
            for which in order:
                config = on if which == "on" else off
                times[which].append(build(config, folder / f"site-{which}"))
        pages = {w: sum(1 for _ in (folder / f"site-{w}").rglob("*.html")) for w in times}
        print(f"{'mkdocs build, nothing changed':32}{'median s':>9}{'min s':>8}{'max s':>8}"
              f"{'pages':>7}   every round, s")
        for which, label in (("on", "kit plugin on"), ("off", "kit plugin off")):
            t = times[which]
            print(f"{label:32}{statistics.median(t):9.3f}{min(t):8.3f}{max(t):8.3f}"
                  f"{pages[which]:7d}   " + " ".join(f"{x:.3f}" for x in t))
        ratio = statistics.median(times["on"]) / statistics.median(times["off"])
        print(f"ratio on / off (medians): {ratio:.3f} — target <= {TARGET:.2f}: "
              f"{'met' if ratio <= TARGET else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
