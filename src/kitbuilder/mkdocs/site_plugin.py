"""The MkDocs face of the association's own pages: data, agenda file, typographic nav."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from importlib.resources import files as resources
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils.templates import TemplateContext

from kitbuilder.errors import KitError, problems
from kitbuilder.mkdocs import live
from kitbuilder.mkdocs.messages import say_nav_in_french
from kitbuilder.site import meta
from kitbuilder.site import pages as site_pages
from kitbuilder.site.data import SiteData, load_site_data
from kitbuilder.site.export import CARD, CARD_SIZE
from kitbuilder.sources import MANIFEST, read_licence
from kitbuilder.typography import typeset

log = get_plugin_logger(__name__)
T = TypeVar("T")
ICS = "agenda.ics"
FRENCH_SEARCH = "assets/javascripts/lunr/min/lunr.fr.min.js"


class SiteConfig(base.Config):
    data_dir = c.Type(str, default="docs/_data")
    """Folder of association.yml and agenda.yml, relative to mkdocs.yml."""
    kit_dir = c.Type(str, default="kit")
    """The kit's sources, whose manifest states the kit's licence (the legal notice says it)."""


class SitePlugin(BasePlugin[SiteConfig]):
    def __init__(self) -> None:
        self.data: SiteData | None = None
        self.root = Path.cwd()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self.root = Path(config.config_file_path).resolve().parent
        say_nav_in_french(Path(config.config_file_path), Path(config.docs_dir))
        self.data = _or_stop(lambda: load_site_data(self.root / self.config.data_dir, self.root))
        self.values = site_pages.context(self.data, datetime.now())
        self.paragraphs: dict[str, list[str]] = {}
        self.descriptions: dict[str, str] | None = None
        kit_dir = self.root / self.config.kit_dir
        self.values["kit_licence"] = _or_stop(
            lambda: read_licence(kit_dir, self.root)) if (kit_dir / MANIFEST).is_file() else None
        # The theme's footer (overrides/partials/copyright.html) shows the contacts.
        config.extra["association"] = self.data.association
        association = self.data.association
        config.extra["card"] = {
            "url": (config.site_url or "/").rstrip("/") + "/" + CARD,
            "width": CARD_SIZE[0], "height": CARD_SIZE[1],
            "alt": typeset(f"{association.name} : {association.motto.lower()}")}
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        host = urlsplit(config.site_url or "").hostname or "localhost"
        calendar = site_pages.agenda_ics(self.values["events"], host, config.site_name)
        files.append(File.generated(config, ICS, content=calendar))
        card = resources("kitbuilder") / "resources" / "card.png"
        files.append(File.generated(config, CARD, abs_src_path=str(card)))
        return files

    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        for item in nav.items:
            _typeset_titles(item)
        return nav

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig,
                         files: Files) -> str | None:
        description = page.meta.get("description")
        if isinstance(description, str):  # typed by the editor in the page's front matter
            page.meta["description"] = typeset(description.strip())
        if page.file.generated_by:  # the kit's pages hold no placeholders
            return markdown
        shown = Path(config.docs_dir).relative_to(self.root) / page.file.src_path
        blocks = self.root / self.config.data_dir / site_pages.BLOCKS
        return _or_stop(lambda: site_pages.render(markdown, self.values, shown, blocks))

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig,
                        files: Files) -> str | None:
        if not page.meta.get("description"):  # a page that gives none: its first lines
            self.paragraphs[page.file.src_uri] = meta.paragraphs(html)
        return html

    def on_page_context(self, context: TemplateContext, *, page: Page, config: MkDocsConfig,
                        nav: Navigation) -> TemplateContext | None:
        # Every page's content is rendered before any template: pages without a description
        # of their own get one from their first own lines, lines several pages share left out.
        if self.descriptions is None:
            self.descriptions = meta.distinct(self.paragraphs)
        if page.file.src_uri in self.descriptions:
            page.meta["description"] = self.descriptions[page.file.src_uri]
        # A page of a sub-section names it (« Le matin – 24 h en Ehpad – … »).
        section = page.parent.title if page.parent and len(list(page.ancestors)) >= 2 else None
        own = meta.plain(page.title or "") if not page.is_homepage else ""
        page.meta["html_title"] = meta.title(own, section, config.site_name)
        page.meta["og_title"] = meta.title(own, section, "").removesuffix(meta.TITLE_DASH) \
            or config.site_name
        return context

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str | None:
        return _name_search_dialog(output)

    def on_post_template(self, output_content: str, *, template_name: str,
                         config: MkDocsConfig) -> str | None:
        # The error page (404.html) is a template, not a page.
        return _name_search_dialog(output_content) if template_name.endswith(".html") \
            else output_content

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        # Material's search worker loads this file for `lang: fr`; our addition makes it fold
        # accents. Material offers no hook into its worker, and its files are copied afresh
        # on every build, so this appends once per build.
        french = Path(config.site_dir) / FRENCH_SEARCH
        if french.is_file():
            addition = (resources("kitbuilder") / "resources" / "search-fr.js").read_text()
            text = french.read_text(encoding="utf-8")
            if addition not in text:
                french.write_text(text + addition, encoding="utf-8")

    def on_serve(self, server: LiveReloadServer, /, *, config: MkDocsConfig,
                 builder: Callable[..., Any]) -> None:
        live.install(server)  # a mistake in a rebuild: a French page in the browser
        server.watch(str(self.root / self.config.data_dir))


def _name_search_dialog(html: str) -> str:
    """Material's search dialog has no accessible name (axe: aria-dialog-name)."""
    return html.replace('data-md-component="search" role="dialog">',
                        'data-md-component="search" role="dialog" '
                        'aria-label="Rechercher dans le site">', 1)


def _typeset_titles(item: Any) -> None:
    if item.title:
        item.title = typeset(item.title)
    for child in getattr(item, "children", None) or ():
        _typeset_titles(child)


def _or_stop(step: Callable[[], T]) -> T:
    """Run a step; on a mistake in the sources, log each problem and stop the build."""
    try:
        return step()
    except KitError as exc:
        for problem in exc.problems:
            log.error(str(problem))
        count = problems(len(exc.problems))
        raise PluginError(typeset(f"les sources du site contiennent {count}, listés ci-dessus")) \
            from None
