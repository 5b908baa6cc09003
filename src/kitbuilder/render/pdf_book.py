"""The front and back matter of « Le kit complet »: cover, « Le kit en bref », contents page,
the sheets' index, the last page (credits, contacts, edition, licence, glossary)."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from kitbuilder.model import Kit
from kitbuilder.render import pdf_html
from kitbuilder.render.pdf_join import ALIAS
from kitbuilder.typography import NBSP

TOOLBOX = "Les outils de l’animateur"
SHEETS = "Les fiches d’animation"

# The sections of the whole kit, as the contents page lists them: (anchor, title).
Section = tuple[str, str]


def sections(kit: Kit) -> list[tuple[Section, list[Section]]]:
    """The contents: each section with its sub-sections (sheets, story parts)."""
    return [
        (("bref", "Le kit en bref"), []),
        (("guide", kit.guide.title), []),
        (("tableau", kit.table.title), []),
        (("fiches", SHEETS),
         [(f"fiche-{s.slug}", s.title) for s in kit.sheets]),
        *([(("outils", TOOLBOX), [(f"outil-{d.slug}", d.title) for d in kit.documents])]
          if kit.documents else []),
        (("recit", f"Le récit «{NBSP}{kit.story.title}{NBSP}»"),
         [(f"recit-{p.slug}", p.title) for p in kit.story.parts]),
        (("credits", "Crédits, contacts et glossaire"), []),
    ]


def cover(kit: Kit, logo: str, document: str = "") -> str:
    """The first page: logo, title, subtitle, the association, the edition's date."""
    strip = "".join(f'<span style="background:{p.colour}">{escape(p.label)}</span>'
                    for p in kit.phases)
    what = f'<p class="cover-document">{escape(document)}</p>' if document else ""
    return (f'<section class="cover"><div class="cover-band"><img class="cover-logo" src="{logo}" '
            f'alt="Logo de {escape(kit.publisher)}"><p class="cover-publisher">'
            f"{escape(kit.publisher)}</p></div>"
            f'<div class="cover-body"><p class="cover-kicker">Kit d’animation gratuit</p>'
            f'<p class="cover-title">{escape(kit.title)}</p>'
            f'<p class="cover-subtitle">{escape(kit.subtitle)}</p>{what}'
            f'<p class="cover-holds">{escape(_holds(kit))}</p>'
            f'<p class="cover-phases">{strip}</p></div>'
            f'<div class="cover-foot"><p>Un kit de {escape(kit.publisher)}</p>'
            f"<p>{escape(pdf_html.edition_line(kit.edition))}</p></div></section>")


def _holds(kit: Kit) -> str:
    """What the kit holds, in one line for its cover."""
    parts = [kit.guide.title, "le tableau de synthèse",
             f"{len(kit.sheets)} fiches d’animation"]
    if kit.documents:
        parts.append(f"{len(kit.documents)} outils pour l’animateur")
    parts.append(f"le récit «{NBSP}{kit.story.title}{NBSP}» en {len(kit.story.parts)} parties")
    return ", ".join(parts[:-1]) + " et " + parts[-1] + "."


def brief(kit: Kit) -> str:
    """One page: for whom, the steps with their phase, time and tools, what the kit holds."""
    rows = "".join(
        f'<tr><th scope="row">{n}. {escape(s.title)}</th><td>{pdf_html.chip(kit.phases, s.phase)}</td>'
        f"<td>{escape(s.when)}</td><td>{escape(s.tools)}</td></tr>"
        for n, s in enumerate(kit.table.steps, 1))
    sheets = "".join(f"<li>{escape(s.title)} {pdf_html.chip(kit.phases, s.phase)}"
                     + (f" — {escape(s.info.when)}" if s.info else "") + "</li>"
                     for s in kit.sheets)
    audience = (f"<h2>Pour qui{NBSP}?</h2><p>{escape(kit.edition.audience)}</p>"
                if kit.edition.audience else "")
    return (f'<section id="bref" class="brief"><h1>Le kit en bref</h1>{audience}'
            '<h2>Les étapes, leur durée et leurs outils</h2><table><thead><tr>'
            '<th scope="col">Étape</th><th scope="col">Phase</th>'
            '<th scope="col">Quand et combien de temps</th><th scope="col">Outils</th></tr>'
            f"</thead><tbody>{rows}</tbody></table>"
            f"<h2>Les fiches, et quand s’en servir</h2><ul class=\"brief-sheets\">{sheets}</ul>"
            "</section>")


def contents(kit: Kit, numbers: Mapping[str, int]) -> str:
    """The contents page, with the page where each section starts (render.pdf_join finds
    them; « 000 » holds their place until it has). Each link goes to an anchor of the contents
    page named after its target (pdf_join.ALIAS), which the joined PDF sends to the target."""
    def entry(anchor: str, title: str, inner: str = "") -> str:
        alias = f"{ALIAS}{anchor}"
        return (f'<li id="{alias}"><a href="#{alias}" data-page="{numbers.get(anchor, "000")}">'
                f"{escape(title)}</a>{inner}</li>")

    items = [entry(anchor, title, f"<ol>{''.join(entry(*sub) for sub in subs)}</ol>"
                   if subs else "") for (anchor, title), subs in sections(kit)]
    return (f'<nav class="contents" aria-label="Sommaire"><h1>Sommaire</h1><ol>{"".join(items)}'
            "</ol></nav>")


def sheets_index(kit: Kit) -> str:
    """The page that opens the sheets: each one, its phase and when it is used."""
    items = "".join(
        f"<li>{pdf_html.chip(kit.phases, s.phase)} <strong>{escape(s.title)}</strong>"
        + (f"<br>{escape(s.info.when)} · {escape(s.info.duration)}" if s.info else "")
        + "</li>" for s in kit.sheets)
    return (f'<section id="fiches" class="sheets-index"><h1>{SHEETS}</h1>'
            "<p>Chaque fiche tient sur une page A4 à photocopier : elle se remplit à la main, "
            f"en séance. Les voici dans l’ordre de la démarche.</p><ol>{items}</ol></section>")


def back(kit: Kit) -> str:
    """The last page: credits, contacts, edition, licence, glossary."""
    edition = kit.edition
    out = ['<section id="credits" class="back"><h1>Crédits, contacts et glossaire</h1>']
    if edition.credits:
        out.append("<h2>Crédits</h2><ul>" + "".join(f"<li>{escape(c)}</li>"
                                                      for c in edition.credits) + "</ul>")
    contact = edition.contacts
    if contact:
        out.append(f"<h2>Contacts</h2><p><strong>{escape(contact.name)}</strong> — "
                   f"{escape(contact.motto)}<br>{escape(contact.address)}<br>"
                   f"Téléphone{NBSP}: {escape(contact.phone)} · Courriel{NBSP}: "
                   f"{escape(contact.email)}<br>{escape(contact.hours)}</p>")
    line = pdf_html.edition_line(kit.edition)
    if line or edition.licence:
        out.append("<h2>Édition et licence</h2>")
        if line:
            out.append(f"<p>{escape(line)}.</p>")
        if edition.licence:
            href = edition.licence.href
            link = f' — <a href="{escape(href)}">{escape(href)}</a>' if href else ""
            out.append(f"<p>Licence{NBSP}: {escape(edition.licence.name)}{link}</p>")
    if edition.glossary:
        out.append('<h2>Glossaire des sigles</h2><dl class="glossary">'
                   + "".join(f"<div><dt>{escape(a)}</dt><dd>{escape(m)}</dd></div>"
                             for a, m in edition.glossary) + "</dl>")
    out.append("</section>")
    return "\n".join(out)


def toolbox(kit: Kit) -> str:
    """The toolbox documents, after the sheets, each from a new page."""
    if not kit.documents:
        return ""
    return (f'<section id="outils" class="toolbox"><h1>{TOOLBOX}</h1>'
            + "".join(pdf_html.guide(d, 2, f"outil-{d.slug}") for d in kit.documents)
            + "</section>")
