"""Descriptor exhaustion, on loopback only and bounded in count and time: idle sockets, slow
headers, slow bodies and clients that stop reading must not stop the server answering."""

# ruff: noqa: F811 (`site` is test_server's fixture, imported to be used by name)
from __future__ import annotations

import http.client
import io
import logging
import logging.config
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kitbuilder.server import logs
from kitbuilder.server.config import Limits
from kitbuilder.server.logs import FORMAT, PlainFormatter, ServerHandler, Throttle, UvicornWords
from test_server import SECRET, running, settings_for, site  # noqa: F401

DESCRIPTORS = 256  # the server's limit in the first test: a few hundred sockets reach it
IDLE, SLOW = 300, 100


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# `kitbuilder serve`, in a process allowed few descriptors (soft and hard limit).
LIMITED = ("import resource, runpy, sys; "
           f"resource.setrlimit(resource.RLIMIT_NOFILE, ({DESCRIPTORS}, {DESCRIPTORS})); "
           "sys.argv[0] = 'kitbuilder'; runpy.run_module('kitbuilder.cli', run_name='__main__')")


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setblocking(False)
    return sock


def test_hundreds_of_idle_and_slow_connections_leave_the_server_answering(
        site: Path, tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "server.log"
    env = {**os.environ, "SECRET_KEY": SECRET}
    command = [sys.executable, "-c", LIMITED, "serve", "--site", str(site),
               "--port", str(port), "--database-url", f"sqlite:///{tmp_path / 'db.sqlite3'}"]
    held: list[socket.socket] = []
    with log.open("wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=out, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        for _ in range(IDLE):  # connect, say nothing
            held.append(_connect(port))
        for _ in range(SLOW):  # a « slow loris »: headers that never end
            sock = _connect(port)
            sock.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            held.append(sock)
        started = time.monotonic()
        answered = 0
        for n in range(20):
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/kit/guide/", timeout=5)
                answered += answer.status_code == 200
            except httpx.HTTPError:
                pass
            if n % 5 == 0:
                for sock in held[n::7]:  # the slow ones keep trickling
                    try:
                        sock.send(b"x")
                    except OSError:
                        pass
        took = time.monotonic() - started
    finally:
        for sock in held:
            sock.close()
        server.terminate()
        server.wait(10)
    text = log.read_text(errors="replace")
    assert answered == 20, f"{answered}/20 answered while {len(held)} sockets were held"
    assert took < 30
    assert len(text) < 20_000 and "Traceback" not in text, text[-3000:]


def test_headers_that_trickle_in_are_cut_off(site: Path, tmp_path: Path) -> None:
    limits = Limits(header_timeout=1.0)
    with running(settings_for(site, tmp_path, limits=limits)) as url:
        port = int(url.rsplit(":", 1)[1])
        first = socket.create_connection(("127.0.0.1", port), timeout=5)
        first.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        after_answer = socket.create_connection(("127.0.0.1", port), timeout=5)
        after_answer.sendall(b"GET /kit/guide/ HTTP/1.1\r\nHost: x\r\n\r\n")
        assert after_answer.recv(100).startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        closed = {first: False, after_answer: False}
        while not all(closed.values()) and time.monotonic() - started < 5:
            for sock, done in list(closed.items()):
                try:
                    sock.sendall(b"X-a: b\r\n")  # a header line every 0.2 s, never the end
                    sock.setblocking(False)
                    try:
                        closed[sock] = done or sock.recv(1 << 20) == b""
                    except BlockingIOError:
                        pass
                    sock.setblocking(True)
                except OSError:
                    closed[sock] = True
            time.sleep(0.2)
        took = time.monotonic() - started
        first.close()
        after_answer.close()
    assert all(closed.values()) and took < 3


def test_a_connection_kept_busy_outlives_the_header_timeout(site: Path, tmp_path: Path) -> None:
    """The header timeout counts from the connection's start or its last response: a client
    sending a request every 0.4 s keeps its one connection for longer than the timeout, then
    loses it once it falls silent."""
    limits = Limits(header_timeout=1.0)
    with running(settings_for(site, tmp_path, limits=limits)) as url:
        port = int(url.rsplit(":", 1)[1])
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        started = time.monotonic()
        statuses = []
        while time.monotonic() - started < 2.6:
            sock.sendall(b"GET /kit/guide/ HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = http.client.HTTPResponse(sock)
            answer.begin()
            answer.read()
            statuses.append(answer.status)
            time.sleep(0.4)
        # One connection throughout, for more than twice the timeout.
        assert set(statuses) == {200} and len(statuses) >= 4
        silent = time.monotonic()
        assert sock.recv(100) == b""  # then closed by the server, about a second later
        took = time.monotonic() - silent
        sock.close()
    assert 0.3 < took < 2.5


def test_a_body_that_never_finishes_gets_408(site: Path, tmp_path: Path) -> None:
    limits = Limits(body_timeout=1.0)
    with running(settings_for(site, tmp_path, limits=limits)) as url:
        port = int(url.rsplit(":", 1)[1])
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(b"POST /kit/demande HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n\r\nfunction=dir")
        started = time.monotonic()
        answer = sock.recv(200)
        took = time.monotonic() - started
        sock.close()
    assert answer.startswith(b"HTTP/1.1 408") and took < 3


def test_a_client_that_stops_reading_is_let_go(site: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(site, tmp_path / "site"))
    big = copy / "kit" / "fichiers" / "recit-1-matin.mp3"
    big.write_bytes(os.urandom(1 << 20) * 24)  # more than every buffer on the way holds
    size = big.stat().st_size
    limits = Limits(write_timeout=1.0)
    with running(settings_for(copy, tmp_path, limits=limits)) as url:
        port = int(url.rsplit(":", 1)[1])
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", port))
        sock.sendall(b"GET /kit/fichiers/recit-1-matin.mp3 HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(3)  # reads nothing for three write timeouts
        received = b""
        sock.settimeout(5)
        try:
            while chunk := sock.recv(1 << 16):
                received += chunk
        except OSError:
            pass
        sock.close()
        assert httpx.get(f"{url}/", timeout=5).status_code == 200
    assert 0 < len(received) < size  # abandoned part-way, not held forever


def test_a_fault_repeated_endlessly_is_logged_a_few_times_only() -> None:
    throttle = Throttle(burst=5, window=60)
    records = [logging.LogRecord("asyncio", logging.ERROR, __file__, 1,
                                 "socket.accept() out of system resource", None, None)
               for _ in range(10_000)]
    assert sum(throttle.filter(r) for r in records) == 5
    other = logging.LogRecord("kitbuilder.server", logging.ERROR, __file__, 1, "other", None,
                              None)
    assert throttle.filter(other)
    throttle._kinds[("asyncio", logging.ERROR, records[0].msg, None)][0] -= 61
    late = replace_msg(records[0])
    assert throttle.filter(late) and "9995 message(s) semblable(s)" in late.getMessage()


def test_every_access_line_is_logged_however_many_requests() -> None:
    """The throttle is for faults: the access log's lines must not be cut to five a minute
    (the operator counts requests from them)."""
    seen: list[str] = []
    handler = logging.Handler()
    handler.addFilter(Throttle(burst=5, window=60))
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    logs.access.addHandler(handler)
    level = logs.access.level
    logs.access.setLevel(logging.INFO)
    try:
        for _ in range(1_000):
            logs.access_line({"method": "GET", "path": "/kit/100%"}, 200, False,
                             time.perf_counter())
    finally:
        logs.access.removeHandler(handler)
        logs.access.setLevel(level)
    assert len(seen) == 1_000 and seen[0].startswith("GET /kit/100% 200 ")


def test_the_log_lines_read_as_logging_writes_them() -> None:
    """PlainFormatter works the date out once a second: the same line as logging's own
    formatter, to the millisecond, within a second and across seconds."""
    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    ours, theirs = PlainFormatter(fmt), logging.Formatter(fmt)
    start = time.time()
    for step in range(3_000):
        record = logging.LogRecord("kitbuilder.server", logging.INFO, __file__, 1, "n° %d",
                                   (step,), None)
        record.created = start + step * 0.0017
        record.msecs = (record.created - int(record.created)) * 1000
        assert ours.format(record) == theirs.format(record)
    assert PlainFormatter(fmt, "%H:%M").format(record) == logging.Formatter(
        fmt, "%H:%M").format(record)


def _handler(stream: io.StringIO, fmt: str = FORMAT) -> ServerHandler:
    handler = ServerHandler(stream)
    handler.setFormatter(PlainFormatter(fmt))
    handler.addFilter(Throttle())
    handler.addFilter(UvicornWords())
    return handler


def test_a_line_written_straight_reads_as_its_record_would(monkeypatch) -> None:
    """ServerHandler.line writes, without a record, the very line emit(record) writes."""
    now = 1_796_000_000_123_456_789
    monkeypatch.setattr(logs.time, "time_ns", lambda: now)
    straight, recorded = io.StringIO(), io.StringIO()
    handler = _handler(straight)
    assert handler.line("kitbuilder.server.access", "GET /kit/ 200 3 ms")
    handler.flush()
    record = logging.LogRecord("kitbuilder.server.access", logging.INFO, "", 0,
                               "GET /kit/ 200 3 ms", None, None)
    record.created, record.msecs = now / 1e9, 123.0
    _handler(recorded).emit(record)
    assert straight.getvalue() == recorded.getvalue()
    assert straight.getvalue().endswith(",123 INFO kitbuilder.server.access: GET /kit/ 200 3 ms\n")


def test_a_line_goes_as_a_record_where_the_handler_would_write_it_otherwise() -> None:
    stream = io.StringIO()
    assert not _handler(stream, "%(levelname)s %(message)s").line("x", "other format")
    quiet = _handler(stream)
    quiet.setLevel(logging.WARNING)
    assert not quiet.line("x", "level above")
    foreign = _handler(stream)
    foreign.addFilter(logging.Filter("elsewhere"))
    assert not foreign.line("x", "someone else's filter")
    assert stream.getvalue() == ""


def test_the_servers_lines_take_the_short_way_only_when_nothing_else_sees_them(
        monkeypatch) -> None:
    """Configured as the server is, the access line is written straight; a handler added to
    the access logger (a test capturing records, say) gets a record, and the line too."""
    logging.config.dictConfig(logs.LOG_CONFIG)
    (stderr,) = logging.getLogger("kitbuilder.server").handlers
    stream = io.StringIO()
    stderr.setStream(stream)
    seen: list[logging.LogRecord] = []
    capture = logging.Handler()
    capture.emit = seen.append  # type: ignore[method-assign]

    def no_record(*_args: object) -> logging.LogRecord:
        raise AssertionError("a record was made")

    try:
        with monkeypatch.context() as patch:
            patch.setattr(logs.access, "makeRecord", no_record)
            logs.access_line({"method": "GET", "path": "/"}, 200, False, time.perf_counter())
        stderr.flush()
        assert stream.getvalue().count("kitbuilder.server.access: GET / 200 ") == 1
        logs.access.addHandler(capture)
        logs.access_line({"method": "GET", "path": "/b"}, 404, False, time.perf_counter())
        logs.info(logs.log, "demande de kit n°\u00a0%d enregistrée", 7)
    finally:
        logs.access.removeHandler(capture)
        stderr.setStream(sys.stderr)
    assert len(seen) == 1 and seen[0].getMessage().startswith("GET /b 404 ")
    assert "kitbuilder.server.access: GET /b 404 " in stream.getvalue()
    assert "INFO kitbuilder.server: demande de kit n°\u00a07 enregistrée" in stream.getvalue()


def replace_msg(record: logging.LogRecord) -> logging.LogRecord:
    return logging.LogRecord(record.name, record.levelno, __file__, 1, record.msg, None, None)


pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")



def test_the_servers_lines_wait_in_a_batch_and_never_pass_another_record() -> None:
    """Lines wait (at most BATCH of them); any other record writes them first, so the log
    keeps its order; flush() writes what is left."""
    stream = io.StringIO()
    handler = _handler(stream)
    for n in range(ServerHandler.BATCH - 1):
        assert handler.line("kitbuilder.server.access", f"GET /{n} 200 1 ms")
    assert stream.getvalue() == ""
    handler.line("kitbuilder.server.access", "GET /last 200 1 ms")
    assert stream.getvalue().count(" INFO kitbuilder.server.access: GET /") == ServerHandler.BATCH
    handler.line("kitbuilder.server.access", "GET /after 200 1 ms")
    handler.emit(logging.LogRecord("kitbuilder.server", logging.WARNING, __file__, 1,
                                   "base de données lente", None, None))
    handler.line("kitbuilder.server.access", "GET /then 200 1 ms")
    lines = stream.getvalue().splitlines()
    assert lines[-2].endswith("GET /after 200 1 ms") and lines[-1].endswith("lente")
    handler.flush()
    assert stream.getvalue().splitlines()[-1].endswith("GET /then 200 1 ms")


def test_the_running_servers_access_line_is_written_within_a_second_or_two(
        site: Path, tmp_path: Path) -> None:
    """One request, then none: its access line reaches the log while the server runs (the
    server flushes its lines every second), not only when it stops."""
    port = _free_port()
    log = tmp_path / "server.log"
    command = [sys.executable, "-m", "kitbuilder.cli", "serve", "--site", str(site),
               "--port", str(port), "--database-url", f"sqlite:///{tmp_path / 'db.sqlite3'}"]
    with log.open("wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=out,
                                  env={**os.environ, "SECRET_KEY": SECRET})
    try:
        deadline = time.monotonic() + 30
        while "le serveur répond sur" not in log.read_text(errors="replace"):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        assert httpx.get(f"http://127.0.0.1:{port}/kit/guide/", timeout=5).status_code == 200
        answered = time.monotonic()
        while "GET /kit/guide/ 200" not in log.read_text(errors="replace"):
            assert time.monotonic() - answered < 5, log.read_text()
            time.sleep(0.05)
        assert server.poll() is None  # written while it runs
    finally:
        server.terminate()
        server.wait(10)
