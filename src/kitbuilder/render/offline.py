"""The kit's pages as plain HTML files for the zip, read from the unzipped folder with no server
and no network (rooms without internet): one flat folder of pages beside the kit's files."""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass
from importlib.resources import files as resources
from pathlib import Path

import markdown

from kitbuilder import csp, layout
from kitbuilder.model import Kit
from kitbuilder.render import bundle, offers, pages
from kitbuilder.render.escape import esc
from kitbuilder.typography import NBSP

VERSION = "5"  # change it when the offline pages change for the same sources
FOLDER = "pages"  # in the zip, beside the Word files
START = "ouvrir-le-kit.html"  # in the zip's top folder: the way in
# What LISEZMOI.txt says of START.
START_DESCRIPTION = ("les pages du kit à lire dans un navigateur, sans connexion (dossier "
                     f"{FOLDER})")
ASSETS = ("kit.css", "kit-audio.css", "kit-audio.js", "print.js", "kit-identity.css")
_HEAD_ASSETS = "".join(f'<link rel="stylesheet" href="{name}">' for name in
                       (*ASSETS, pages.PHASES_CSS) if name.endswith(".css"))
_BODY_ASSETS = "".join(f'<script src="{name}"></script>' for name in ASSETS
                       if name.endswith(".js"))
# The house font, shipped with the pages (SIL Open Font License, its text beside the fonts).
FONTS = ("atkinson-hyperlegible-latin-400-normal.woff2",
         "atkinson-hyperlegible-latin-400-italic.woff2",
         "atkinson-hyperlegible-latin-700-normal.woff2",
         "atkinson-hyperlegible-latin-700-italic.woff2", "OFL.txt")
# Loaded by the start page from the pages' folder: present only when the zip was extracted.
START_SCRIPT = "ouvrir-le-kit.js"
_LINK = re.compile(r'(?P<attr>href|src)="(?P<url>[^"]*)"')
_EXTENSIONS = ["kitbuilder.markdown_typography", "toc", "tables", "kitbuilder.markdown_tables",
               "attr_list"]

_FONT_FACES = "".join(
    f'@font-face {{ font-family: "Atkinson Hyperlegible"; font-style: {style}; '
    f'font-weight: {weight}; font-display: swap; '
    f'src: url("fonts/atkinson-hyperlegible-latin-{weight}-{style}.woff2") format("woff2"); }}\n'
    for weight in (400, 700) for style in ("normal", "italic"))

_STYLE = _FONT_FACES + """
:root { color-scheme: light; --md-accent-fg-color--transparent: #b3400f1a; }
body { font: 1.05rem/1.55 "Atkinson Hyperlegible", system-ui, sans-serif; color: #1d1d1d;
       margin: 0; }
header, main, footer { max-width: 48rem; margin: 0 auto; padding: 0 1rem; }
header { border-bottom: 1px solid #ccc; padding-top: 0.75rem; padding-bottom: 0.75rem; }
footer { border-top: 1px solid #ccc; margin-top: 2rem; padding-top: 0.75rem;
         padding-bottom: 2rem; font-size: 0.9rem; }
a { color: #1f4e5f; text-decoration: underline; text-underline-offset: 0.15em; }
a:focus-visible, button:focus-visible { outline: 3px solid #b3400f; outline-offset: 2px; }
h1 { font-size: 1.8rem; line-height: 1.2; color: #1f4e5f; }
h2 { font-size: 1.35rem; margin-top: 1.6em; }
h3 { font-size: 1.1rem; margin-top: 1.2em; }
/* A wide table scrolls in its own region, not the whole page (kitbuilder.markdown_tables). */
.kit-table { overflow-x: auto; }
.kit-table:focus-visible { outline: 3px solid #b3400f; outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #999; padding: 0.35em 0.5em; vertical-align: top; text-align: left; }
.md-button { font: inherit; padding: 0.4em 1em; border: 2px solid #1f4e5f; background: #fff;
             color: #1f4e5f; border-radius: 0.2em; cursor: pointer; }
@media print { header, footer { display: none; } main { max-width: none; padding: 0; } }
"""


# The offline pages' own policy (no server sends one): their scripts and styles are the files
# beside them, their one inline style is allowed by its hash, nothing inline runs. « file: »
# beside « 'self' »: browsers disagree on what « 'self' » means for a page opened from a disk.
_POLICY = ("default-src 'none'; script-src 'self' file:; "
           f"style-src 'self' file: {csp.digest(_STYLE)}; img-src 'self' file: data:; "
           "media-src 'self' file:; font-src 'self' file:; base-uri 'none'; form-action 'none'")
_META_POLICY = f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">'


def site_names(kit: Kit) -> dict[str, str]:
    """Each site page (path under the kit's folder) and its file name in the offline folder."""
    names = {"index.md": "index.html", "guide.md": "guide.html", "tableau.md": "tableau.html"}
    names.update({layout.sheet_page(s): f"fiche-{s.slug}.html" for s in kit.sheets})
    names.update({layout.document_page(d): f"outil-{d.slug}.html" for d in kit.documents})
    names.update({layout.part_page(p): f"recit-{p.number}-{p.slug}.html"
                  for p in kit.story.parts})
    return names


@dataclass(frozen=True)
class Site:
    """Where the kit is published: the site's public address (`site_url` of mkdocs.yml; empty
    when the kit is built alone) and the kit's folder in that site. Links from the kit to the
    association's pages, which are not in the zip, are made absolute from them."""

    url: str = ""
    kit: str = "kit"

    def page(self, path: str) -> str | None:
        """The public address of a site page, `path` relative to the kit's folder
        (« ../rendez-vous.md ») or to the site's root (« /contact/ »); None without one."""
        if not self.url:
            return None
        target, _, anchor = path.partition("#")
        if target.startswith("/"):
            resolved = target.lstrip("/")
        else:
            resolved = posixpath.normpath(posixpath.join(self.kit.strip("/"), target))
            if resolved == "." or resolved.startswith("../"):
                resolved = ""  # above the site's root: its home page
        if resolved.endswith(".md"):  # the page's address, as MkDocs' directory URLs make it
            resolved = resolved.removesuffix(".md").removesuffix("index").rstrip("/")
            resolved += "/" if resolved else ""
        return self.url.rstrip("/") + "/" + resolved + (f"#{anchor}" if anchor else "")


# The kit built alone (`kitbuilder build`): no public address to link the site's pages to.
ALONE = Site()


def offline_pages(kit: Kit, site_pages: dict[str, str], site: Site = ALONE
                  ) -> tuple[tuple[str, str | bytes], ...]:
    """(name in the zip's folder, text) for every offline page, its assets and the way in.

    `site_pages` are the kit's pages as the site has them (Markdown, keyed by path under the
    kit's folder); their index is replaced by one without the request form.
    """
    names = site_names(kit)
    sources = dict(site_pages, **{"index.md": _index(kit, names)})
    out: list[tuple[str, str | bytes]] = [
        (f"{FOLDER}/{names[path]}", _page(kit, path, sources[path], names, site))
        for path in names]
    out += [(f"{FOLDER}/{name}", (resources("kitbuilder") / "resources" / name).read_text())
            for name in ASSETS]
    if pages.PHASES_CSS in site_pages:
        out.append((f"{FOLDER}/{pages.PHASES_CSS}", site_pages[pages.PHASES_CSS]))
    out += [(f"{FOLDER}/fonts/{name}", (resources("kitbuilder") / "resources" / "fonts" / name)
             .read_bytes()) for name in FONTS]
    out.append((f"{FOLDER}/{START_SCRIPT}", _START_JS))
    out.append((START, _start(kit)))
    return tuple(out)


def bundle_with_pages(folder: str, members: tuple[tuple[str, Path], ...], readme_text: str,
                      kit: Kit, site_pages: tuple[tuple[str, str], ...], site: Site,
                      out: Path) -> None:
    """The zip, with the offline pages made from the site's pages. Made here, inside the
    cached job, so that a build with nothing changed never converts them."""
    bundle.bundle(folder, members, readme_text, offline_pages(kit, dict(site_pages), site), out)


def _index(kit: Kit, names: dict[str, str]) -> str:
    lines = [f"# {esc(kit.title)}", ""]
    if kit.subtitle:
        lines += [f"*{esc(kit.subtitle)}*", ""]
    lines += [("Ces pages sont la copie hors ligne du kit : elles s’ouvrent dans un navigateur "
               "depuis le dossier décompressé, sans connexion. Les documents à imprimer (PDF), "
               "à modifier (Word) et les enregistrements du récit sont dans le même dossier."),
              "", f"**[Le kit complet, à imprimer (PDF)]({layout.FILES}/{layout.KIT_PDF})**", ""]
    for heading, entries in pages.contents(kit):
        lines += [f"## {esc(heading or 'Pour commencer')}", ""]
        for title, page, docx in entries:
            word = offers.offer("", docx, None)
            if page:
                lines.append(f"- [{esc(title)}]({page}) — {word}")
            else:
                lines.append(f"- {esc(title)} — {word}")
        lines.append("")
    return "\n".join(lines)


def _page(kit: Kit, path: str, source: str, names: dict[str, str], site: Site) -> str:
    body = markdown.markdown(source, extensions=_EXTENSIONS, output_format="html")
    body = _LINK.sub(lambda m: f'{m["attr"]}="{_relink(path, m, names, site)}"', body)
    # A link to a site page that has no public address (the kit built alone) goes nowhere
    # offline: its words stay, the link goes.
    body = _DEAD.sub(r"\g<words>", body)
    title = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.DOTALL)
    heading = re.sub(r"<[^>]+>", "", title[1]) if title else kit.title
    # The index's heading is the kit's title: its header does not say it a second time.
    where = ("Copie hors ligne du kit" if path == "index.md" else
             f'<a href="index.html">Sommaire du kit</a> · {html.escape(kit.title)}{NBSP}— '
             "copie hors ligne")
    return (f'<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
            f"{_META_POLICY}\n"
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{heading} — {html.escape(kit.title)}</title>\n{_HEAD_ASSETS}\n"
            f"<style>{_STYLE}</style>\n</head>\n<body>\n"
            f"<header>{where}</header>\n<main class=\"md-typeset\">\n{body}\n</main>\n"
            f"<footer>{html.escape(kit.publisher)}</footer>\n{_BODY_ASSETS}\n</body>\n</html>\n")


def _relink(path: str, link: re.Match[str], names: dict[str, str], site: Site) -> str:
    """A site link, made to work from the flat offline folder: a page or file of the kit
    becomes its copy in the zip; a page of the association's site, which the zip does not
    hold, its public address (or `_NOWHERE` when the kit has none)."""
    url, attr = link["url"], link["attr"]
    if not url or url.startswith("#") or re.match(r"^[a-z][a-z0-9+.-]*:", url):
        return url  # an anchor on the page, or another site (needs the network anyway)
    target, _, anchor = url.partition("#")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    anchor = f"#{anchor}" if anchor else ""
    if resolved in names and not target.startswith("/"):
        return names[resolved] + anchor
    if resolved.startswith(f"{layout.FILES}/") and not target.startswith("/"):
        return "../" + resolved.removeprefix(f"{layout.FILES}/") + anchor
    if attr == "href" and (target.startswith("/") or resolved.startswith("../")
                           or resolved == ".."):
        return site.page(url if target.startswith("/") else posixpath.join(
            posixpath.dirname(path), url)) or _NOWHERE
    return url


_NOWHERE = "kitbuilder:nowhere"  # a link with no address offline, removed from the page
_DEAD = re.compile(rf'<a href="{_NOWHERE}"[^>]*>(?P<words>.*?)</a>', re.DOTALL)


def _start(kit: Kit) -> str:
    """The way in, in the zip's top folder. Opened from the extracted folder, its script (in
    the pages' folder) takes the reader straight to the index. Opened alone, as a double click
    inside a zip does on Windows (the file is copied to a temporary folder, without the rest),
    the script is missing and the page says, in plain words, to extract the zip first."""
    title = html.escape(kit.title)
    zip_name = html.escape(kit.bundle)
    folder = html.escape(kit.bundle.removesuffix(".zip"))
    target = f"{FOLDER}/index.html"
    return (f'<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{_START_POLICY}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{title} — ouvrir le kit</title>\n<style>{_START_STYLE}</style>\n"
            f"</head>\n<body>\n<main>\n<h1>{title}</h1>\n"
            f'<p><a class="open" href="{target}">Ouvrir le kit «{NBSP}{title}{NBSP}»</a></p>\n'
            f'<section aria-labelledby="alone">\n<h2 id="alone">Le kit ne s’ouvre pas{NBSP}?'
            "</h2>\n<p>Cette page a sans doute été ouverte directement dans le fichier zip, "
            "sans le décompresser : les pages, les fiches et les enregistrements du kit ne sont "
            "pas à côté d’elle. Décompressez d’abord le zip :</p>\n<ol>\n"
            "<li>Fermez cette page.</li>\n"
            f"<li>Sous Windows : faites un clic droit sur le fichier «{NBSP}{zip_name}{NBSP}», "
            f"choisissez «{NBSP}Extraire tout…{NBSP}», puis «{NBSP}Extraire{NBSP}». "
            "Sur un Mac : double-cliquez sur le fichier zip.</li>\n"
            f"<li>Ouvrez le dossier «{NBSP}{folder}{NBSP}» ainsi créé, puis le fichier "
            f"«{NBSP}{START}{NBSP}» qu’il contient.</li>\n</ol>\n"
            f"<p>Le fichier {layout.README} du dossier explique le reste.</p>\n"
            f"</section>\n</main>\n<script src=\"{FOLDER}/{START_SCRIPT}\"></script>\n"
            "</body>\n</html>\n")


_START_STYLE = """
body { font: 1.1rem/1.55 system-ui, sans-serif; color: #1d1d1d; margin: 0; }
main { max-width: 40rem; margin: 0 auto; padding: 1rem; }
h1 { color: #1f4e5f; } h2 { font-size: 1.2rem; margin-top: 2rem; }
a { color: #1f4e5f; }
a.open { display: inline-block; font-weight: 700; padding: 0.5em 1em;
         border: 2px solid #1f4e5f; border-radius: 0.2em; }
a:focus-visible { outline: 3px solid #b3400f; outline-offset: 2px; }
"""
# Its style inline (allowed by its hash), its one script from the pages' folder.
_START_POLICY = ("default-src 'none'; script-src 'self' file:; "
                 f"style-src {csp.digest(_START_STYLE)}; base-uri 'none'; form-action 'none'")
# Beside the pages: loaded only when the folder was extracted, it opens the index at once.
_START_JS = 'window.location.replace("pages/index.html");\n'
