"""`mkdocs serve` after a mistake: a French page in the browser, and the site back by itself.

MkDocs' live server holds every page request while a rebuild runs, and when the rebuild fails
it never says the site is ready again: the browser waits, with no answer, until a later rebuild
succeeds; the reason is only in the terminal, in English. Here the rebuild is wrapped: when it
fails, the problems it logged are kept, the server is told the rebuild is over, and every page
it serves is a French page listing those problems with their file and line. That page carries
MkDocs' reload script, so that once the source is fixed and saved, the next rebuild's success
reloads the browser onto the site.

Relies on MkDocs 1.6's LiveReloadServer: `builder`, `get_app`/`set_app` (WSGI),
`_inject_js_into_html` and `_visible_epoch` (tests/test_live.py runs it for real).
"""

from __future__ import annotations

import html
import logging
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import get_plugin_logger

from kitbuilder.errors import KitError
from kitbuilder.errors import problems as count_problems
from kitbuilder.typography import typeset

log = get_plugin_logger("kitbuilder.mkdocs.live")
# « kit/fiches/x.yml:12: message », as KitError's problems are logged; the line is optional.
_WHERE = re.compile(r"(?P<file>[^\s:][^:]*?\.(?:ya?ml|md|wav|flac|mp3|ogg))"
                    r"(?::(?P<line>\d+))?: (?P<message>.*)", re.DOTALL)
_PREFIX = re.compile(r"^(?:kitbuilder|association|kit): ")
_PAGE_PATH = re.compile(r"(?:/|\.html|/[^./]*)$")  # what asks for a page, not a file


class _Collect(logging.Handler):
    """The warnings and errors MkDocs and the plugins log during one build, from the thread
    that runs it: the story's audio, made meanwhile in a thread of its own from the same
    sources, logs the same mistake again, and the page would count it twice."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        self._thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self._thread:
            self.messages.append(_PREFIX.sub("", record.getMessage()))


class LiveErrors:
    """Wraps one live server's rebuilds; see the module's docstring."""

    def __init__(self, server: LiveReloadServer) -> None:
        self.server = server
        self.problems: list[str] = []
        self._lock = threading.Lock()
        self._build: Callable[[], None] = server.builder
        app = server.get_app()
        assert app is not None  # MkDocs' server has its app from the start
        self._app: Callable[..., Iterable[bytes]] = app
        server.builder = self.build
        server.set_app(self.serve)

    def build(self) -> None:
        """MkDocs' rebuild; on a failure, keep what it logged instead of raising."""
        collect = _Collect()
        logger = logging.getLogger("mkdocs")
        logger.addHandler(collect)
        try:
            self._build()
        except Exception as exc:  # noqa: BLE001 - any failure: the page says what was logged
            found = _problems(collect.messages, exc)
            with self._lock:
                self.problems = found
            log.error(typeset(f"le site n'a pas pu être reconstruit ({count_problems(len(found))}"
                              ") : le navigateur affiche la liste ; il reviendra de lui-même "
                              "quand la source corrigée sera enregistrée"))
        else:
            with self._lock:
                fixed = bool(self.problems)
                self.problems = []
            if fixed:
                log.info(typeset("corrigé : le site est reconstruit, le navigateur se recharge"))
        finally:
            logger.removeHandler(collect)

    def serve(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """The French page in place of every page while the last rebuild failed."""
        with self._lock:
            problems = list(self.problems)
        path = environ.get("PATH_INFO", "")
        if not problems or path.startswith("/livereload/") or not _PAGE_PATH.search(path):
            return self._app(environ, start_response)
        page = self.server._inject_js_into_html(error_page(problems).encode(),
                                                self.server._visible_epoch)
        start_response("503 Service Unavailable",
                       [("Content-Type", "text/html; charset=utf-8"),
                        ("Content-Length", str(len(page))), ("Cache-Control", "no-store")])
        return [page]


def install(server: LiveReloadServer) -> None:
    """Wrap `server` once, whichever plugin asks first."""
    if not isinstance(getattr(server, "kitbuilder_errors", None), LiveErrors):
        server.kitbuilder_errors = LiveErrors(server)  # type: ignore[attr-defined]


def _problems(messages: list[str], exc: BaseException) -> list[str]:
    """What the editor has to fix: the logged problems, without the summaries that only
    count them (« the kit has 2 problems; see above », « Aborted with 2 warnings… »)."""
    summaries = set()
    error: BaseException | None = exc
    while error is not None:
        if not isinstance(error, KitError):  # its text is the problems themselves
            summaries.add(_PREFIX.sub("", str(error)))
        error = error.__context__
    found = [m for m in messages if m not in summaries and not m.startswith("Aborted with")]
    return found or [str(exc) or type(exc).__name__]


def _item(message: str) -> str:
    """One problem, as logged (already typeset where it is ours; the lines it gives to copy
    must stay as they are)."""
    where = _WHERE.fullmatch(message)
    if where is None:
        return f'<li><span class="message">{html.escape(message)}</span></li>'
    line = f", ligne {where['line']}" if where["line"] else ""
    return (f"<li><span class=\"where\">Fichier <code>{html.escape(where['file'])}</code>"
            f"{line}</span> <span class=\"message\">{html.escape(where['message'])}</span></li>")


def error_page(problems: list[str]) -> str:
    """A page of its own (no theme, no other file: the site may be half built)."""
    heading = typeset(f"{count_problems(len(problems))} à corriger")
    lead = typeset(
        "Le site n'a pas pu être reconstruit après la dernière modification. Corrigez ce qui "
        "suit puis enregistrez le fichier : cette page se rechargera d'elle-même et le site "
        "reviendra, sans relancer mkdocs serve.")
    after = typeset("Le même détail est écrit dans le terminal où tourne mkdocs serve.")
    items = "\n".join(_item(p) for p in problems)
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(heading)} – le site n’a pas pu être reconstruit</title>
<style>
body {{ font: 1.05rem/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto;
  padding: 0 1rem; color: #1d1d1f; background: #fff; }}
h1 {{ font-size: 1.5rem; color: #a11b1b; }}
li {{ margin: .6rem 0; }} .where {{ display: block; font-weight: 600; }}
.message {{ white-space: pre-wrap; }}
code {{ background: #f1f1f4; padding: 0 .25rem; border-radius: .2rem; }}
</style></head>
<body><main>
<h1>{html.escape(heading)}</h1>
<p>{html.escape(lead)}</p>
<ol id="kitbuilder-problems">
{items}
</ol>
<p>{html.escape(after)}</p>
</main></body></html>
"""
