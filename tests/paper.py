"""Word files as a user's office suite prints them: LibreOffice headless converts them to PDF,
and pdfplumber reads back what each page draws (text, horizontal rules, where they stand)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

MM = 72 / 25.4  # PDF points per millimetre


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        pytest.fail("LibreOffice is missing: ./scripts/test installs it (apt-get install "
                    "libreoffice-writer-nogui)")
    return found


def to_pdf(files: list[Path], out: Path) -> dict[str, Path]:
    """Every file converted in ONE LibreOffice run (start-up is most of its cost), with a
    private profile so that no user's settings or a running office interfere."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run(
            [soffice(), f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
             "--norestore", "--nolockcheck", "--convert-to", "pdf", "--outdir", str(out),
             *map(str, files)],
            capture_output=True, text=True, timeout=600, check=False)
    converted = {f.name: out / f"{f.stem}.pdf" for f in files}
    missing = [name for name, pdf in converted.items() if not pdf.is_file()]
    assert not missing, f"LibreOffice did not convert {missing}: {run.stdout} {run.stderr}"
    return converted


@dataclass(frozen=True)
class Rule:
    """A horizontal line drawn on the page (top in points from the page's top)."""

    top: float
    x0: float
    x1: float


def rules(page) -> list[Rule]:
    """Horizontal rules at least 15 mm long, one per height: a table row's border drawn cell
    by cell counts once."""
    edges = sorted((e for e in page.horizontal_edges if e["x1"] - e["x0"] >= 15 * MM),
                   key=lambda e: e["top"])
    merged: list[Rule] = []
    for edge in edges:
        if merged and abs(edge["top"] - merged[-1].top) < 1.5:
            last = merged[-1]
            merged[-1] = Rule(last.top, min(last.x0, edge["x0"]), max(last.x1, edge["x1"]))
        else:
            merged.append(Rule(edge["top"], edge["x0"], edge["x1"]))
    return merged


def find_text(page, text: str, bold: bool = False) -> dict | None:
    """Where `text` (its first eight words) is printed, across line breaks; with `bold`, only
    where it is set in a bold font (a heading, not the same words in running text)."""
    words = re.findall(r"\w+", text)[:8]
    pattern = r"\W+".join(map(re.escape, words))
    for found in page.search(pattern, regex=True, case=True):
        if not bold or "Bold" in found["chars"][0]["fontname"]:
            return found
    return None
