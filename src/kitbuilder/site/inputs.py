"""The whole site's inputs, for any Markdown site generator: pages, files, nav and agenda.

The site is the association's pages (`docs/*.md`, their placeholders filled from
`docs/_data/`), the kit's pages and files (from the kit build), the kit's stylesheets and
scripts, `agenda.ics`, and the nav with the kit's entries in place of its placeholder. The
MkDocs plugins (`kitbuilder.mkdocs`) hand these to a live MkDocs build; `kitbuilder site
--out DIR` writes them, with a plain `mkdocs.yml`, into a folder that MkDocs without our
plugins, ProperDocs, or another generator reading Markdown builds (see `site.export`).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from importlib.resources import files as resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kitbuilder import layout
from kitbuilder.site.nav import kit_nav

if TYPE_CHECKING:  # the MkDocs plugin imports this module on every build, the build only
    from kitbuilder.build import BuildResult  # when the kit has to be built
    from kitbuilder.render.form import FormSettings

# The kit's own stylesheets and scripts, by their path in the site.
STYLESHEETS = ("assets/kitbuilder/kit.css", "assets/kitbuilder/form.css",
               "assets/kitbuilder/kit-audio.css", "assets/kitbuilder/kit-identity.css")
SCRIPTS = ("assets/kitbuilder/print.js", "assets/kitbuilder/kit-audio.js")
# The Markdown extensions the kit's pages need: `{ .class }` attributes, and their tables in
# regions the keyboard can scroll.
MARKDOWN_EXTENSIONS = ("attr_list", "kitbuilder.markdown_tables")
ICS = "agenda.ics"

# The `src` of a story page's player, written relative to the page's Markdown file like a link.
# Generators rewrite a page's links, not its raw HTML: the face resolves it (media_src).
MEDIA_SRC = re.compile(r'(<(?:audio|source|track)\b[^>]*?\bsrc=")([^":?#]+)(")')


@dataclass(frozen=True)
class KitInputs:
    """What the kit adds to the site: its pages, its nav entries, its files, and which voice
    or clip says each scene of the story (a line per part, for the build log)."""

    pages: dict[str, str]  # Markdown, keyed by path in the site
    nav: list[Any]  # the entries that replace the kit's placeholder in the site's nav
    files: list[tuple[str, str]]  # (path in the site, stored file)
    narration: list[str]


def kit_inputs(result: BuildResult, base: str, offer: FormSettings) -> KitInputs:
    """The kit's part of the site, published under the folder `base` (« kit »)."""
    from kitbuilder.build import facts
    from kitbuilder.render.pages import index

    known = facts(result.files, result.kit)
    pages = {**result.pages, "index.md": index(result.kit, offer, known)}
    return KitInputs({f"{base}/{path}": markdown for path, markdown in pages.items()},
                     kit_nav(result.kit, base),
                     [(f"{base}/{layout.FILES}/{output.name}", str(output.path))
                      for output in result.files],
                     list(result.narration))


def kit_stylesheets(added: KitInputs, base: str) -> list[str]:
    """The stylesheets the kit build makes (the phases' colours), by their path in the site."""
    phases = f"{base}/{layout.PHASES_CSS}"
    return [phases] if phases in added.pages else []


def kit_offer(base: str, privacy_url: str, form_url: str | None) -> FormSettings:
    """How the kit page offers the kit: the privacy policy is `privacy_url` from the site's
    root, and `form_url` an external form in static-only mode."""
    from kitbuilder.render.form import FormSettings

    return FormSettings("../" * len(base.split("/")) + privacy_url, form_url)


def assets() -> list[tuple[str, Path]]:
    """The kit's stylesheets and scripts: (path in the site, the file shipped with us)."""
    return [(name, Path(str(resources("kitbuilder") / "resources" / Path(name).name)))
            for name in STYLESHEETS + SCRIPTS]


def directory_url(page: str) -> str:
    """The URL of a page with directory URLs, as MkDocs makes them: « a/b.md » → « a/b/ »."""
    stem = posixpath.splitext(page)[0]
    if posixpath.basename(stem) == "index":
        folder = posixpath.dirname(stem)
        return f"{folder}/" if folder else ""
    return f"{stem}/"


def media_for_directory_urls(markdown: str, page: str) -> str:
    """The players' `src` of a kit page, made relative to the page's URL (directory URLs)."""
    here = directory_url(page).rstrip("/") or "."

    def resolve(match: re.Match[str]) -> str:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page), match[2]))
        return match[1] + posixpath.relpath(target, here) + match[3]

    return MEDIA_SRC.sub(resolve, markdown)
