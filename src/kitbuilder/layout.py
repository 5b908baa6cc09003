"""Where each kit output lives, relative to the kit's folder in the site and in the zip."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the plugin imports this on every build: not the model, for speed
    from kitbuilder.model import Document, Sheet, StoryPart

FILES = "fichiers"  # downloadable files, beside the kit's pages
GUIDE_DOCX = "guide-de-demarrage.docx"
TABLE_DOCX = "tableau-de-synthese.docx"
STORY_DOCX = "recit-complet.docx"
README = "LISEZMOI.txt"
CHECKSUMS = "SHA256SUMS.txt"
KIT_PDF = "kit-complet.pdf"  # « Le kit complet », the whole kit in one PDF
PHASES_CSS = "phases.css"  # the phases' colours (from kit.yml), beside the kit's pages


def sheet_docx(sheet: Sheet) -> str:
    return f"fiche-{sheet.slug}.docx"


def document_docx(document: Document) -> str:
    return f"outil-{document.slug}.docx"


def part_docx(part: StoryPart) -> str:
    return f"recit-{part.number}-{part.slug}.docx"


def part_mp3(part: StoryPart) -> str:
    return f"recit-{part.number}-{part.slug}.mp3"


def part_vtt(part: StoryPart) -> str:
    """The WebVTT transcript of the part's MP3."""
    return f"recit-{part.number}-{part.slug}.vtt"


def scene_anchor(number: int) -> str:
    """The id of a scene (from 1) on its part's page."""
    return f"scene-{number}"


def sheet_page(sheet: Sheet) -> str:
    return f"fiches/{sheet.slug}.md"


def document_page(document: Document) -> str:
    return f"outils/{document.slug}.md"


def part_page(part: StoryPart) -> str:
    return f"recit/{part.slug}.md"


def pdf(docx_name: str) -> str:
    """The PDF edition of a Word file: same name, « .pdf »."""
    return docx_name.removesuffix(".docx") + ".pdf"
