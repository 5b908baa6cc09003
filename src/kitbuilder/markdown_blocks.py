"""Turn the subset of Markdown the kit allows into model blocks, with source lines."""

from __future__ import annotations

from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

from kitbuilder.model import Aside, Block, Heading, Inline, ListBlock, Paragraph, Span, TableBlock

_MD = MarkdownIt("commonmark").enable("table")

SUPPORTED = ("titres, paragraphes, listes, gras, italique, liens, tableaux simples et "
             "encadrés (« > **Titre** »)")


@dataclass(frozen=True)
class Located:
    """A block with the 1-based line where it starts in its file."""

    block: Block
    line: int
    source_level: int = 0  # for headings: the number of `#` written in the source


class MarkdownProblem(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def parse(text: str) -> list[Located]:
    """Parse Markdown into located blocks; raise MarkdownProblem on unsupported syntax."""
    return _parse_tokens(_MD.parse(text))


def _parse_tokens(tokens: list[Token]) -> list[Located]:
    out: list[Located] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        line = (tok.map[0] + 1) if tok.map else 0
        if tok.type == "heading_open":
            level = int(tok.tag[1])
            text_ = _plain(tokens[i + 1])
            out.append(Located(Heading(max(level - 1, 1), text_), line, level))
            i += 3
        elif tok.type == "paragraph_open":
            out.append(Located(_paragraph(_inline(tokens[i + 1], line)), line))
            i += 3
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            i, items = _list(tokens, i, line)
            out.append(Located(items, line))
        elif tok.type == "table_open":
            i, table = _table(tokens, i, line)
            out.append(Located(table, line))
        elif tok.type == "blockquote_open":
            i, aside = _aside(tokens, i, line)
            out.append(Located(aside, line))
        else:
            raise MarkdownProblem(line, f"élément Markdown non pris en charge ({_name(tok)}) ; "
                                        f"sont permis : {SUPPORTED}")
    return out


def _name(tok: Token) -> str:
    return {"html_block": "HTML", "fence": "bloc de code", "code_block": "bloc de code indenté",
            "blockquote_open": "citation « > »", "hr": "ligne horizontale"}.get(tok.type, tok.type)


def _paragraph(spans: Inline) -> Paragraph:
    """Recognise a dialogue line `**Name** : text` and keep its speaker apart."""
    if len(spans) >= 2 and spans[0].strong and spans[1].text.lstrip().startswith(":"):
        rest = Span(spans[1].text.lstrip()[1:].lstrip(), spans[1].strong, spans[1].em,
                    spans[1].code, spans[1].href)
        body = tuple(s for s in (rest, *spans[2:]) if s.text)
        if body:
            return Paragraph(body, speaker=spans[0].text.strip())
    return Paragraph(spans)


def _aside(tokens: list[Token], i: int, line: int) -> tuple[int, Aside]:
    """A framed box: `> **Title**` on its first line, then paragraphs, lists or a table."""
    depth, end = 0, i
    for end in range(i, len(tokens)):
        depth += {"blockquote_open": 1, "blockquote_close": -1}.get(tokens[end].type, 0)
        if not depth:
            break
    inner = _parse_tokens(tokens[i + 1:end])
    first = inner[0].block if inner else None
    if not (isinstance(first, Paragraph) and not first.speaker and len(first.spans) == 1
            and first.spans[0].strong):
        raise MarkdownProblem(line, "un encadré (« > ») commence par son titre en gras, seul sur "
                                    "sa ligne : « > **Titre** »")
    for located in inner[1:]:
        if isinstance(located.block, (Heading, Aside)):
            raise MarkdownProblem(located.line, "un encadré (« > ») ne contient ni titre « # » "
                                                "ni autre encadré")
    return end + 1, Aside(first.spans[0].text, tuple(b.block for b in inner[1:]))


def _list(tokens: list[Token], i: int, line: int) -> tuple[int, ListBlock]:
    ordered = tokens[i].type == "ordered_list_open"
    close = "ordered_list_close" if ordered else "bullet_list_close"
    items: list[Inline] = []
    i += 1
    while tokens[i].type != close:
        tok = tokens[i]
        if tok.type == "inline":
            items.append(_inline(tok, line))
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            raise MarkdownProblem((tok.map[0] + 1) if tok.map else line,
                                  "les listes imbriquées ne sont pas prises en charge")
        elif tok.type not in ("list_item_open", "list_item_close", "paragraph_open",
                              "paragraph_close"):
            raise MarkdownProblem(line, f"élément non pris en charge dans une liste ({_name(tok)})")
        i += 1
    return i + 1, ListBlock(tuple(items), ordered)


def _table(tokens: list[Token], i: int, line: int) -> tuple[int, TableBlock]:
    rows: list[tuple[Inline, ...]] = []
    cells: list[Inline] = []
    while tokens[i].type != "table_close":
        tok = tokens[i]
        if tok.type == "inline":
            cells.append(_inline(tok, line))
        elif tok.type == "tr_close":
            rows.append(tuple(cells))
            cells = []
        i += 1
    return i + 1, TableBlock(rows[0], tuple(rows[1:]))


def _plain(tok: Token) -> str:
    return "".join(c.content for c in tok.children or () if c.type in ("text", "code_inline"))


def _inline(tok: Token, line: int) -> Inline:
    spans: list[Span] = []
    strong = em = False
    href: str | None = None
    for child in tok.children or ():
        kind = child.type
        if kind == "text":
            spans.append(Span(child.content, strong, em, False, href))
        elif kind == "code_inline":
            spans.append(Span(child.content, strong, em, True, href))
        elif kind in ("softbreak", "hardbreak"):
            spans.append(Span(" ", strong, em, False, href))
        elif kind in ("strong_open", "strong_close"):
            strong = kind == "strong_open"
        elif kind in ("em_open", "em_close"):
            em = kind == "em_open"
        elif kind == "link_open":
            href = str(child.attrs.get("href", ""))
        elif kind == "link_close":
            href = None
        else:
            what = {"html_inline": "HTML", "image": "image"}.get(kind, kind)
            raise MarkdownProblem(line, f"élément non pris en charge dans le texte ({what})")
    return _merge(spans)


def _merge(spans: list[Span]) -> Inline:
    """Join neighbouring spans that share their formatting."""
    out: list[Span] = []
    for span in spans:
        if not span.text:
            continue
        if out and (out[-1].strong, out[-1].em, out[-1].code, out[-1].href) == (
                span.strong, span.em, span.code, span.href):
            last = out.pop()
            span = Span(last.text + span.text, span.strong, span.em, span.code, span.href)
        out.append(span)
    return tuple(out)
