"""The kit's documents as HTML for the PDF edition (render.pdf prints them with WeasyPrint).

Written from the model, like the pages and the Word files; the look is resources/pdf.css.
`level` is the heading level a document's title takes: 1 in its own PDF, 2 inside « Le kit
complet », where the sections (guide, table, sheets, story) are the top level.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from html import escape

from kitbuilder.model import (
    SCENE_QUESTIONS,
    STEP_COLUMNS,
    Aside,
    Block,
    BoxField,
    ChecklistField,
    Document,
    Edition,
    Guide,
    Heading,
    Inline,
    LinesField,
    ListBlock,
    Paragraph,
    Phase,
    Sheet,
    SheetField,
    StoryPart,
    SummaryTable,
    TableBlock,
    TableField,
)
from kitbuilder.render.downloads import french_date
from kitbuilder.typography import NBSP

QUESTIONS = "Questions pour le groupe"
RULE = 0.8  # points: the writing lines' and boxes' strokes


def inline(spans: Inline) -> str:
    out = []
    for span in spans:
        text = escape(span.text)
        if span.code:
            text = f"<code>{text}</code>"
        if span.strong:
            text = f"<strong>{text}</strong>"
        if span.em:
            text = f"<em>{text}</em>"
        if span.href:
            text = f'<a href="{escape(span.href)}">{text}</a>'
        out.append(text)
    return "".join(out)


def blocks(items: tuple[Block, ...], level: int) -> str:
    """Rich text; a Heading of level 1 becomes <h{level}>."""
    out = []
    for block in items:
        if isinstance(block, Heading):
            tag = f"h{min(6, level + block.level - 1)}"
            out.append(f"<{tag}>{escape(block.text)}</{tag}>")
        elif isinstance(block, Paragraph):
            who = (f'<strong class="speaker">{escape(block.speaker)}</strong>{NBSP}: '
                   if block.speaker else "")
            out.append(f"<p>{who}{inline(block.spans)}</p>")
        elif isinstance(block, ListBlock):
            tag = "ol" if block.ordered else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{inline(i)}</li>" for i in block.items)
                       + f"</{tag}>")
        elif isinstance(block, TableBlock):
            head = "".join(f'<th scope="col">{inline(c)}</th>' for c in block.header)
            rows = "".join("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in row) + "</tr>"
                           for row in block.rows)
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif isinstance(block, Aside):  # a framed box of the guide or a document (issue 14)
            out.append(f'<aside class="box"><p class="box-title">{escape(block.title)}</p>'
                       + blocks(block.blocks, level) + "</aside>")
    return "\n".join(out)


Phases = tuple[Phase, ...]


def find(phases: Phases, key: str | None) -> Phase | None:
    return next((p for p in phases if p.id == key), None)


def chip(phases: Phases, key: str | None) -> str:
    """A phase's label on its colour."""
    phase = find(phases, key)
    return (f'<span class="chip" style="background:{phase.colour}">{escape(phase.label)}</span>'
            if phase else "")


# --- The documents ----------------------------------------------------------------------


def guide(data: Guide | Document, level: int, anchor: str = "guide") -> str:
    """The guide, or a toolbox document written like it."""
    return (f'<section id="{anchor}" class="document guide"><h{level}>{escape(data.title)}'
            f"</h{level}>\n{blocks(data.blocks, level + 1)}</section>")


def table(data: SummaryTable, phases: Phases, level: int) -> str:
    head = "".join(f'<th scope="col">{label}</th>' for _, label in
                   (("title", "Étape"), *STEP_COLUMNS))
    rows = []
    for number, step in enumerate(data.steps, 1):
        cells = "".join(f"<td>{escape(getattr(step, name))}</td>" for name, _ in STEP_COLUMNS)
        rows.append(f'<tr><th scope="row"><span class="step">{number}. {escape(step.title)}'
                    f"</span>{chip(phases, step.phase)}</th>{cells}</tr>")
    intro = f'<p class="intro">{escape(data.intro)}</p>' if data.intro else ""
    return (f'<section id="tableau" class="document summary"><h{level}>{escape(data.title)}'
            f"</h{level}>{intro}<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}"
            "</tbody></table></section>")


@dataclass(frozen=True)
class SheetLayout:
    """How a sheet is laid out on its pages (render.pdf measures it): the fields that open a
    new page, and each field's line, row or box height in points (0 for a checklist)."""

    breaks: tuple[int, ...]
    sizes: tuple[float, ...]


def sheet(item: Sheet, number: int, total: int, phases: Phases, level: int,
          layout: SheetLayout) -> str:
    """A sheet: banner, title, purpose, info box, instructions, fields, each field's blanks
    at the heights `layout` gives, a new page before each of its breaks."""
    phase = find(phases, item.phase)
    colour = phase.colour if phase else "#1f4e5f"
    label = f"Fiche {number} sur {total}" + (f" · {phase.label}" if phase else "")
    top = [(f'<div class="top"><p class="banner" style="background:{colour}">'
            f"{escape(label)}</p>"),
           f"<h{level}>{escape(item.title)}</h{level}>",
           f'<p class="purpose">{escape(item.purpose)}</p>', info_box(item)]
    if item.instructions:
        sub = min(6, level + 1)
        top.append(f'<h{sub} class="instructions-title">Consignes pour l’animation</h{sub}>'
                   '<ol class="instructions">'
                   + "".join(f"<li>{escape(t)}</li>" for t in item.instructions) + "</ol>")
    top.append("</div>")
    fields = [field(f, min(6, level + 1), f"fiche-{item.slug}-{i}", size)
              for i, (f, size) in enumerate(zip(item.fields, layout.sizes, strict=True))]
    starts = (0, *layout.breaks, len(fields))
    lines = [f'<section id="fiche-{item.slug}" class="sheet" style="--phase:{colour}">']
    for n, (a, b) in enumerate(itertools.pairwise(starts)):
        lines += ['<div class="sheet-page">', *(top if n == 0 else []), *fields[a:b], "</div>"]
    return "\n".join([*lines, "</section>"])


def info_box(item: Sheet) -> str:
    if item.info is None:
        return ""
    rows = "".join(f"<div><dt>{label}</dt><dd>{_value(value)}</dd></div>"
                   for label, value in item.info.rows() if value)
    return f'<dl class="info">{rows}</dl>'


def _value(value: str | tuple[str, ...]) -> str:
    """An info box's value: a text, or a list (what to have at hand)."""
    if isinstance(value, tuple):
        return "<ul>" + "".join(f"<li>{escape(v)}</li>" for v in value) + "</ul>"
    return escape(value)


def field(item: SheetField, level: int, ident: str, size: float) -> str:
    """A blank to fill in by hand: `size` points per line, row or box (render.pdf shares the
    page's free space out among the fields)."""
    title = f'<h{level} class="label">{escape(item.label)}</h{level}>'
    if isinstance(item, LinesField):
        # Each rule a border under an empty block of no height, pushed down by its margin: a
        # border round a tall block would be drawn as a rectangle the size of the block.
        rule = f'<div class="rule" style="margin-top:{size - RULE:.2f}pt"></div>'
        return f'<div id="{ident}" class="field lines">{title}{rule * item.lines}</div>'
    if isinstance(item, BoxField):
        return (f'<div id="{ident}" class="field box">{title}'
                f'<div class="frame" style="height:{size:.2f}pt"></div></div>')
    if isinstance(item, TableField):
        head = "".join(f'<th scope="col">{escape(c)}</th>' for c in item.columns)
        row = "<tr>" + "<td></td>" * len(item.columns) + "</tr>"
        headed = "".join(f'<tr><th scope="row">{escape(i)}</th>'
                         + "<td></td>" * (len(item.columns) - 1) + "</tr>" for i in item.items)
        table = "headed" if item.items else "blank"
        return (f'<div id="{ident}" class="field fill">{title}'
                f'<table class="{table}" style="--row:{size:.2f}pt">'
                f"<thead><tr>{head}</tr></thead>"
                f"<tbody>{headed}{row * item.rows}</tbody></table></div>")
    if isinstance(item, ChecklistField):
        items = "".join(f'<li><span class="tick" aria-hidden="true"></span>{escape(i)}</li>'
                        for i in item.items)
        return f'<div id="{ident}" class="field checklist">{title}<ul>{items}</ul></div>'
    raise TypeError(item)


def story(title: str, parts: tuple[StoryPart, ...], total: int, level: int,
          heading: str = "") -> list[str]:
    """Story parts, each in a section of its own (render.pdf_join lays them out apart); the
    complete story's title (`heading`, else `title`) leads straight into its first part."""
    first = '<section id="recit" class="document story">'
    if len(parts) == 1:
        return [f"{first}{part(title, parts[0], total, level)}</section>"]
    opening = [f"{first}<h{level}>{escape(heading or title)}</h{level}>"]
    opening += ['<section class="document story">'] * (len(parts) - 1)
    return [f"{start}{part(title, p, total, level + 1)}</section>"
            for start, p in zip(opening, parts, strict=True)]


def part(title: str, item: StoryPart, total: int, level: int) -> str:
    sub, subsub = min(6, level + 1), min(6, level + 2)
    out = [f'<article id="recit-{item.slug}" class="part">',
           (f'<p class="kicker">{escape(title)}, partie {item.number} sur '
           f"{total}</p><h{level}>{escape(item.title)}</h{level}>"),
           blocks(item.intro, sub)]
    for scene in item.scenes:
        out.append(f"<h{sub}>{escape(scene.title)}</h{sub}>{blocks(scene.blocks, subsub)}")
        if scene.questions:
            out.append(f'<div class="scene-questions"><h{subsub}>{SCENE_QUESTIONS}</h{subsub}>'
                       + blocks((ListBlock(scene.questions, ordered=True),), subsub) + "</div>")
    out.append(f'<div class="questions"><h{sub}>{QUESTIONS}</h{sub}>'
               + blocks((ListBlock(item.questions, ordered=True),), sub) + "</div></article>")
    return "\n".join(out)


def edition_line(edition: Edition) -> str:
    date = edition.published
    return f"Édition du {french_date(date)}" if date else ""
