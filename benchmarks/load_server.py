"""Load test of the request server: N valid kit requests posted concurrently, on loopback.

Starts `kitbuilder serve` on 127.0.0.1 (a free port, a fresh SQLite file in a temporary
folder, the rate limit lifted), fetches N forms, then posts the N requests with C of them in
flight at a time, following each answer to its download page. Prints, per concurrency level:
requests per second, p50/p99 latency of a submission (POST + the download page it leads to),
the 2xx answers and the rows stored, which must be equal.

    .venv/bin/python benchmarks/load_server.py                       # 300 requests at 1, 10, 50
    .venv/bin/python benchmarks/load_server.py -n 1000 -c 20 --site site

Bounded: at most 5000 requests per level, 200 in flight, and `--timeout` seconds in all.
Needs a built site (./scripts/build).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from kitbuilder.render import form as f
from kitbuilder.server import db

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only, by design: no option to change it
MAX_REQUESTS, MAX_CONCURRENCY = 5000, 200
DEPARTMENTS = [code for code, _ in f.DEPARTMENTS]


@dataclass
class Level:
    concurrency: int
    requests: int
    seconds: float
    latencies: list[float]
    ok: int
    stored: int

    def row(self) -> str:
        ms = sorted(x * 1000 for x in self.latencies)
        p50 = statistics.median(ms) if ms else float("nan")
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))] if ms else float("nan")
        rate = self.requests / self.seconds if self.seconds else float("nan")
        check = "yes" if self.ok == self.stored == self.requests else "NO"
        return (f"{self.concurrency:>11}  {self.requests:>8}  {self.seconds:>7.2f}  {rate:>7.1f}  "
                f"{p50:>7.1f}  {p99:>7.1f}  {self.ok:>5}  {self.stored:>6}  {check:>5}")


HEADER = ("concurrency  requests  seconds    req/s   p50 ms   p99 ms    2xx    rows  equal\n"
          "-----------  --------  -------  -------  -------  -------  -----  ------  -----")


def answers(i: int) -> dict[str, str]:
    """The i-th request: valid, and different from the others."""
    return {
        f.FUNCTION: f.FUNCTIONS[i % len(f.FUNCTIONS)][0],
        f.ESTABLISHMENT_TYPE: f.ESTABLISHMENT_TYPES[i % len(f.ESTABLISHMENT_TYPES)][0],
        f.DEPARTMENT: DEPARTMENTS[i % len(DEPARTMENTS)],
        f.ESTABLISHMENT: f"Établissement de charge n° {i}",
        f.EMAIL: f"charge{i}@exemple.org" if i % 2 else "",
        f.CONSENT: f.CONSENT_VALUE,
    }


class Connection:
    """A minimal HTTP/1.1 keep-alive client: a few microseconds per request, so that the
    figures measure the server rather than the client (httpx costs more than the server does
    at high concurrency)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, dict, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        if body:
            head += ("Content-Type: application/x-www-form-urlencoded\r\n"
                     f"Content-Length: {len(body)}\r\n")
        self.writer.write(head.encode() + b"\r\n" + body)
        status_line = await self.reader.readline()
        headers = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        content = await self.reader.readexactly(int(headers.get("content-length", 0)))
        if headers.get("connection") == "close":
            self.writer.close()
            self.writer = None
        return int(status_line.split()[1]), headers, content

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def run_level(url: str, engine, total: int, concurrency: int) -> Level:
    host, port = url.removeprefix("http://").split(":")
    connections = [Connection(host, int(port)) for _ in range(concurrency)]
    queue: asyncio.Queue[int] = asyncio.Queue()
    tokens: list[str] = [""] * total
    for i in range(total):
        queue.put_nowait(i)

    async def fetch(connection: Connection) -> None:
        while not queue.empty():
            i = queue.get_nowait()
            _, _, page = await connection.request("GET", "/kit/")
            tokens[i] = re.search(rf'name="{f.CSRF}" value="([^"]+)"'.encode(), page)[1].decode()

    await asyncio.gather(*(fetch(c) for c in connections))
    before = db.count(engine)
    latencies: list[float] = []
    ok = 0
    for i in range(total):
        queue.put_nowait(i)

    async def post(connection: Connection) -> None:
        nonlocal ok
        while not queue.empty():
            i = queue.get_nowait()
            body = urlencode({**answers(i), f.CSRF: tokens[i]}).encode()
            started = time.perf_counter()
            status, headers, _ = await connection.request("POST", f"/kit/{f.ACTION}", body)
            if status == 303:  # to the download page, as a browser goes
                status, _, page = await connection.request(
                    "GET", headers["location"].split("#")[0])
                ok += 200 <= status < 300 and b"kit-files" in page
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(post(c) for c in connections))
    seconds = time.perf_counter() - started
    for connection in connections:
        connection.close()
    return Level(concurrency, total, seconds, latencies, ok, db.count(engine) - before)


def start_server(site: Path, data: Path) -> tuple[subprocess.Popen, str]:
    log = (data / "server.log").open("w")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{data / 'requests.sqlite3'}",
           "SECRET_KEY": "load-test-" + os.urandom(16).hex()}
    process = subprocess.Popen(
        [sys.executable, "-m", "kitbuilder.cli", "serve", "--site", str(site), "--host", HOST,
         "--port", "0", "--rate-limit", "1000000/1"],
        cwd=data, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(rf"Uvicorn running on (http://{re.escape(HOST)}:\d+)",
                          (data / "server.log").read_text())
        if found:
            return process, found[1]
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    sys.exit("the server did not start:\n" + (data / "server.log").read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--requests", type=int, default=300,
                        help=f"requests per concurrency level (at most {MAX_REQUESTS})")
    parser.add_argument("-c", "--concurrency", default="1,10,50",
                        help=f"levels, comma-separated (each at most {MAX_CONCURRENCY})")
    parser.add_argument("--site", type=Path, default=ROOT / "site", help="built site")
    parser.add_argument("--timeout", type=float, default=180, help="seconds for the whole run")
    args = parser.parse_args()
    total = max(1, min(args.requests, MAX_REQUESTS))
    levels = [max(1, min(int(c), MAX_CONCURRENCY)) for c in args.concurrency.split(",")]
    if not (args.site / "kit" / "index.html").is_file():
        sys.exit(f"{args.site}: no built site; run ./scripts/build first")
    with tempfile.TemporaryDirectory(prefix="kitbuilder-load-") as tmp:
        data = Path(tmp)
        process, url = start_server(args.site.resolve(), data)
        engine = db.connect(f"sqlite:///{data / 'requests.sqlite3'}")
        try:
            print(f"server: {url}, SQLite in a temporary folder; {total} requests per level\n")
            print(HEADER)

            async def everything() -> None:
                for concurrency in levels:
                    print((await run_level(url, engine, total, concurrency)).row(), flush=True)

            asyncio.run(asyncio.wait_for(everything(), args.timeout))
        except TimeoutError:
            print(f"stopped: the run took longer than {args.timeout:.0f} s", file=sys.stderr)
            return 1
        finally:
            engine.dispose()
            process.terminate()
            process.wait(15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
