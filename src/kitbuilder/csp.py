"""Content-Security-Policy: which scripts a page may run, fixed when the site is built.

The theme (Material) writes a few small inline scripts in every page. They are allowed one by
one, by the hash of their text, and only those: the build collects them from the theme's part
of each page (never from the text of the page's content) and stores their hashes beside the
site (`FILE`); the server sends that fixed list. A script that found its way into a page's
content, or into a page the server writes, is therefore never allowed to run.

The kit's offline pages (in the zip, opened from the disk) carry their own policy in a
`<meta>`: their scripts are files beside them, their one inline style is allowed by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

FILE = "_kitbuilder/csp-scripts.json"  # in the built site; the server does not serve it

_INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>",
                            re.DOTALL | re.IGNORECASE)
_DATA_TYPE = re.compile(  # a type that is not JavaScript: a data block, never run
    r"""\btype\s*=\s*["']?(?!(?:text|application)/(?:java|ecma)script|module)""",
    re.IGNORECASE)
_SRC = re.compile(r"\bsrc\s*=", re.IGNORECASE)

_DIRECTIVES = ("default-src 'none'; script-src 'self'{scripts}; style-src 'self'{styles}; "
               "img-src 'self' data:; font-src 'self'; media-src 'self'; connect-src 'self'; "
               "worker-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'self'")


def digest(text: str) -> str:
    """A CSP hash source for one inline script or style: « 'sha256-…' »."""
    value = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
    return f"'sha256-{value}'"


def inline_scripts(html: str) -> list[str]:
    """The hash of each inline script of `html` that a browser would run (not JSON blocks,
    not scripts loaded from a file)."""
    found = []
    for match in _INLINE_SCRIPT.finditer(html):
        if _SRC.search(match["attrs"]) or _DATA_TYPE.search(match["attrs"]):
            continue
        found.append(digest(match["body"]))
    return found


def policy(scripts: tuple[str, ...] = (), styles: tuple[str, ...] = ()) -> str:
    """The policy's directives allowing the site's own files and these inline hashes."""
    return _DIRECTIVES.format(scripts="".join(f" {s}" for s in scripts),
                              styles="".join(f" {s}" for s in styles))


def write(site_dir: Path, scripts: set[str]) -> None:
    """Store the theme's script hashes with the built site."""
    path = site_dir / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"scripts": sorted(scripts)}, indent=1) + "\n", encoding="utf-8")


def read(site_dir: Path) -> tuple[str, ...] | None:
    """The hashes stored with a built site, or None when it has none (built before them)."""
    try:
        data = json.loads((site_dir / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    scripts = data.get("scripts") if isinstance(data, dict) else None
    if not isinstance(scripts, list):
        return None
    return tuple(s for s in scripts if isinstance(s, str) and re.fullmatch(
        r"'sha256-[A-Za-z0-9+/]{43}='", s))
