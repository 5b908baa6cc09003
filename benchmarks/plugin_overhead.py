"""What the kit plugin adds to a rebuild with nothing changed: `mkdocs build` of this site with
the `kit` plugin on, against the same site with it off, timed side by side in one run.

    .venv/bin/python benchmarks/plugin_overhead.py            # 7 rounds
    .venv/bin/python benchmarks/plugin_overhead.py -r 11 --cache .cache/kitbuilder

« The same site with the plugin off » is the site the plugin makes, frozen: its kit pages
written out as Markdown files, its built files and its stylesheets and scripts copied into
docs/, its nav entries written into mkdocs.yml, and no `kit` plugin. Both build the same 22
pages and copy the same files, so the ratio is what the plugin itself costs: loading and
checking the sources, finding what is in the cache, making the pages. That ratio is the
target (<= 1.10). A third site drops the kit altogether (no kit pages, no kit nav entry): it
is printed for information, since it renders 12 pages fewer and copies 13 MB less.

Each site is built from its own mkdocs.yml in a temporary folder, beside a copy of docs/,
kit/, audio/ and overrides/ (the site plugin wants its data under the folder of mkdocs.yml).
The kit's cache is a temporary one, filled by an untimed build first (a clean build, about
20 s), unless `--cache` names one. Each round runs `mkdocs build` once for every site, in an
order that rotates, as the whole command a person runs (Python start-up and imports
included). Prints every time, the medians and their ratios.
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


def configs(folder: Path, cache: Path) -> dict[str, Path]:
    """mkdocs.yml with the kit (its cache in `cache`), with the kit frozen (see above) and
    without it, each in a folder of its own under `folder`."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    with_kit = dict(config)
    with_kit["plugins"] = [{"kit": {**p["kit"], "cache_dir": str(cache)}}
                           if isinstance(p, dict) and "kit" in p else p
                           for p in config["plugins"]]
    without = dict(config)
    without["plugins"] = [p for p in config["plugins"] if not _is_kit(p)]
    without["strict"] = False  # the site's links to the kit pages have nothing to point at
    without["nav"] = _without_kit(config["nav"])
    written = {}
    for which, data in (("on", with_kit), ("off", without)):
        _copy_sources(folder / which)
        written[which] = folder / which / "mkdocs.yml"
        _dump(written[which], data)
    build(written["on"], folder / "site-on")  # fills the cache: the timed builds change nothing
    _copy_sources(folder / "frozen")
    written["frozen"] = folder / "frozen" / "mkdocs.yml"
    _dump(written["frozen"], {**without, **_freeze(written["on"], folder / "frozen" / "docs")})
    return written


def _freeze(config_file: Path, docs: Path) -> dict:
    """Write into `docs` what the kit plugin adds to the site; return the settings it adds."""
    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files

    config = load_config(str(config_file))
    config.plugins.on_startup(command="build", dirty=False)
    config = config.plugins.on_config(config)
    for file in config.plugins.on_files(get_files(config), config=config):
        if file.generated_by != "kit":
            continue
        target = docs / file.src_uri
        target.parent.mkdir(parents=True, exist_ok=True)
        if file.abs_src_path:
            shutil.copyfile(file.abs_src_path, target)
        else:
            target.write_bytes(file.content_bytes)
    return {"nav": config.nav, "extra_css": [str(x) for x in config.extra_css],
            "extra_javascript": [str(x) for x in config.extra_javascript]}


def _copy_sources(folder: Path) -> None:
    for name in ("docs", "kit", "audio", "overrides"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, folder / name)


def _dump(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _is_kit(plugin: object) -> bool:
    return plugin == "kit" or isinstance(plugin, dict) and "kit" in plugin


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
        started = time.perf_counter()
        sites = configs(folder, cache)
        for which in ("frozen", "off"):  # warms the disk cache for every site
            build(sites[which], folder / f"site-{which}")
        print(f"cores: {os.cpu_count()}; cache: {'temporary' if args.cache is None else cache}"
              f"; setting up, first build with the kit included: "
              f"{time.perf_counter() - started:.1f} s (untimed)")
        names = list(sites)
        times: dict[str, list[float]] = {which: [] for which in names}
        for number in range(rounds):
            for which in names[number % len(names):] + names[:number % len(names)]:
                times[which].append(build(sites[which], folder / f"site-{which}"))
        pages = {w: sum(1 for _ in (folder / f"site-{w}").rglob("*.html")) for w in times}
        size = {w: sum(f.stat().st_size for f in (folder / f"site-{w}").rglob("*")
                       if f.is_file()) / 1e6 for w in times}
        print(f"{'mkdocs build, nothing changed':34}{'median s':>9}{'min s':>8}{'max s':>8}"
              f"{'pages':>7}{'MB':>6}   every round, s")
        labels = {"on": "kit plugin on", "frozen": "off, same site (kit frozen)",
                  "off": "off, no kit at all"}
        for which in names:
            t = times[which]
            print(f"{labels[which]:34}{statistics.median(t):9.3f}{min(t):8.3f}{max(t):8.3f}"
                  f"{pages[which]:7d}{size[which]:6.1f}   " + " ".join(f"{x:.3f}" for x in t))
        median = {which: statistics.median(t) for which, t in times.items()}
        ratio = median["on"] / median["frozen"]
        print(f"ratio on / same site off (medians): {ratio:.3f} — target <= {TARGET:.2f}: "
              f"{'met' if ratio <= TARGET else 'NOT met'}")
        print(f"ratio on / no kit at all (medians): {median['on'] / median['off']:.3f} "
              f"(for information: {pages['on'] - pages['off']} more pages to render)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
