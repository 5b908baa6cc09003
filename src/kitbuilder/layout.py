"""Where each kit output lives, relative to the kit's folder in the site and in the zip."""

from __future__ import annotations

from kitbuilder.model import Sheet, StoryPart

FILES = "fichiers"  # downloadable files, beside the kit's pages
GUIDE_DOCX = "guide-de-demarrage.docx"
TABLE_DOCX = "tableau-de-synthese.docx"
STORY_DOCX = "recit-complet.docx"
README = "LISEZMOI.txt"
CHECKSUMS = "SHA256SUMS.txt"


def sheet_docx(sheet: Sheet) -> str:
    return f"fiche-{sheet.slug}.docx"


def part_docx(part: StoryPart) -> str:
    return f"recit-{part.number}-{part.slug}.docx"


def sheet_page(sheet: Sheet) -> str:
    return f"fiches/{sheet.slug}.md"


def part_page(part: StoryPart) -> str:
    return f"recit/{part.slug}.md"
