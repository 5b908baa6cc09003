"""How a page offers a document's files: the PDF to print first, then the Word file to edit,
each with its size and, when it is known (every PDF, a sheet's Word file), its page count."""

from __future__ import annotations

from kitbuilder import layout
from kitbuilder.render.downloads import file_size
from kitbuilder.typography import NBSP

# A built file's size in bytes and its number of pages when it is known; by file name.
Facts = dict[str, tuple[int, int | None]]


def describe(name: str, facts: Facts | None) -> str:
    """« PDF, 3 pages, 120 ko » / « Word, 1 page, 45 ko »: what a link leads to."""
    kind = "PDF" if name.endswith(".pdf") else "Word"
    size, count = (facts or {}).get(name, (None, None))
    parts = [kind]
    if count:
        parts.append(f"{count}{NBSP}page" + ("s" if count > 1 else ""))
    if size is not None:
        parts.append(file_size(size))
    return ", ".join(parts)


def offer(prefix: str, docx_name: str, facts: Facts | None, linked: bool = True) -> str:
    """« Imprimer : PDF (…) · Modifier : Word (…) », as Markdown; `prefix` leads to the kit's
    folder from the page (« ../ »); without `linked`, the same words with no links."""
    pdf_name = layout.pdf(docx_name)

    def one(verb: str, name: str) -> str:
        what = describe(name, facts)
        if linked:
            return f"**{verb}{NBSP}:** [{what}]({prefix}{layout.FILES}/{name})"
        return f"{verb}{NBSP}: {what}"

    return f"{one('Imprimer', pdf_name)} · {one('Modifier', docx_name)}"
