"""The MkDocs face: builds the kit and adds its pages and files to the site.

A rebuild with nothing changed takes what the last build added from a snapshot
(kitbuilder.mkdocs.snapshot); the modules that load and build the kit are imported only when
the kit has to be built.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from kitbuilder import csp
from kitbuilder.errors import KitError, problems
from kitbuilder.mkdocs import live
from kitbuilder.mkdocs import snapshot as mkdocs_snapshot
from kitbuilder.mkdocs.audio import BackgroundAudio, keep_previous, resolve_media
from kitbuilder.mkdocs.messages import say_nav_in_french
from kitbuilder.site import inputs
from kitbuilder.site.inputs import KitInputs
from kitbuilder.site.nav import expand
from kitbuilder.typography import typeset

log = get_plugin_logger(__name__)


class KitConfig(base.Config):
    enabled = c.Type(bool, default=True)
    """Build the kit with the site; off, the site is built without its kit pages."""
    kit_dir = c.Type(str, default="kit")
    """The kit's sources, relative to mkdocs.yml."""
    cache_dir = c.Type(str, default=".cache/kitbuilder")
    """Where built files are kept between builds, relative to mkdocs.yml."""
    url = c.Type(str, default="kit")
    """The folder of the site where the kit's pages and files are published."""
    privacy_url = c.Type(str, default="confidentialite/")
    """The privacy policy, relative to the site's root; the kit request form links to it."""
    form_url = c.Optional(c.URL())
    """Static-only mode, for hosts that cannot run the request server: the kit page links to
    this external form and publishes the kit's files openly. That form's host then receives
    the visitors' answers: see README, « Static-only mode »."""
    audio_dir = c.Type(str, default="audio")
    """Recorded narration, `<part>/<scene number>.wav|flac|mp3|ogg`, relative to mkdocs.yml;
    scenes without a recording are synthesized."""
    piper_voice = c.Optional(c.Type(str))
    """A Piper voice (.onnx, relative to mkdocs.yml) to narrate with instead of espeak-ng."""
    piper = c.Type(str, default="piper")
    """The Piper command, used with `piper_voice`."""


class KitPlugin(BasePlugin[KitConfig]):
    def __init__(self) -> None:
        self.added: KitInputs | None = None
        self.serving = False
        self.audio = BackgroundAudio()
        self.scripts: set[str] = set()

    # Having this event keeps one plugin object for all the builds of `mkdocs serve`, which
    # the audio made in the background needs.
    def on_startup(self, *, command: Literal["build", "gh-deploy", "serve"], dirty: bool) -> None:
        self.serving = command == "serve"

    def _path(self, config: MkDocsConfig, value: str) -> Path:
        return Path(config.config_file_path).resolve().parent / value

    # Runs before MkDocs empties site/, so that a mistake in the sources leaves the last good
    # site in place; and before the nav is read, so that the kit can fill its entry (« kit/ »).
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return config
        say_nav_in_french(Path(config.config_file_path), Path(config.docs_dir), self.config.url)
        config.extra_css.extend(inputs.STYLESHEETS)
        config.extra_javascript.extend(inputs.SCRIPTS)
        # Material's first inline script names the site's root relative to each page (« . »,
        # « .. », « ../.. »): a text, and so a CSP hash, per page depth, unless extra.scope
        # names the root. Served where site_url says, the root is the same either way: one
        # script and one hash, the CSP header of every response 216 bytes shorter.
        if config.site_url and "scope" not in config.extra:
            config.extra["scope"] = urlsplit(config.site_url).path or "/"
        config.markdown_extensions += [extension for extension in inputs.MARKDOWN_EXTENSIONS
                                       if extension not in config.markdown_extensions]
        kit_dir = self._path(config, self.config.kit_dir)
        audio_dir = self._path(config, self.config.audio_dir)
        cache = self._path(config, self.config.cache_dir)
        voice = self.config.piper_voice
        voice_file = self._path(config, voice) if voice else None
        # The site's address is the zip's: its offline pages link to the association's pages.
        site_url = config.site_url or ""
        key = mkdocs_snapshot.fingerprint(dict(self.config, site_url=site_url), kit_dir,
                                          audio_dir, voice_file, self.config.piper)
        previous, self.added = self.added, mkdocs_snapshot.load(cache, key)
        if self.added is None:
            self.added = self._build(kit_dir, audio_dir, voice_file, cache, key, previous,
                                     site_url)
        else:
            count = len(self.added.files)
            self._tell(typeset(f"kit : rien n'a changé depuis la dernière construction, "
                               f"{count} fichier{'s' if count > 1 else ''} repris du cache"),
                       self.added, pending=False)
        config.extra_css.extend(inputs.kit_stylesheets(self.added, self.config.url.strip("/")))
        if config.nav:
            config.nav = expand(config.nav, f"{self.config.url.strip('/')}/", self.added.nav)
        return config

    def _tell(self, summary: str, added: KitInputs, *, pending: bool) -> None:
        log.info(summary)
        for line in added.narration:
            log.info(line)
        if self.serving and not pending:
            log.info(typeset("audio : tout vient du cache, rien à refaire"))

    def _build(self, kit_dir: Path, audio_dir: Path, voice_file: Path | None, cache: Path,
               key: str, previous: KitInputs | None = None, site_url: str = "") -> KitInputs:
        """Build the kit (audio under `mkdocs serve` in the background); what it adds, kept
        under `key` when it is complete."""
        from kitbuilder.build import build_kit
        from kitbuilder.render.offline import Site
        from kitbuilder.render.speech import SpeechConfig

        build = functools.partial(build_kit, kit_dir, cache, audio_dir=audio_dir,
                                  speech=SpeechConfig(voice_file, self.config.piper),
                                  progress=log.info,
                                  site=Site(site_url, self.config.url.strip("/")))
        try:
            # Under `mkdocs serve`, audio not in the cache yet is made in the background.
            result = build(wait_for_audio=not self.serving)
        except KitError as exc:
            for problem in exc.problems:
                log.error(str(problem))
            raise PluginError(typeset(f"le kit contient {problems(len(exc.problems))}, "
                                      "listés ci-dessus ; rien n'a été reconstruit")) from None
        base = self.config.url.strip("/")
        offer = inputs.kit_offer(base, self.config.privacy_url, self.config.form_url)
        added = inputs.kit_inputs(result, base, offer)
        self._tell(result.summary(), added, pending=bool(result.audio_pending))
        if result.audio_pending:
            # Meanwhile the previous recording of each part plays, with a word about it.
            added = keep_previous(added, previous, result.audio_pending,
                                  result.kit.story.parts, base)
            self.audio.make(build, result.audio_pending)
        else:
            mkdocs_snapshot.save(cache, key, added)
        return added

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled or self.added is None:
            return files
        for path, markdown in self.added.pages.items():
            files.append(File.generated(config, path, content=markdown))
        for path, stored in self.added.files:
            files.append(File.generated(config, path, abs_src_path=stored))
        for name, source in inputs.assets():
            files.append(File.generated(config, name, abs_src_path=str(source)))
        return files

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig,
                        files: Files) -> str | None:
        if not self.config.enabled or not page.file.src_uri.startswith(
                self.config.url.strip("/") + "/"):
            return html
        return resolve_media(html, page, files)

    # The theme's inline scripts, from every page without its content (the kit's text, the
    # editor's pages): the only ones the server's Content-Security-Policy will allow.
    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str | None:
        self.scripts.update(csp.inline_scripts(
            output.replace(page.content, "") if page.content else output))
        return output

    def on_post_template(self, output_content: str, *, template_name: str,
                         config: MkDocsConfig) -> str | None:
        self.scripts.update(csp.inline_scripts(output_content))  # 404.html: all the theme's
        return output_content

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        csp.write(Path(config.site_dir), self.scripts)
        self.scripts = set()

    def on_serve(self, server: LiveReloadServer, /, *, config: MkDocsConfig,
                 builder: Callable[..., Any]) -> None:
        live.install(server)  # a mistake in a rebuild: a French page in the browser
        if self.config.enabled:
            server.watch(str(self._path(config, self.config.kit_dir)))
            audio = self._path(config, self.config.audio_dir)
            if audio.is_dir():
                server.watch(str(audio))
            self.audio.watch(server, self._path(config, self.config.cache_dir) / "audio-ready")
