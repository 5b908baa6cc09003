"""The PDF edition: each document, and « Le kit complet », printed by WeasyPrint.

Tagged PDF/UA-1 (structure tree, /Lang fr, title), every font embedded (Atkinson
Hyperlegible, shipped in resources/fonts), bookmarks from the headings, running headers and
« page n sur N » footers, a contents page with the page of each section. The look is
resources/pdf.css; the markup, render.pdf_html and render.pdf_book; the long PDFs are laid
out a few documents at a time and joined by render.pdf_join.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Mapping
from html import escape
from importlib.resources import files as resources
from pathlib import Path

import pikepdf
import weasyprint
from weasyprint.text.fonts import FontConfiguration

from kitbuilder.cache import digest, file_digest
from kitbuilder.model import Document, Guide, Imprint, Kit, Phase, Sheet, StoryPart, SummaryTable
from kitbuilder.render import docx_fit as fit
from kitbuilder.render import pdf_book, pdf_html, pdf_join
from kitbuilder.render.escape import css_string
from kitbuilder.render.pdf_html import SheetLayout

VERSION = "5"  # change it when the PDFs change for the same sources
RESOURCES = Path(str(resources("kitbuilder") / "resources"))
STYLESHEET = RESOURCES / "pdf.css"
LOGO = RESOURCES / "logo.svg"
FONTS = RESOURCES / "fonts"
_PT = 0.75  # points per CSS pixel, WeasyPrint's unit
_SAFETY = 1.5 * fit.MM  # left at the foot of a sheet's page, for rounding
# WeasyPrint says which CSS it skips; the build log is no place for it.
logging.getLogger("weasyprint").setLevel(logging.ERROR)


def salt() -> str:
    """What every PDF depends on besides its sources: stylesheet, logo, fonts, WeasyPrint."""
    files = [STYLESHEET, LOGO, *sorted(FONTS.glob("*.woff2"))]
    return digest(weasyprint.__version__, *(file_digest(f) for f in files))


def _document(imprint: Imprint, title: str, body: str, kind: str, footer: str = ""
              ) -> tuple[str, str]:
    """A whole HTML document for WeasyPrint (French, titled, the association as author), and
    the running texts of its page margins as CSS."""
    foot = footer or f"{imprint.title} · {imprint.publisher}"
    html = (f'<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title>"
            f'<meta name="author" content="{escape(imprint.publisher)}">'
            f'<meta name="description" content="{escape(imprint.title)}">'
            f'</head><body class="{kind}">\n{body}\n</body></html>')
    margins = (f"@page {{ @top-left {{ content: {css_string(imprint.title)}; }}"
               f" @bottom-left {{ content: {css_string(foot)}; }} }}")
    return html, margins


_PARSED = threading.local()


def _house_style() -> tuple[FontConfiguration, weasyprint.CSS]:
    """The stylesheet, parsed once per thread with its fonts, shared by the PDFs that thread
    makes (the @font-face rules need the same font configuration as the documents; a font
    configuration is not made to be shared between threads: `mkdocs serve` builds in two)."""
    if not hasattr(_PARSED, "style"):
        fonts = FontConfiguration()
        _PARSED.style = fonts, weasyprint.CSS(filename=str(STYLESHEET), font_config=fonts)
    style: tuple[FontConfiguration, weasyprint.CSS] = _PARSED.style
    return style


def _render(document: tuple[str, str]) -> weasyprint.document.Document:
    html, margins = document
    fonts, house = _house_style()
    styles = [house, weasyprint.CSS(string=margins, font_config=fonts)]
    return weasyprint.HTML(string=html, base_url=str(RESOURCES) + "/").render(
        stylesheets=styles, font_config=fonts, pdf_variant=pdf_join.VARIANT)


def _write(document: tuple[str, str], out: Path) -> None:
    _render(document).write_pdf(out, pdf_variant=pdf_join.VARIANT)


def _renderer(imprint: Imprint, title: str, kind: str) -> pdf_join.Render:
    """How pdf_join lays out a chunk of a long PDF: its body, with CSS for its margins."""
    def render(body: str, margins: str) -> weasyprint.document.Document:
        html, running = _document(imprint, title, body, kind)
        return _render((html, running + margins))
    return render


@functools.lru_cache(maxsize=128)  # a sheet's own PDF and « Le kit complet » lay it out alike
def sheet_layout(imprint: Imprint, item: Sheet, phases: tuple[Phase, ...]) -> SheetLayout:
    """Where a sheet's pages turn and how tall its blanks are: the sheet laid out once with
    every line, row and box at its least height, each field whole, and read back page by page;
    then each page's free space shared out among the fields on it, as the Word files share
    theirs (docx_fit.share: every blank grows by the same factor, lines up to 12 mm)."""
    spaces = [fit.least(f) for f in item.fields]
    growing = {i: space for i, space in enumerate(spaces) if space}
    least = SheetLayout((), tuple(space.least if space else 0.0 for space in spaces))
    laid_out = _render(_document(imprint, item.title,
                                 pdf_html.sheet(item, 1, 1, phases, 1, least), "single"))
    prefix = f"fiche-{item.slug}-"
    page_of: dict[int, int] = {}
    lowest: dict[int, float] = {}  # the foot of each page's last field, in points
    floors: list[float] = []  # the foot of each page's writing area
    for number, page in enumerate(laid_out.pages):
        frame = page._page_box
        floors.append(_PT * (frame.content_box_y() + frame.height))
        for box in frame.descendants():
            ident = box.element.get("id", "") if box.element is not None else ""
            if ident.startswith(prefix) and box.element_tag == "div":
                page_of.setdefault(int(ident.removeprefix(prefix)), number)
                foot = _PT * (box.border_box_y() + box.border_height())
                lowest[number] = max(lowest.get(number, 0.0), foot)
    breaks = tuple(i for i in range(1, len(item.fields))
                   if page_of.get(i, 0) > page_of.get(i - 1, 0))
    sizes = list(least.sizes)
    for number, floor in enumerate(floors):
        here = [i for i in growing if page_of.get(i) == number]
        free = floor - lowest.get(number, floor) - _SAFETY
        room = free + sum(growing[i].count * growing[i].least for i in here)
        for i, size in zip(here, fit.share([growing[i] for i in here], room), strict=True):
            sizes[i] = size
    return SheetLayout(breaks, tuple(sizes))


# --- One job per output (build._jobs) -------------------------------------------------------


def guide(imprint: Imprint, data: Guide | Document, out: Path) -> None:
    """The guide, or a toolbox document."""
    _write(_document(imprint, data.title, pdf_html.guide(data, 1), "single"), out)


def summary_table(imprint: Imprint, data: SummaryTable, phases: tuple[Phase, ...],
                  out: Path) -> None:
    """A4 landscape, large type: to pin on a wall."""
    _write(_document(imprint, data.title, pdf_html.table(data, phases, 1), "single landscape"),
           out)


def sheet(imprint: Imprint, item: Sheet, number: int, total: int, phases: tuple[Phase, ...],
          out: Path) -> None:
    """One sheet, on the A4 pages its source gives (one unless it says `pages`)."""
    footer = f"Fiche {number} sur {total} · {imprint.title} · {imprint.publisher}"
    _write(_document(imprint, f"Fiche : {item.title}",
                     pdf_html.sheet(item, number, total, phases, 1,
                                    sheet_layout(imprint, item, phases)),
                     "single sheet-only", footer), out)


def story(imprint: Imprint, title: str, parts: tuple[StoryPart, ...], total: int,
          out: Path) -> None:
    """A story part, or the complete story (its title runs straight into part 1), laid out a
    few parts at a time (pdf_join)."""
    name = f"{title} : {parts[0].title}" if len(parts) == 1 else f"{title} : le récit complet"
    pieces = _story(title, parts, total, title)
    pdf_join.write(lambda _: pieces, _renderer(imprint, name, "single"), out)


def _story(title: str, parts: tuple[StoryPart, ...], total: int, heading: str
           ) -> list[pdf_join.Piece]:
    """The story's parts as pieces: each after the first runs on under the story's heading."""
    first, *others = pdf_html.story(title, parts, total, 1, heading)
    return [pdf_join.Piece(first), *(pdf_join.Piece(html, carry=heading) for html in others)]


def complete(kit: Kit, out: Path) -> None:
    """« Le kit complet »: cover, in brief, contents, guide, table, sheets, story, last page,
    laid out a few documents at a time (pdf_join) with the contents page's numbers found
    on the way."""
    total, story = len(kit.sheets), kit.story
    heading = f"Le récit «\u00a0{story.title}\u00a0»"
    sheets = [pdf_join.Piece(pdf_html.sheet(s, n, total, kit.phases, 2,
                                            sheet_layout(kit.imprint, s, kit.phases)),
                             carry=pdf_book.SHEETS)
              for n, s in enumerate(kit.sheets, 1)]
    front = [pdf_join.Piece(pdf_book.cover(kit, LOGO.name)), pdf_join.Piece(pdf_book.brief(kit))]
    rest = [pdf_join.Piece(pdf_html.guide(kit.guide, 1)),
            pdf_join.Piece(pdf_html.table(kit.table, kit.phases, 1)),
            pdf_join.Piece(pdf_book.sheets_index(kit)),
            *sheets, *([pdf_join.Piece(pdf_book.toolbox(kit))] if kit.documents else []),
            *_story(story.title, story.parts, len(story.parts), heading),
            pdf_join.Piece(pdf_book.back(kit))]

    def pieces(numbers: Mapping[str, int]) -> list[pdf_join.Piece]:
        return [*front, pdf_join.Piece(pdf_book.contents(kit, numbers)), *rest]

    pdf_join.write(pieces, _renderer(kit.imprint, f"{kit.title} : le kit complet", "book"),
                   out, numbered=True)


def page_count(path: Path) -> int:
    """How many pages a built PDF has (the download links say it)."""
    with pikepdf.open(path) as printed:
        return len(printed.pages)
