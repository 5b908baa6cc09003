"""What each built page costs a visitor on a phone plan: bytes transferred, total and by type.

Opens every page of a built site in headless Chromium (Debian's), with an empty cache, and
counts the bytes that cross the network (Chrome's own count, per request), by resource type.
Two figures side by side: as the files are (no compression, like `python -m http.server`), and
as nginx sends them with deploy/nginx.conf.example (stylesheets, scripts and the search index
gzip-compressed; pages themselves not, see the comment there). The search worker's own script
(fetched by the worker, not the page) is not counted: about 40 kB, 12 kB compressed.

    .venv/bin/python benchmarks/page_weight.py [site]      # default: site/
"""

from __future__ import annotations

import gzip
import sys
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from playwright.sync_api import sync_playwright

from browser import launch, static_server

_TEXT_FILES = (".js", ".css", ".json", ".svg", ".ics", ".vtt")


def weigh(page, cdp, url: str) -> dict[str, list[int]]:
    """Bytes by resource type: [transferred, gzip-compressed estimate]."""
    sent: dict[str, tuple[str, str]] = {}  # request id: (type, address)
    finished: dict[str, int] = {}  # request id: bytes transferred

    def on_sent(event):
        sent[event["requestId"]] = (event.get("type", "Other"), event["request"]["url"])

    def on_done(event):
        finished[event["requestId"]] = int(event["encodedDataLength"])

    cdp.on("Network.requestWillBeSent", on_sent)
    cdp.on("Network.loadingFinished", on_done)
    page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(300)
    cdp.remove_listener("Network.requestWillBeSent", on_sent)
    cdp.remove_listener("Network.loadingFinished", on_done)
    sizes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for request_id, size in finished.items():
        kind, address = sent.get(request_id, ("Other", ""))
        packed = size
        body = _local(address) if address.endswith(_TEXT_FILES) else None
        if body is not None and kind not in ("Media", "Document"):
            packed = size - len(body) + len(gzip.compress(body, 6))
        sizes[kind][0] += size
        sizes[kind][1] += packed
    return dict(sizes)


_SITE: Path = ROOT / "site"
_BASE = ""


def _local(address: str) -> bytes | None:
    path = address.removeprefix(_BASE).split("#")[0].split("?")[0]
    file = _SITE / path
    if file.is_dir() or path.endswith("/") or not path:
        file = file / "index.html"
    return file.read_bytes() if file.is_file() else None


@contextmanager
def browser_page() -> Iterator:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        context = chromium.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        yield page, cdp
        chromium.close()


def main() -> None:
    global _SITE, _BASE
    _SITE = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "site"
    pages = sorted(str(p.relative_to(_SITE).parent).replace(".", "") + "/"
                   for p in _SITE.rglob("index.html") if "fichiers" not in p.parts)
    pages = [p.lstrip("/") for p in pages]
    results = {}
    with static_server(_SITE) as base, browser_page() as (page, cdp):
        _BASE = base
        for path in pages:
            results[path or "/"] = weigh(page, cdp, base + path)
    totals = {path: sum(v[0] for v in sizes.values()) for path, sizes in results.items()}
    print(f"{'page':40} {'transferred':>12} {'nginx':>10}")
    for path, sizes in sorted(results.items(), key=lambda item: -totals[item[0]]):
        print(f"{path:40} {_kb(totals[path]):>12} {_kb(sum(v[1] for v in sizes.values())):>10}")
    heaviest = max(totals, key=totals.get)
    for label, path in (("home", "/"), ("heaviest", heaviest)):
        print(f"\n{label}: {path}")
        for kind, (raw, packed) in sorted(results[path].items(), key=lambda kv: -kv[1][0]):
            print(f"  {kind:12} {_kb(raw):>10}  nginx {_kb(packed):>10}")


def _kb(size: int) -> str:
    return f"{size / 1024:.1f} kB"


if __name__ == "__main__":
    main()
