"""Peak memory of clean builds, each in a process of its own (see benchmarks/audio.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import scaling  # benchmarks/scaling.py, beside this file
from scaling import make_kit

_marked = scaling._part


def _part(text: str, copy: int) -> str:
    """scaling's copy of a part, its « ### Pour en parler » headings left as they are."""
    heading = "### Pour en parler"
    return _marked(text, copy).replace(f"{heading} ({copy})", heading)


scaling._part = _part  # make_kit copies the parts with it

CHILD = """
import sys
from pathlib import Path
from mutagen.mp3 import MP3
from kitbuilder.build import build_kit
kit, cache, audio = map(Path, sys.argv[1:4])
result = build_kit(kit, cache, audio_dir=audio)
minutes = [MP3(f.path).info.length / 60 for f in result.files if f.name.endswith('.mp3')]
print(f'AUDIO {sum(minutes):.1f} {max(minutes):.1f} {len(minutes)}')
"""


def timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """(wall seconds, peak MB, stdout) of a command run under /usr/bin/time -v."""
    run = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True,
                         env=env, cwd=cwd, check=False)
    if run.returncode != 0:
        raise SystemExit(f"{command[:3]} failed:\n{run.stderr[-2000:]}")
    peak = float(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)[1]) / 1024
    clock = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", run.stderr)
    wall = int(clock[1] or 0) * 3600 + int(clock[2]) * 60 + float(clock[3])
    return wall, peak, run.stdout


def long_part(folder: Path, root: Path, factor: int = 10) -> Path:
    """The kit with one part: every scene of the story `factor` times over. The copies say the
    same words, so the engine says each line once: the row measures a part ten times our whole
    story (about 4 h 20) assembled, mastered and encoded, not ten times the synthesis."""
    kit = folder / "kit"
    shutil.copytree(root / "kit", kit)
    shutil.copytree(root / "docs" / "_data", folder / "docs" / "_data")  # kit.yml names it
    scenes: list[str] = []
    head = ""
    for name in ("matin", "apres-midi", "nuit"):
        text = (kit / f"recit/{name}.md").read_text(encoding="utf-8")
        first, *rest = re.split(r"(?m)^(?=## )", text)
        head = head or first
        scenes += [s for s in rest if not s.startswith("## Questions pour le groupe")]
    questions = "## Questions pour le groupe\n\n1. Qu'avez-vous entendu ?\n"
    (kit / "recit/matin.md").write_text(head + "".join(scenes) * factor + questions,
                                        encoding="utf-8")
    for name in ("apres-midi", "nuit"):
        (kit / f"recit/{name}.md").unlink()
    manifest = (kit / "kit.yml").read_text(encoding="utf-8")
    manifest = re.sub(r"\n    - recit/(apres-midi|nuit)\.md", "", manifest)
    (kit / "kit.yml").write_text(manifest, encoding="utf-8")
    return kit


def memory(root: Path, only: str = "") -> int:
    """Print the rows; `only`: just those whose label holds it (e.g. « espeak »)."""
    python = sys.executable
    espeak = {**os.environ, "KITBUILDER_SPEECH_ENGINE": "espeak-ng"}
    default = {k: v for k, v in os.environ.items() if k != "KITBUILDER_SPEECH_ENGINE"}
    print(f"{'clean build':52}{'wall s':>8}{'peak MB':>9}{'audio min':>10}{'longest':>8}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="kitbuilder-memory-") as tmp:
        site = Path(tmp) / "site-copy"
        shutil.copytree(root, site, ignore=shutil.ignore_patterns(
            ".venv", ".cache", "site", "site.*", ".git", "var", "__pycache__"))
        mkdocs = str(Path(python).with_name("mkdocs"))
        rows.append(("whole site, mkdocs build (stored narration)",
                     [mkdocs, "build", "--strict", "--site-dir", str(Path(tmp) / "out")],
                     default, site))
        for label, env, kit in (
                ("kit, stored narration (a fresh clone)", default, site / "kit"),
                ("kit, espeak-ng, nothing stored", espeak, site / "kit")):
            rows.append((label, [python, "-c", CHILD, str(kit), str(Path(tmp) / label[:8]),
                                 str(site / "audio")], env, site))
        for label, sheets_too in (("10x the story (30 parts, 9 sheets)", False),
                                  ("10x the kit (30 parts, 90 sheets)", True)):
            ten = Path(tmp) / ("ten-all" if sheets_too else "ten-story")
            ten.mkdir()
            kit10, *_ = make_kit(10, ten, sheets_too)
            rows.append((f"{label}, espeak-ng", [python, "-c", CHILD, str(kit10),
                                                  str(ten / "cache"), str(ten / "audio")],
                         espeak, ten))
        longer = Path(tmp) / "long"
        longer.mkdir()
        kit_long = long_part(longer, root)
        rows.append(("one part 10x our whole story, espeak-ng",
                     [python, "-c", CHILD, str(kit_long), str(longer / "cache"),
                      str(longer / "audio")], espeak, longer))
        for label, command, env, cwd in rows:
            if only not in label:
                continue
            wall, peak, out = timed(command, env, cwd)
            found = re.search(r"AUDIO ([\d.]+) ([\d.]+)", out)
            audio, longest = (found[1], found[2]) if found else ("", "")
            print(f"{label:52}{wall:8.0f}{peak:9.0f}{audio:>10}{longest:>8}", flush=True)
    return 0
