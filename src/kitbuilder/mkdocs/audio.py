"""The story audio in MkDocs: the player's file resolved like a link, and audio made in the
background under `mkdocs serve` so that serving never waits for it."""

from __future__ import annotations

import posixpath
import re
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from kitbuilder.errors import KitError
from kitbuilder.site.inputs import MEDIA_SRC
from kitbuilder.typography import typeset, typeset_message

if TYPE_CHECKING:  # imported on every build: the build machinery only when it runs
    from kitbuilder.build import BuildResult
    from kitbuilder.model import StoryPart
    from kitbuilder.site.inputs import KitInputs

log = get_plugin_logger("kitbuilder.mkdocs.kit_plugin")



def resolve_media(html: str, page: Page, files: Files) -> str:
    """The page's HTML with each player's `src` made into the URL MkDocs gives that file."""
    return MEDIA_SRC.sub(lambda m: m[1] + _site_url(m[2], page, files) + m[3], html)


def _site_url(link: str, page: Page, files: Files) -> str:
    path = posixpath.normpath(posixpath.join(posixpath.dirname(page.file.src_uri), link))
    target = files.get_file_from_path(path)
    if target is None:
        log.warning(typeset_message(f"« {page.file.src_uri} » : le fichier du lecteur audio "
                                    f"« {link} » n'est pas dans le site"))
        return link
    return get_relative_url(target.url, page.file.url)


# The player, its download links and its chapters, as render/pages.py writes them.
_PLAYER = re.compile(r'<div class="kit-player">.*?</nav>', re.DOTALL)
_DOWNLOADS = "{ .kit-download }\n\n"  # the end of each download line of a page
_FIRST_SCENE = '<div class="kit-scene"'
NEWER_COMING = ("*Un enregistrement plus récent de cette partie est en cours de fabrication : "
                "vous entendez la version précédente, la page se rechargera quand il sera "
                "prêt.*\n{ .kit-audio-pending }")


def keep_previous(added: KitInputs, previous: KitInputs | None, pending: tuple[str, ...],
                  parts: tuple[StoryPart, ...], base: str) -> KitInputs:
    """What the site shows while the audio in `pending` is made again: each part's previous
    recording (its MP3 and transcript, still in the cache), with its player on the part's new
    page and a line saying a newer recording is coming, instead of no player at all."""
    if previous is None:
        return added
    from kitbuilder import layout

    old_files = dict(previous.files)
    files = dict(added.files)
    pages = dict(added.pages)
    for part in parts:
        mp3, vtt = layout.part_mp3(part), layout.part_vtt(part)
        paths = [f"{base}/{layout.FILES}/{name}" for name in (mp3, vtt)]
        page = f"{base}/{layout.part_page(part)}"
        player = _PLAYER.search(previous.pages.get(page, ""))
        if mp3 not in pending or player is None or not all(
                p in old_files and Path(old_files[p]).is_file() for p in paths):
            continue
        for path in paths:
            files[path] = old_files[path]
        # Where render/pages.py puts the player: after the page's download lines.
        text = pages[page]
        scenes = text.find(_FIRST_SCENE)
        at = text.rfind(_DOWNLOADS, 0, scenes if scenes >= 0 else len(text))
        if at < 0:
            continue
        at += len(_DOWNLOADS)
        shown = player[0] + "\n\n" + typeset(NEWER_COMING) + "\n\n"
        pages[page] = text[:at] + shown + text[at:]
        log.info(typeset(f"audio : « {part.title} » garde son enregistrement précédent en "
                         "attendant le nouveau"))
    return replace(added, pages=pages, files=list(files.items()))


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
