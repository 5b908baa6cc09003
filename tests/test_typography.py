"""French typography: the rules, and a read of every built page and Word document."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest

from kitbuilder.typography import breaches, typeset


@pytest.mark.parametrize("typed, expected", [
    ("Bonjour : ça va ?", "Bonjour\u00a0: ça va\u202f?"),
    ("l'atelier à 7h30, 24h en Ehpad", "l’atelier à 7\u00a0h\u00a030, 24\u00a0h en Ehpad"),
    ("« Oui », dit-elle !", "«\u00a0Oui\u00a0», dit-elle\u202f!"),
    ("https://example.org/a?b=c à 10:30", "https://example.org/a?b=c à 10:30"),
    ("Quoi ?!", "Quoi\u202f?!"),
    ("écrire à contact@example.org : merci", "écrire à contact@example.org\u00a0: merci"),
])
def test_typeset(typed: str, expected: str) -> None:
    assert typeset(typed) == expected
    assert breaches(expected) == []
    assert typeset(expected) == expected  # applying it twice changes nothing


@pytest.mark.parametrize("text", ["Bonjour : oui", "Quoi?", "« Oui »", "l'atelier", "7h30",
                                  "à 7 h 30"])
def test_breaches_are_found(text: str) -> None:
    assert breaches(text)


class _Text(HTMLParser):
    """The text a reader sees in a page's article, with its line in the HTML file."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # inside <article>
        self.skip = 0  # inside code, pre, script, style
        self.pieces: list[tuple[int, str]] = []

    def handle_starttag(self, tag, attrs):
        self.depth += tag == "article"
        self.skip += tag in ("code", "pre", "script", "style")

    def handle_endtag(self, tag):
        self.depth -= tag == "article" and self.depth > 0
        self.skip -= tag in ("code", "pre", "script", "style") and self.skip > 0

    def handle_data(self, data):
        if self.depth and not self.skip and data.strip():
            self.pieces.append((self.getpos()[0], data))


def _page_breaches(page: Path) -> list[str]:
    parser = _Text()
    parser.feed(page.read_text(encoding="utf-8"))
    text_runs = parser.pieces
    return [f"{page}:{line}: {what} dans « {data.strip()[:60]} »"
            for line, data in text_runs for _, what in breaches(data)]


def test_every_built_page_has_french_typography(built_site: Path) -> None:
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) > 15
    problems = [p for page in pages if page.name != "404.html" for p in _page_breaches(page)]
    assert problems == [], "\n".join(problems[:30])


def test_every_word_document_has_french_typography(built_site: Path) -> None:
    documents = sorted((built_site / "kit" / "fichiers").glob("*.docx"))
    assert len(documents) >= 12
    problems = []
    for path in documents:
        document = docx.Document(str(path))
        cells = [p for t in document.tables for row in t.rows for c in row.cells
                 for p in c.paragraphs]
        for number, paragraph in enumerate([*document.paragraphs, *cells], 1):
            problems += [f"{path.name}: paragraphe {number}: {what} dans "
                         f"« {paragraph.text[:60]} »" for _, what in breaches(paragraph.text)]
    assert problems == [], "\n".join(problems[:30])


def test_every_transcript_has_french_typography(built_site: Path) -> None:
    transcripts = sorted((built_site / "kit" / "fichiers").glob("*.vtt"))
    assert len(transcripts) == 3
    problems = []
    for path in transcripts:
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            if "-->" in line or line.startswith("WEBVTT"):
                continue  # cue timings and the header are not prose
            problems += [f"{path.name}:{number}: {what} dans « {line[:60]} »"
                         for _, what in breaches(line)]
    assert problems == [], "\n".join(problems[:30])


class _Chrome(HTMLParser):
    """The text a page shows outside its article: the navigation and the table of contents
    (Material's `md-nav`), the <title>, and the head's description and Open Graph texts."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[bool] = []  # for each open element: inside a nav?
        self.in_title = False
        self.pieces: list[tuple[str, str]] = []  # (where, text)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "meta" and (values.get("name") == "description"
                              or (values.get("property") or "").startswith("og:")):
            if values.get("property") not in ("og:url", "og:image", "og:type", "og:locale"):
                self.pieces.append((f"meta {values.get('name') or values.get('property')}",
                                    values.get("content") or ""))
            return
        if tag in ("meta", "link", "input", "img", "br", "hr", "source", "track"):
            return
        inside = bool(self.open and self.open[-1])
        self.open.append(inside or "md-nav" in (values.get("class") or "").split())
        self.in_title = tag == "title"

    def handle_endtag(self, tag):
        if self.open:
            self.open.pop()
        self.in_title = False

    def handle_data(self, data):
        if self.in_title:
            self.pieces.append(("title", data))
        elif self.open and self.open[-1] and data.strip():
            self.pieces.append(("nav", data))


def _chrome_breaches(page: Path) -> list[str]:
    parser = _Chrome()
    parser.feed(page.read_text(encoding="utf-8"))
    return [f"{page}: {where}: {what} dans « {text.strip()[:60]} »"
            for where, text in parser.pieces for _, what in breaches(text)]


def test_nav_toc_titles_and_meta_have_french_typography(built_site: Path) -> None:
    pages = sorted(built_site.rglob("*.html"))
    parser = _Chrome()
    parser.feed((built_site / "index.html").read_text(encoding="utf-8"))
    kinds = {where.split(" ")[0] for where, _ in parser.pieces}
    assert {"nav", "title", "meta"} <= kinds  # the checker reads what it claims to
    # « Pour qui ? » is a heading of the home page: its TOC entry keeps the narrow space.
    assert ("nav", "Pour qui\u202f?") in [(w, t.strip()) for w, t in parser.pieces]
    problems = [p for page in pages for p in _chrome_breaches(page)]
    assert problems == [], f"{len(problems)} breaches:\n" + "\n".join(problems[:30])


# A list item that opens on a bold word and its colon, as the pages and the tools write them.
BOLD_LEAD = """\
# Mode d'emploi

- **Durée** : deux heures ; pas plus.
- **Lieu**: une salle calme !
"""
BOLD_LEAD_TYPESET = ("Durée\u00a0: deux heures\u202f; pas plus.", "Lieu\u00a0: une salle calme\u202f!")


def test_a_bold_lead_and_its_colon_get_their_space_in_a_page_the_word_file_and_the_pdf(
        tmp_path: Path) -> None:
    """The colon is in the run after the bold one: typesetting reads it after the bold word,
    so the space before it is a no-break space everywhere the kit says it."""
    from pypdf import PdfReader

    from fixture_kit import FILES, MANIFEST, write_kit
    from kitbuilder.build import _jobs, _pdf_jobs
    from kitbuilder.render import pages
    from kitbuilder.sources import load_kit

    kit = load_kit(write_kit(tmp_path, {**FILES, "kit.yml": MANIFEST + "documents:\n"
                                        "  - outils/mode.md\n", "outils/mode.md": BOLD_LEAD}))
    page = pages.pages(kit)["outils/mode.md"]
    assert "- **Durée**\u00a0: deux heures\u202f; pas plus.\n" in page
    assert "- **Lieu**\u00a0: une salle calme\u202f!\n" in page
    jobs = {job.name: job for job in (*_jobs(kit), *_pdf_jobs(kit))}
    word, printed = tmp_path / "mode.docx", tmp_path / "mode.pdf"
    jobs["outil-mode.docx"].render(*jobs["outil-mode.docx"].args, word)
    jobs["outil-mode.pdf"].render(*jobs["outil-mode.pdf"].args, printed)
    said = [p.text for p in docx.Document(str(word)).paragraphs]
    text = " ".join(page.extract_text() for page in PdfReader(str(printed)).pages)
    for item in BOLD_LEAD_TYPESET:
        assert item in said, said
        assert breaches(item) == []
        # The PDF's text keeps the colon's no-break space; the narrow one before « ; ! » reads
        # back as a space, the house font having no glyph of its own for it (see notes).
        assert item.split("\u00a0: ")[0] + "\u00a0: " in text, text


def test_a_bold_lead_and_its_colon_get_their_space_on_the_site() -> None:
    """The association's pages (« - **Durée** : … » in docs/) through the Markdown extension."""
    import markdown

    html = markdown.markdown(BOLD_LEAD, extensions=["kitbuilder.markdown_typography"])
    assert "<strong>Durée</strong>\u00a0: deux heures\u202f; pas plus." in html
    assert "<strong>Lieu</strong>\u00a0: une salle calme\u202f!" in html


def test_the_site_pages_bold_leads_are_typeset(built_site: Path) -> None:
    """The interviews page's practical list, as built (its data comes from association.yml)."""
    page = (built_site / "entretiens" / "index.html").read_text(encoding="utf-8")
    for lead in ("Durée", "Lieu", "Par téléphone ou en visio", "Avec qui"):
        assert f"<strong>{lead}</strong>\u00a0: " in page, lead
