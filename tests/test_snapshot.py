"""A rebuild with nothing changed takes the kit from the plugin's snapshot: the same site as a
full build, and never once anything the kit is made from has changed."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from fixture_kit import FILES, write_kit
from kitbuilder.mkdocs import snapshot as mkdocs_snapshot
from test_site import MKDOCS_YML, mkdocs

FROM_SNAPSHOT = "rien n’a changé depuis la dernière construction"
# A full kit build that found every file cached.
FULL_AND_REUSED = "kit\u00a0: rien n’a changé, "


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_kit(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Accueil\n\n[Le kit](kit/index.md)\n")
    (tmp_path / "mkdocs.yml").write_text(MKDOCS_YML + "nav:\n  - index.md\n  - Le kit: kit/\n")
    return tmp_path


def tree(site: Path) -> dict[str, bytes]:
    return {path.relative_to(site).as_posix(): path.read_bytes()
            for path in sorted(site.rglob("*")) if path.is_file()}


def build(project: Path) -> str:
    run = mkdocs(project)
    assert run.returncode == 0, run.stderr
    return run.stderr


def snapshot_file(project: Path) -> Path:
    return project / ".cache" / "kitbuilder" / mkdocs_snapshot.FILE


def test_the_site_from_the_snapshot_is_the_site_of_a_full_build(project: Path) -> None:
    first = build(project)
    assert FROM_SNAPSHOT not in first and snapshot_file(project).is_file()
    full = tree(project / "site")
    assert any(name.startswith("kit/fichiers/") for name in full)
    again = build(project)
    assert FROM_SNAPSHOT in again
    # The log still says which voice reads each scene.
    assert "audio « 24 h en Ehpad : Le matin »" in again.replace("\u00a0", " ")
    assert tree(project / "site") == full
    snapshot_file(project).unlink()  # a full build again, every file from the cache
    assert FULL_AND_REUSED in build(project)
    assert tree(project / "site") == full


def test_an_edited_source_is_built_and_published(project: Path) -> None:
    build(project)
    guide = project / "kit" / "guide.md"
    status = guide.stat()
    # Same size and same time: only the bytes tell the change.
    guide.write_text(FILES["guide.md"].replace("se lance", "démarre"), encoding="utf-8")
    os.utime(guide, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert FROM_SNAPSHOT not in build(project)
    page = (project / "site" / "kit" / "guide" / "index.html").read_text(encoding="utf-8")
    assert "démarre" in page and "se lance" not in page


def test_a_broken_link_among_the_sources_is_no_error_unless_a_source_needs_it(
        project: Path) -> None:
    (project / "kit" / "brouillon.md").symlink_to(project / "kit" / "disparu.md")
    build(project)
    assert FROM_SNAPSHOT in build(project)


def test_a_file_gone_from_the_cache_is_made_again(project: Path) -> None:
    build(project)
    files = json.loads(snapshot_file(project).read_text(encoding="utf-8"))["files"]
    Path(next(stored for site, stored in files if site.endswith("fiche-suivi.docx"))).unlink()
    log = build(project)
    assert FROM_SNAPSHOT not in log and "fiche-suivi.docx" in log
    assert (project / "site" / "kit" / "fichiers" / "fiche-suivi.docx").stat().st_size > 1000


@pytest.mark.parametrize("content", ["", "{", "[]", '{"key": 1}', "\udcff"])
def test_a_damaged_snapshot_means_a_full_build_not_an_error(project: Path, content: str) -> None:
    build(project)
    full = tree(project / "site")
    snapshot_file(project).write_text(content, encoding="utf-8", errors="surrogateescape")
    log = build(project)
    assert FULL_AND_REUSED in log and "Traceback" not in log
    assert tree(project / "site") == full


def test_a_mistake_after_a_snapshot_still_stops_the_build(project: Path) -> None:
    build(project)
    write_kit(project, {**FILES, "fiches/suivi.yml": FILES["fiches/suivi.yml"].replace(
        "rows: 6", "rows: beaucoup")})
    run = mkdocs(project)
    assert run.returncode == 1 and "kit/fiches/suivi.yml:7:" in run.stderr
    write_kit(project)  # put right again: the snapshot of the good sources serves again
    assert FROM_SNAPSHOT in build(project)


def test_the_fingerprint_follows_every_input(tmp_path: Path, monkeypatch) -> None:
    kit, audio = write_kit(tmp_path), tmp_path / "audio"

    def key(options: dict | None = None, voice: Path | None = None) -> str:
        return mkdocs_snapshot.fingerprint(options or {"url": "kit"}, kit, audio, voice,
                                           "piper")

    base = key()
    assert key() == base
    assert key({"url": "trousse"}) != base
    (kit / "notes.txt").write_text("x")  # any file of the sources
    assert key() != base
    (kit / "notes.txt").unlink()
    assert key() == base
    (audio / "matin").mkdir(parents=True)
    clip = audio / "matin" / "1.wav"
    clip.write_bytes(b"RIFF")
    with_clip = key()
    assert with_clip != base
    os.utime(clip, ns=(1, 1))  # a recording replaced: its time changes
    assert key() != with_clip
    voice = tmp_path / "voix.onnx"
    assert key(voice=voice) != key()
    tools = key()
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", "/opt/ffmpeg")
    assert key() != tools
    monkeypatch.delenv("IMAGEIO_FFMPEG_EXE")
    assert key() == tools
    monkeypatch.setenv("PATH", str(tmp_path))  # espeak-ng and ffmpeg no longer found
    assert key() != tools


def test_mkdocs_serve_shows_an_edit_to_the_kit_and_then_its_audio(project: Path) -> None:
    """The editor's loop: `mkdocs serve`, change a source, see it, without a restart; the
    story's audio, made in the background, appears when it is ready."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = project / "serve.log"
    with log.open("w") as errors, subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"], cwd=project,
            stdout=subprocess.DEVNULL, stderr=errors,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}) as server:
        def page(path: str, wanted: str) -> str:
            deadline, text = time.monotonic() + 120, ""
            while time.monotonic() < deadline:
                assert server.poll() is None, log.read_text()
                with contextlib.suppress(httpx.HTTPError):
                    text = httpx.get(f"http://127.0.0.1:{port}/{path}", timeout=5).text
                    if wanted in text:
                        return text
                time.sleep(0.5)
            raise AssertionError(f"« {wanted} » never appeared in /{path}:\n{text[:500]}\n"
                                 + log.read_text())

        try:
            assert "se lance" in page("kit/guide/", "Pourquoi parler du travail")
            guide = project / "kit" / "guide.md"
            guide.write_text(FILES["guide.md"].replace("se lance", "démarre"), encoding="utf-8")
            assert "se lance" not in page("kit/guide/", "démarre")
            page("kit/recit/matin/", "<audio")  # made in the background, then rebuilt
        finally:
            server.terminate()
    assert "Traceback" not in log.read_text()
