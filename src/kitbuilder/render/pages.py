"""Web pages: Markdown for MkDocs, one per kit document, linking to its PDF and Word files.

The sheets' pages are sheet_page's; the blocks of every page are written by page_blocks.
"""

from __future__ import annotations

from kitbuilder import layout
from kitbuilder.model import SCENE_QUESTIONS, STEP_COLUMNS, Document, Kit, ListBlock, StoryPart
from kitbuilder.render import downloads, form, offers
from kitbuilder.render.escape import esc, html_text
from kitbuilder.render.offers import Facts
from kitbuilder.render.page_blocks import blocks, print_mark
from kitbuilder.render.sheet_page import phase_chip, phases_css, sheet
from kitbuilder.typography import NBSP, typeset

TOOLBOX = "Les outils de l’animateur"  # the documents' group, on the kit's page and in the nav
PHASES_CSS = layout.PHASES_CSS


def pages(kit: Kit, facts: Facts | None = None) -> dict[str, str]:
    """Every kit page, keyed by its path under the kit's folder in the site."""
    out = {
        "index.md": index(kit, facts=facts),
        "guide.md": guide(kit, facts),
        "tableau.md": summary_table(kit, facts),
    }
    out.update({layout.sheet_page(s): sheet(kit, s, facts) for s in kit.sheets})
    out.update({layout.document_page(d): document(kit, d, facts) for d in kit.documents})
    out.update({layout.part_page(p): part(kit, p, facts=facts) for p in kit.story.parts})
    out[PHASES_CSS] = phases_css(kit)
    return out


def index(kit: Kit, offer: form.FormSettings | None = None, facts: Facts | None = None
          ) -> str:
    """The kit's home page: what it holds, and how to get its files.

    By default the files come after a short form handled by our request server (see
    kitbuilder.server); with `offer.external_url` (static-only sites) they are linked openly
    and the page points to that external form instead.
    """
    offer = offer or form.FormSettings()
    openly = offer.external_url is not None
    groups = contents(kit)
    lines = [f"# {esc(kit.title)}", "", f"*{esc(kit.subtitle)}*" if kit.subtitle else "", ""]
    if openly:
        lines += [f"**[Télécharger tout le kit (zip)]({layout.FILES}/{kit.bundle})**", "",
                  typeset("Vous utilisez le kit ? Dites-nous qui vous êtes en répondant à "
                          f"[cinq questions]({offer.external_url}) : cela nous aide à "
                          "l'améliorer."), ""]
    else:
        lines += [f"**[Télécharger le kit](#{form.ANCHOR})** — "
                  + typeset("les documents Word à imprimer et le kit complet (zip), après "
                            "un court formulaire."), ""]
    # The download comes first, on a phone too; then the text for a director (kit.yml).
    lines += blocks(kit.intro)
    lines += ["## Ce que contient le kit", ""]
    for heading, entries in groups:
        if heading:
            lines += [f"### {esc(heading)}", ""]
        for title, page, name in entries:
            files = offers.offer("", name, facts, linked=openly)
            lines.append(f"- [{esc(title)}]({page}) — {files}" if page
                         else f"- {esc(title)} — {files}")
        lines.append("")
    complete = offers.describe(layout.KIT_PDF, facts)
    lines += [typeset(f"Tout le kit en un seul document à imprimer, avec sa couverture, son "
                      f"sommaire et son glossaire : **[{complete}]({layout.FILES}/"
                      f"{layout.KIT_PDF})**.")
              if openly else
              typeset(f"Tout le kit en un seul document à imprimer, avec sa couverture, son "
                      f"sommaire et son glossaire : « Le kit complet » ({complete})."), ""]
    if not openly:
        lines += ["## Télécharger le kit", "",
                  downloads.region(form.form(form.FormState(), offer.privacy_url), offer.privacy_url,
                              kit.bundle, _downloads(kit, groups)), ""]
    return "\n".join(lines) + print_mark()


def contents(kit: Kit) -> list[tuple[str, list[tuple[str, str | None, str]]]]:
    """The kit's documents in groups: (heading, [(title, page or None, Word file)])."""
    tools: list[tuple[str, str | None, str]] = [
        (d.title, layout.document_page(d), layout.document_docx(d)) for d in kit.documents]
    story = kit.story
    return [
        ("", [(kit.guide.title, "guide.md", layout.GUIDE_DOCX),
              (kit.table.title, "tableau.md", layout.TABLE_DOCX)]),
        ("Les fiches d’animation", [(s.title, layout.sheet_page(s), layout.sheet_docx(s))
                                    for s in kit.sheets]),
        *([(TOOLBOX, tools)] if tools else []),
        (f"Le récit «{NBSP}{story.title}{NBSP}»",
         [(p.title, layout.part_page(p), layout.part_docx(p)) for p in story.parts]
         + [("Le récit complet", None, layout.STORY_DOCX)]),
    ]


def _downloads(kit: Kit, groups: list[tuple[str, list[tuple[str, str | None, str]]]]
               ) -> list[downloads.FileGroup]:
    """What the download page may list, by group: « Le kit complet » first, each document's
    PDF then its Word file, and each story part's recording and transcript (the server
    leaves out those a build did not make)."""
    audio = {layout.part_docx(p): ((layout.part_mp3(p), f"{p.title}, lu à voix haute"),
                                   (layout.part_vtt(p), f"{p.title}, transcription minutée"))
             for p in kit.story.parts}
    out: list[downloads.FileGroup] = []
    for heading, entries in groups:
        files = [] if out else [(layout.KIT_PDF, "Le kit complet, à imprimer (PDF)")]
        for title, _, docx in entries:
            files += [(layout.pdf(docx), f"{title}, à imprimer"), (docx, f"{title}, à modifier"),
                      *audio.get(docx, ())]
        out.append((heading, tuple(downloads.KitFile(name, typeset(title))
                                   for name, title in files)))
    return out


def guide(kit: Kit, facts: Facts | None = None) -> str:
    head = [f"# {esc(kit.guide.title)}", "", offers.offer("", layout.GUIDE_DOCX, facts),
            "{ .kit-download }", ""]
    return "\n".join(head + blocks(kit.guide.blocks)) + print_mark()


def document(kit: Kit, item: Document, facts: Facts | None = None) -> str:
    """A toolbox document, like the guide, one folder down."""
    head = [f"# {esc(item.title)}", "", offers.offer("../", layout.document_docx(item), facts),
            "{ .kit-download }", ""]
    return "\n".join(head + blocks(item.blocks))


def summary_table(kit: Kit, facts: Facts | None = None) -> str:
    table = kit.table
    lines = [f"# {esc(table.title)}", "",
             offers.offer("", layout.TABLE_DOCX, facts) + " (A4 paysage)",
             "{ .kit-download }", ""]
    if table.intro:
        lines += [esc(table.intro), ""]
    lines.append("| Étape | " + " | ".join(label for _, label in STEP_COLUMNS) + " |")
    lines.append("|" + " --- |" * (len(STEP_COLUMNS) + 1))
    for number, step in enumerate(table.steps, 1):
        chip = phase_chip(kit, step.phase)
        cells = [f"**{number}. {esc(step.title)}**" + (f"<br>{chip}" if chip else ""),
                 *(esc(getattr(step, name)) for name, _ in STEP_COLUMNS)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n" + print_mark("kit-landscape")


def part(kit: Kit, item: StoryPart, chapters: tuple[float, ...] | None = None,
         voicing: tuple[str, ...] = (), credit: str = "", facts: Facts | None = None,
         duration: float | None = None) -> str:
    """A story part, each scene with an anchor. With `chapters` (when each scene starts in the
    part's MP3, in seconds): a player, and the scenes as chapters that seek it, each saying how
    it was voiced (`voicing`, opening first), and the narration's `credit`."""
    up = "../"
    lines = [f"# {esc(item.title)}", "",
             f"*{esc(kit.story.title)}, partie {item.number} sur {len(kit.story.parts)}.*", "",
             f"Cette partie — {offers.offer(up, layout.part_docx(item), facts)}",
             "{ .kit-download }", "",
             f"Le récit complet — {offers.offer(up, layout.STORY_DOCX, facts)}",
             "{ .kit-download }", ""]
    if chapters is not None:
        lines += _player(item, chapters, f"{up}{layout.FILES}/", voicing[1:])
        lines += [f"*{esc(credit)}*", ""] if credit else []
        if duration is not None:
            minutes, seconds = divmod(round(duration), 60)
            lines += [f"Durée de l’écoute{NBSP}: {minutes}{NBSP}min{NBSP}{seconds:02d}{NBSP}s.",
                      ""]
    lines += blocks(item.intro)
    for number, scene in enumerate(item.scenes, 1):
        lines += [f'<div class="kit-scene" id="{layout.scene_anchor(number)}"></div>', "",
                  f"## {esc(scene.title)}", ""] + blocks(scene.blocks)
        if scene.questions:
            # A bold line, not a heading: five « Pour en parler » would crowd the contents.
            lines += [f"**{SCENE_QUESTIONS}**", "{ .kit-scene-questions }", ""]
            lines += blocks((ListBlock(scene.questions),))
    lines += ["## Questions pour le groupe", ""]
    lines += blocks((ListBlock(item.questions, ordered=True),))
    return "\n".join(lines) + print_mark()


def _player(item: StoryPart, chapters: tuple[float, ...], files: str,
            voicing: tuple[str, ...] = ()) -> list[str]:
    """The native player (the MkDocs plugin resolves its `src` like a link), the file and its
    transcript, and the chapters: kit-audio.js makes them seek the player and highlights the
    scene being heard; without it they lead to the scene's text."""
    mp3 = files + layout.part_mp3(item)
    entries = "".join(
        f'<li><a href="#{layout.scene_anchor(n)}" data-kit-start="{start:.3f}">'
        f'{html_text(scene.title)}</a> <span class="kit-time">{_clock(start)}</span>'
        + (f' <span class="kit-voiced">· {html_text(voicing[n - 1])}</span>'
           if n <= len(voicing) else "") + "</li>"
        for n, (scene, start) in enumerate(zip(item.scenes, chapters), 1))
    return [(f'<div class="kit-player"><audio class="kit-audio" controls preload="metadata" '
            f'src="{mp3}"></audio></div>'), "",
            (f"[Télécharger l’enregistrement (MP3)]({mp3}) · "
            f"[Sa transcription minutée (WebVTT)]({files}{layout.part_vtt(item)})"),
            "{ .kit-download }", "",
            ('<nav class="kit-chapters" aria-label="Chapitres de l’enregistrement">'
            f'<p class="kit-chapters-title">Chapitres</p><ol>{entries}</ol></nav>'), ""]


def _clock(seconds: float) -> str:
    """« 1:05 », « 1:02:05 »: where a chapter starts, as players show it."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
