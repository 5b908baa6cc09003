"""Faults: the request server killed (SIGKILL) in the middle of a burst of requests loses none
that it answered, and its database stays sound; two kit builds started at once share the cache
and the output folder without corrupting either."""

from __future__ import annotations

import hashlib
import io
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from fixture_kit import write_kit
from kitbuilder import layout
from kitbuilder.build import BuildResult, build_kit
from kitbuilder.cli import publish
from kitbuilder.cli import write_kit as write_kit_folder
from kitbuilder.server.tokens import Tokens
from test_server import SECRET, VALID, form_token, site  # noqa: F401 - a fixture

# --- The server, killed mid-burst ------------------------------------------------------------


@contextmanager
def serving(site: Path, database: Path) -> Iterator[tuple[subprocess.Popen, str]]:  # noqa: F811
    """`kitbuilder serve` in its own process, as in production; its log read as it comes."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": SECRET}
    process = subprocess.Popen(
        [sys.executable, "-m", "kitbuilder.cli", "serve", "--site", str(site), "--port", "0",
         "--rate-limit", "1000000/600"],
        cwd=database.parent, env=env, stderr=subprocess.PIPE, text=True)
    # Read the log as it comes, or the server blocks once the pipe is full.
    drain = threading.Thread(target=process.stderr.read, daemon=True)
    try:
        started = ""
        while "le serveur répond sur" not in started:
            line = process.stderr.readline()
            assert line, f"the server stopped before listening:\n{started}"
            started += line
        drain.start()
        yield process, re.search(r"http://127\.0\.0\.1:\d+", started)[0]
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        if drain.is_alive():
            drain.join(timeout=30)
        process.stderr.close()


@dataclass
class Sent:
    establishment: str  # unique: finds the request's row
    status: int | None = None  # None: no answer (the server died first)
    request_id: int | None = None  # from the download link of a 303


def _send(url: str, number: int, stop: threading.Event, log: list[Sent]) -> None:
    """Request after request, each with a fresh form token, until told to stop or the server
    is gone."""
    tokens = Tokens(SECRET, timedelta(days=7), timedelta(hours=2))
    with httpx.Client(base_url=url, timeout=10) as client:
        while not stop.is_set():
            sent = Sent(f"Panne {number}-{len(log)}-{time.monotonic_ns()}")
            try:
                token = form_token(client.get("/kit/").text)
                log.append(sent)  # from here on, the request may be stored
                answer = client.post("/kit/demande", data={
                    **VALID, "establishment": sent.establishment, "csrf_token": token})
            except httpx.TransportError:
                return
            sent.status = answer.status_code
            location = answer.headers.get("location", "")
            if answer.status_code == 303 and "/kit/telechargement" in location:
                link = parse_qs(urlsplit(location).query)["jeton"][0]
                sent.request_id = tokens.check_download(link).value


def _burst_then_kill(url: str, process: subprocess.Popen, answered: int) -> list[Sent]:
    """Twelve clients sending at once; SIGKILL once `answered` requests got their 303."""
    stop = threading.Event()
    logs: list[list[Sent]] = [[] for _ in range(12)]
    with ThreadPoolExecutor(len(logs)) as pool:
        running = [pool.submit(_send, url, n, stop, log) for n, log in enumerate(logs)]
        deadline = time.monotonic() + 60
        while sum(s.request_id is not None for log in logs for s in log) < answered:
            assert time.monotonic() < deadline, "the burst did not get going"
            assert not any(r.done() for r in running), [r.result() for r in running]
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)  # no shutdown, no flush: as a power cut of the process
        process.wait(timeout=30)
        time.sleep(0.2)
        stop.set()
        for future in running:
            future.result()
    return [sent for log in logs for sent in log]


def _rows(database: Path) -> dict[str, int]:
    """The stored requests, by establishment, read straight from the file."""
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = connection.execute("SELECT establishment, id FROM kit_requests").fetchall()
    connection.close()
    names = [name for name, _ in rows]
    assert len(names) == len(set(names)), "a request stored twice"
    return dict(rows)


def test_a_killed_server_loses_no_request_it_answered(site: Path,  # noqa: F811
                                                      tmp_path: Path) -> None:
    database = tmp_path / "requests.sqlite3"
    everything: list[Sent] = []
    for _ in range(2):  # killed, started again on the same file, killed again
        with serving(site, database) as (process, url):
            sent = _burst_then_kill(url, process, answered=40)
        everything += sent
        rows = _rows(database)
        answered = [s for s in sent if s.request_id is not None]
        unanswered = [s for s in sent if s.status is None]
        assert len(answered) >= 40
        assert unanswered, "the kill came after the burst, not in its middle"
        assert all(s.status == 303 for s in sent if s.status is not None), \
            {s.status for s in sent}
        # Every request answered with its download link is there, under the id of its link.
        for s in answered:
            assert rows.get(s.establishment) == s.request_id, s
        # Nothing else than what was sent; what was cut short is there or not, never twice.
        assert set(rows) <= {s.establishment for s in everything}

    with serving(site, database) as (process, url):  # the survivor serves on
        with httpx.Client(base_url=url, timeout=10) as client:
            token = form_token(client.get("/kit/").text)
            after = client.post("/kit/demande", data={**VALID, "establishment": "Après",
                                                      "csrf_token": token})
        assert after.status_code == 303
        process.terminate()
    rows = _rows(database)
    assert "Après" in rows
    assert {s.establishment for s in everything if s.request_id} < set(rows)


# --- Two builds at once ----------------------------------------------------------------------


def _content(data: bytes) -> object:
    """What a built file holds. ZIP archives (the kit, each Word file) are compared member by
    member without their dates: python-docx stamps its members with the time of writing, so
    two builds of one document differ by that alone, and the kit's checksums with them."""
    if not data.startswith(b"PK\x03\x04"):
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    sums = next((name for name in members if name.endswith(layout.CHECKSUMS)), None)
    if sums:  # checked against this archive's own members, then set aside
        folder = sums.removesuffix(layout.CHECKSUMS)
        for line in members.pop(sums).decode().splitlines():
            digest, name = line.split("  ")
            assert hashlib.sha256(members[folder + name]).hexdigest() == digest, name
    return {name: _content(value) for name, value in members.items()}


def _entries(cache: Path) -> dict[str, object]:
    return {str(p.relative_to(cache)): _content(p.read_bytes())
            for p in sorted(cache.rglob("*")) if p.is_file()}


def test_two_builds_at_once_share_the_cache_and_the_output(tmp_path: Path) -> None:
    kit, cache, out = write_kit(tmp_path), tmp_path / "cache", tmp_path / "out"
    command = [sys.executable, "-m", "kitbuilder.cli", "--kit", str(kit), "build",
               "--out", str(out), "--cache", str(cache)]
    builds = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [build.communicate(timeout=300) for build in builds]
    for build, (stdout, stderr) in zip(builds, outputs):
        assert build.returncode == 0 and "Traceback" not in stderr, stderr
    made = [re.search(r"kit\u00a0: (\d+) fichiers? sur (\d+) produits? \(", stdout)
            for stdout, _ in outputs]
    total = max(int(m[2]) for m in made if m)
    # They raced: some files were made by both, each storing its own copy under one key.
    assert sum(int(m[1]) for m in made if m) > total, [stdout for stdout, _ in outputs]

    third = build_kit(kit, cache, progress=lambda message: pytest.fail(message))
    assert third.generated == [], third.summary()  # everything reused, nothing said again
    assert sorted(p.name for p in (out / layout.FILES).iterdir()) == sorted(
        f.name for f in third.files)
    for output in third.files:
        assert (out / layout.FILES / output.name).read_bytes() == output.path.read_bytes()
    assert not [p for p in cache.rglob(".tmp-*")], "a staging folder was left behind"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []

    raced = _entries(cache)
    cache.rename(tmp_path / "raced")
    build_kit(kit, cache)  # alone, from nothing, where the raced cache was
    assert raced == _entries(cache)


def _publish_together(barrier: threading.Barrier, result: BuildResult, out: Path) -> None:
    barrier.wait()  # all threads swap at the same moment
    publish(out, lambda staging: write_kit_folder(result, staging))


def test_builds_publishing_to_one_folder_at_the_same_moment_all_succeed(tmp_path: Path) -> None:
    """The last step of `kitbuilder build`, the swap of the output folder, from eight threads
    at once, twenty times: it used to fail with FileNotFoundError or « Directory not empty »
    when two builds swapped at the same moment."""
    result = build_kit(write_kit(tmp_path), tmp_path / "cache")
    out = tmp_path / "out"
    for _ in range(20):
        barrier = threading.Barrier(8)
        with ThreadPoolExecutor(8) as pool:
            for future in [pool.submit(_publish_together, barrier, result, out)
                           for _ in range(8)]:
                future.result()
        assert sorted(p.name for p in (out / layout.FILES).iterdir()) == sorted(
            f.name for f in result.files)
        assert (out / "recit" / "matin.md").read_text(encoding="utf-8") == \
            result.pages["recit/matin.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "kit", "out"]
