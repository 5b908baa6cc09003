"""Front and back matter of the Word books (the guide, the complete story): a cover with the
association's logo, and the credits page at the end of the guide. The same edition data as the
PDF edition's (kit.yml and docs/_data/association.yml, read by sources_edition)."""

from __future__ import annotations

from importlib.resources import files

from docx.document import Document
from docx.enum.text import WD_BREAK
from docx.shared import Cm, Pt

from kitbuilder.model import Edition, Imprint
from kitbuilder.render.downloads import french_date
from kitbuilder.typography import NBSP

LOGO = files("kitbuilder") / "resources" / "logo.png"
CREDITS = "Crédits et contacts"


def cover(doc: Document, imprint: Imprint, title: str, edition: Edition) -> None:
    """The first page: logo, the kit's name, this document's title, for whom, who publishes
    it and when. No header or footer on it (Word's « first page different »)."""
    doc.sections[0].different_first_page_header_footer = True
    logo = doc.add_paragraph(style="Couverture")
    logo.paragraph_format.space_before = Cm(3)
    logo.paragraph_format.space_after = Cm(1.5)
    with LOGO.open("rb") as image:
        logo.add_run().add_picture(image, width=Cm(3.5))
    doc.add_paragraph(imprint.title, style="Title")
    heading = doc.add_paragraph(title, style="Subtitle")
    heading.runs[0].font.size = Pt(20)
    if edition.audience:
        doc.add_paragraph(edition.audience, style="Couverture").paragraph_format.space_before \
            = Cm(1)
    end = doc.add_paragraph(style="Couverture")
    end.paragraph_format.space_before = Cm(4)
    end.add_run(imprint.publisher).bold = True
    if edition.published:
        end.add_run().add_break()
        end.add_run(f"Édition du {french_date(edition.published)}")
    end.add_run().add_break(WD_BREAK.PAGE)


def credits_page(doc: Document, edition: Edition) -> None:
    """The guide's last page: who made the kit, how to reach the association, the edition's
    date and the licence."""
    heading = doc.add_heading(CREDITS, level=1)
    heading.paragraph_format.page_break_before = True
    if edition.credits:
        doc.add_heading("Crédits", level=2)
        for credit in edition.credits:
            doc.add_paragraph(credit)
    contacts = edition.contacts
    if contacts:
        doc.add_heading("Contacts", level=2)
        doc.add_paragraph().add_run(contacts.name).bold = True
        if contacts.motto:
            doc.add_paragraph(contacts.motto).runs[0].italic = True
        for label, value in (("Courriel", contacts.email), ("Téléphone", contacts.phone),
                             ("Horaires", contacts.hours), ("Adresse", contacts.address)):
            if value:
                line = doc.add_paragraph()
                line.add_run(f"{label}{NBSP}: ").bold = True
                line.add_run(value)
    if edition.published or edition.licence:
        doc.add_heading("Édition et licence", level=2)
    if edition.published:
        doc.add_paragraph(f"Édition du {french_date(edition.published)}.")
    if edition.licence:
        licence = doc.add_paragraph(f"Licence{NBSP}: {edition.licence.name}")
        if edition.licence.href:
            licence.add_run(f" ({edition.licence.href})")
