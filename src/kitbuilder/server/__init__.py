"""The kit request server: a Starlette app that serves the built site and the kit request form.

Public API: `create_app` (the ASGI app), `Settings`, `serve` (run it with uvicorn), `SiteError`.
They load on first use, so that the command line's other commands stay quick.
"""

from __future__ import annotations

import importlib
from typing import Any

_API = {
    "create_app": "kitbuilder.server.app",
    "Settings": "kitbuilder.server.config",
    "SiteError": "kitbuilder.server.page",
    "serve": "kitbuilder.server.run",
}
__all__ = ["Settings", "SiteError", "create_app", "serve"]  # the keys of _API


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
