"""Kit text written into Markdown (and HTML, and CSS strings) so that it shows exactly as
written.

The kit's text is re-read by a second parser (Python-Markdown, with the site's extensions:
tables, attr_list, toc), so every character by which it could become markup is escaped:
no text of the kit's sources can produce a tag, an attribute, a link or a block the renderer
did not choose.
"""

from __future__ import annotations

import html
import re

from kitbuilder.model import Inline

# Every character by which Python-Markdown (with the site's extensions: tables, attr_list)
# could read text as markup: emphasis, code, links and images, headings, tables, and the
# braces of attr_list, which would otherwise turn « {: onclick=… } » into an attribute.
_SPECIAL = re.compile(r"([\\`*_\[\]{}#|])")
_LINE_START = re.compile(r"^(\s*)(?:([-+>])|(\d+)\.)")  # a list or a quote
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")  # « &lt; » written in a source is shown as such
_BREAK = re.compile(r"\s*[\r\n]\s*")  # a line break in a YAML text would start a new block
# Four spaces or a tab at the start of a line open a code block; HTML shows one space anyway.
_INDENT = re.compile(r"^[ \t]+")
_BACKTICKS = re.compile(r"`+")
_MARKDOWN_SPECIAL = frozenset("\\`*_{}[]#|")
# Link targets a kit source may give: the web, e-mail, telephone, or a page of the site.
_URL_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_URL_UNSAFE = re.compile(r"""[\s"'<>()\\`{}|\[\]^]""")


def esc(text: str) -> str:
    """Escape text so that Markdown shows it as written, on one line: no character of it can
    become a tag, an attribute, a link or a block (the page's structure is ours alone)."""
    text = _ENTITY.sub("&amp;", _INDENT.sub(" ", _BREAK.sub(" ", text)))
    text = _SPECIAL.sub(r"\\\1", text).replace("<", "&lt;")
    return _LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[2] else f"{m[1]}{m[3]}\\.", text)


def code(text: str) -> str:
    """A code span showing `text` as written, whatever backticks it holds: its fence is one
    backtick longer than the longest run inside."""
    text = _BREAK.sub(" ", text)
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def url(href: str) -> str:
    """A link target fit for Markdown: the schemes the kit may link to (else no link at all,
    the empty string), and no character that could end the target or start an attribute."""
    scheme = _URL_SCHEME.match(href)
    if scheme and scheme[1].lower() not in _SAFE_SCHEMES:
        return ""
    return _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode()), href)


def inline(spans: Inline) -> str:
    out = []
    for span in spans:
        text = code(span.text) if span.code else esc(span.text)
        if span.strong:
            text = f"**{text}**"
        if span.em:
            text = f"*{text}*"
        target = url(span.href) if span.href else ""
        if target:
            text = f"[{text}]({target})"
        out.append(text)
    return "".join(out)


def html_text(text: str) -> str:
    """Text for our own HTML elements inside a Markdown page: escaped for HTML, on one line
    (a raw HTML block ends at a blank line), and with Markdown's special characters as
    character references. Python-Markdown reads Markdown between inline tags (a <span> in a
    table cell): « [x](javascript:…) » there would become a link. A reference is shown as
    its character in an HTML block and in Markdown alike."""
    return "".join(f"&#{ord(c)};" if c in _MARKDOWN_SPECIAL else html.escape(c)
                   for c in _BREAK.sub(" ", text))


def css_string(text: str) -> str:
    """`text` as a quoted CSS string (a page's running header or footer): backslashes and
    quotes escaped, line breaks made spaces (a CSS string cannot hold one)."""
    return '"' + _BREAK.sub(" ", text).replace("\\", "\\\\").replace('"', '\\"') + '"'
