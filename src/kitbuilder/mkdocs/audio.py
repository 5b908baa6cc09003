"""The story audio in MkDocs: the player's file resolved like a link, and audio made in the
background under `mkdocs serve` so that serving never waits for it."""

from __future__ import annotations

import posixpath
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from kitbuilder.errors import KitError
from kitbuilder.site.inputs import MEDIA_SRC
from kitbuilder.typography import typeset

if TYPE_CHECKING:  # imported on every build: the build machinery only when it runs
    from kitbuilder.build import BuildResult

log = get_plugin_logger("kitbuilder.mkdocs.kit_plugin")



def resolve_media(html: str, page: Page, files: Files) -> str:
    """The page's HTML with each player's `src` made into the URL MkDocs gives that file."""
    return MEDIA_SRC.sub(lambda m: m[1] + _site_url(m[2], page, files) + m[3], html)


def _site_url(link: str, page: Page, files: Files) -> str:
    path = posixpath.normpath(posixpath.join(posixpath.dirname(page.file.src_uri), link))
    target = files.get_file_from_path(path)
    if target is None:
        log.warning(f"{page.file.src_uri}: the player's file {link} is not in the site")
        return link
    return get_relative_url(target.url, page.file.url)


class BackgroundAudio:
    """Makes the audio a build left out, then touches a watched folder so that the site
    rebuilds with it. One run at a time; the rebuild it causes starts another if needed."""

    def __init__(self) -> None:
        self._ready: Path | None = None  # watched by the server once it runs
        self._make: Callable[..., BuildResult] | None = None
        self._thread: threading.Thread | None = None

    def watch(self, server: LiveReloadServer, ready: Path) -> None:
        """Have `server` rebuild when audio is ready; start what was asked before it ran."""
        ready.mkdir(parents=True, exist_ok=True)
        server.watch(str(ready))
        self._ready = ready
        if self._make is not None:
            self._start()

    def make(self, build: Callable[..., BuildResult], pending: tuple[str, ...]) -> None:
        """Build the kit with its audio (`build(wait_for_audio=True)`) in the background."""
        log.info(typeset(f"audio : {len(pending)} fichiers à faire ({', '.join(pending)}), "
                         "en arrière-plan ; le site se rechargera quand ils seront prêts"))
        self._make = build
        if self._ready is not None:  # else the server does not watch yet: watch() starts it
            self._start()

    def _start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._run, args=(self._make, self._ready),
                                        daemon=True, name="kitbuilder-audio")
        self._make = None
        self._thread.start()

    @staticmethod
    def _run(build: Callable[..., BuildResult], ready: Path) -> None:
        started = time.monotonic()
        try:
            result = build(wait_for_audio=True)
        except KitError as exc:
            for problem in exc.problems:
                log.error(str(problem))
            return
        log.info(typeset(f"audio : prêt en {time.monotonic() - started:.0f} s "
                         f"({len(result.generated)} fichiers faits) ; le site se reconstruit"))
        (ready / "stamp").write_text(f"{time.time()}\n", encoding="utf-8")
