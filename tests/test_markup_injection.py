"""No text of the kit's sources becomes markup: hostile text in every field of every source
(YAML and Markdown) yields pages, offline pages and nav titles with no element or attribute
the renderer did not choose. Property-based (hypothesis), with a modest number of examples."""

# ruff: noqa: F811 (`site` is test_server's fixture, imported to be used by name)
from __future__ import annotations

import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import markdown
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fixture_kit import FILES, write_kit
from kitbuilder.errors import KitError
from kitbuilder.render import offline, pages
from kitbuilder.site.nav import kit_nav
from kitbuilder.sources import load_kit
from test_server import site  # noqa: F401  (the benign site, built once)

# The site's Markdown extensions (mkdocs.yml), as MkDocs and the offline pages apply them.
EXTENSIONS = ["kitbuilder.markdown_typography", "toc", "tables", "attr_list"]
# What attackers write: tags, handlers, attr_list braces, code spans holding backticks,
# entities, links with scripts, Markdown block starts, the HTML comment and title enders.
FRAGMENTS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '<a href="javascript:x">',
    "{: onclick=\"alert(1)\" }", "{ #x .y onmouseover=alert(1) }", "{:", "}", "{", "`", "``",
    "` <b>x</b> `", "&lt;script&gt;", "&#60;i&#62;", "&amp;", "[x](javascript:alert(1))",
    "![i](x.png)", "<http://x.example>", "*", "_", "**", "\\", "|", "# ", "- ", "1. ", "> ",
    "---", "===", "<!--", "-->", "</title>", "</textarea>", "[TOC]", '"', "'", "&", "<", ">",
    "\n", "\n\n", "    ", "style=color:red", "\u00a0:", "javascript:", "data:text/html,x",
]
HOSTILE = st.lists(st.one_of(st.sampled_from(FRAGMENTS),
                             st.text(st.characters(codec="utf-8", categories=("L", "N", "P",
                                                                              "S", "Zs")),
                                     max_size=6)),
                   min_size=1, max_size=5).map("".join).filter(lambda t: t.strip() != "")

# Keys whose values name files, kinds, ids or colours: checked as such, not text.
NOT_TEXT = {"bundle", "guide", "table", "sheets", "parts", "lexicon", "voices", "glossary",
            "association", "kind", "id", "colour", "phase", "edition", "href", "lines",
            "height", "rows", "pages", "landscape", "email", "phone"}


def _hostile_yaml(text: str, hostile: str) -> str:
    """The YAML source with every text value replaced by `hostile`."""
    def walk(value: Any, key: Any = None) -> Any:
        if isinstance(value, dict):
            return {k: v if k in NOT_TEXT else walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        return hostile if isinstance(value, str) else value
    return yaml.safe_dump(walk(yaml.safe_load(text)), allow_unicode=True, sort_keys=False)


def _md(text: str) -> str:
    """`text` written in Markdown so that markdown-it reads it back as plain text."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", " ".join(text.split()))


def _md_code(text: str) -> str:
    text = " ".join(text.split())
    fence = "`" * (max((len(r) for r in re.findall("`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"


def _hostile_markdown(hostile: str, story: bool) -> str:
    t, c = _md(hostile), _md_code(hostile)
    body = (f"{t} {c} **{t}** *{t}* [{t}](https://example.org/{t.replace(' ', '')})\n\n"
            f"**{t}** : {t}\n\n- {t}\n- {c}\n\n")
    if story:
        return (f"# {t}\n\n{t}\n\n## {t}\n\n{body}## Questions pour le groupe\n\n1. {t}\n"
                f"2. {c}\n")
    return f"# {t}\n\n{body}## {t}\n\n### {t}\n\n| {t} | {c} |\n| --- | --- |\n| {t} | {t} |\n"


def hostile_kit(root: Path, hostile: str) -> Path:
    files = {name: (_hostile_markdown(hostile, name.startswith("recit/"))
                    if name.endswith(".md") else _hostile_yaml(text, hostile))
             for name, text in FILES.items()}
    return write_kit(root, files)


# --- What the output may hold ----------------------------------------------------------------


class _Markup(HTMLParser):
    """Every element and attribute, and every URL, of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: set[tuple[str, str | None]] = set()
        self.urls: list[str] = []
        self.scripts: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.add((tag, None))
        for name, value in attrs:
            self.found.add((tag, name))
            if name in ("href", "src", "action", "content") and value:
                self.urls.append(value)
        if tag == "script":
            self.scripts.append((tag, dict(attrs).get("src")))


def markup(html: str) -> _Markup:
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser


def rendered(kit_dir: Path) -> dict[str, str]:
    """Every page as HTML: the site's kit pages (through the site's Markdown), the story
    parts with their player, and the zip's offline pages."""
    kit = load_kit(kit_dir)
    site = pages.pages(kit)
    site.update({f"part-{p.number}-player.md": pages.part(kit, p, tuple(
        float(n) for n in range(len(p.scenes)))) for p in kit.story.parts})
    out = {name: markdown.markdown(text, extensions=EXTENSIONS)
           for name, text in site.items() if name.endswith(".md")}
    out.update({name: text for name, text in offline.offline_pages(kit, site)
                if name.endswith(".html")})
    titles = []
    for entry in kit_nav(kit, "kit")[1:]:
        for title, value in entry.items():
            titles.append(title)
            titles += [next(iter(item)) for item in value] if isinstance(value, list) else []
    out["nav titles"] = "<p>" + "</p><p>".join(titles) + "</p>"
    return out


@pytest.fixture(scope="module")
def allowed(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str | None]]:
    """The allow-list: what the renderer writes for the fixture kit's ordinary text, and a
    code span (the fixture has none)."""
    found: set[tuple[str, str | None]] = {("code", None)}
    for html in rendered(write_kit(tmp_path_factory.mktemp("benign"))).values():
        found |= markup(html).found
    return found


def _check(pages_html: dict[str, str], allowed: set[tuple[str, str | None]]) -> None:
    for name, html in pages_html.items():
        found = markup(html)
        extra = found.found - allowed
        assert not extra, f"{name}: {sorted(extra, key=str)}"
        assert not any(attr and attr.startswith("on") for _, attr in found.found), name
        for url in found.urls:
            scheme = re.match(r"^\s*([a-z][a-z0-9+.-]*):", url, re.IGNORECASE)
            assert not scheme or scheme[1].lower() in {"http", "https", "mailto", "tel"} \
                or url.startswith("default-src"), f"{name}: {url}"
        # Scripts: only the kit's own files, never one written inline by a source.
        assert all(src in offline.ASSETS or (src or "").endswith(".js")
                   for _, src in found.scripts), f"{name}: {found.scripts}"
        assert not [s for s in found.scripts if s[1] is None], name


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile=HOSTILE)
@example(hostile="Fiche {: onclick=\"alert(1)\" }")
@example(hostile="`` <img src=x onerror=alert(1)> ``")
@example(hostile="<script>alert(1)</script>")
@example(hostile="x\n\n<script>alert(1)</script>")
@example(hostile="    <script>alert(1)</script>")  # an indented code block (found by the search)
def test_hostile_text_in_any_field_never_becomes_markup(
        hostile: str, allowed: set[tuple[str, str | None]]) -> None:
    with tempfile.TemporaryDirectory() as root:
        try:
            html = rendered(hostile_kit(Path(root), hostile))
        except KitError:
            return  # refused with a message: nothing published
        _check(html, allowed)


@pytest.mark.parametrize("source", [
    # attr_list braces written in the kit's Markdown, as text
    "# Guide\n\nUn paragraphe {: onclick=\"alert(1)\" }\n\n## Section {: onmouseover=x }\n",
    # a code span holding backticks
    "# Guide\n\nVoir ``x` <img src=y onerror=alert(1)> `z``.\n",
    # a link whose target could end early or run a script
    "# Guide\n\n[lien](<https://a.example/x) onclick=alert(1) (>)\n",
])
def test_markdown_that_text_could_become_markup_stays_text(
        tmp_path: Path, source: str, allowed: set[tuple[str, str | None]]) -> None:
    kit = write_kit(tmp_path, {**FILES, "guide.md": source})
    _check(rendered(kit), allowed)


# --- Through a real MkDocs build -------------------------------------------------------------

# Ends with attr_list braces: at the end of a heading or a paragraph they would apply.
EVERYTHING = "".join(FRAGMENTS[:30]) + "</title></textarea> Fin { .x onclick=alert(1) }"
OVERRIDES = Path(__file__).resolve().parent.parent / "overrides"  # the site's own templates


def _built(site_dir: Path) -> dict[str, str]:
    return {str(p.relative_to(site_dir)): p.read_text(encoding="utf-8")
            for p in sorted(site_dir.rglob("*.html"))}


def test_a_built_site_from_a_hostile_kit_holds_only_the_benign_sites_markup(
        site: Path, tmp_path: Path) -> None:
    from kitbuilder import csp
    from test_site import MKDOCS_YML, mkdocs

    hostile_kit(tmp_path, EVERYTHING)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Accueil\n\n[Le kit](kit/index.md)\n")
    # The site's own templates: Material's base template writes a title unescaped.
    (tmp_path / "mkdocs.yml").write_text(MKDOCS_YML.replace(
        "  font: false\n", f"  font: false\n  custom_dir: {OVERRIDES}\n"))
    run = mkdocs(tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]  # escaped Markdown, quoted YAML: accepted
    # The benign fixture site, built with Material's templates alone, and what our own
    # templates add (main.html: link previews).
    allowed = {("code", None), ("meta", "property")}
    for html in _built(site).values():
        allowed |= markup(html).found
    built = {name: html for name, html in _built(tmp_path / "site").items()
             if name.startswith("kit/")}  # the pages made from the kit (each has its nav)
    assert len(built) > 5
    for name, html in built.items():
        found = markup(html)
        assert not found.found - allowed, (name, sorted(found.found - allowed, key=str))
        scripts = set(csp.inline_scripts(html))
        assert scripts <= set(csp.read(tmp_path / "site") or ()), name
    assert csp.read(tmp_path / "site") == csp.read(site)  # the theme's scripts, nothing more
