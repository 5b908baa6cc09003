"""A story part's Markdown, already parsed, checked and cut into its opening, scenes and
questions (`sources` reads the file)."""

from __future__ import annotations

from pathlib import Path

from kitbuilder import markdown_blocks as mdb
from kitbuilder.errors import KitError, Problem
from kitbuilder.model import (
    SCENE_QUESTIONS,
    Aside,
    Block,
    Heading,
    Inline,
    ListBlock,
    Paragraph,
    Scene,
    StoryPart,
)

QUESTIONS_HEADING = "questions pour le groupe"


def part(number: int, slug: str, blocks: list[mdb.Located], shown: Path) -> StoryPart:
    """The part `number` of the story, from its file's blocks (its title first)."""
    aside = next((b for b in blocks if isinstance(b.block, Aside)), None)
    if aside:  # the narration says what a part holds; a box is for documents
        raise KitError([Problem(shown, aside.line, "pas d'encadré (« > ») dans un récit")])
    sections = _sections(blocks[1:], shown)
    if not sections or _text(sections[-1][0]).strip().lower() != QUESTIONS_HEADING:
        last = blocks[-1].line
        raise KitError([Problem(shown, last, "la partie doit finir par une section "
                                             "« ## Questions pour le groupe » suivie d'une "
                                             "liste numérotée")])
    intro = tuple(b.block for b in blocks[1:] if b.line < sections[0][0].line)
    scenes = [_scene(head, body, shown) for head, body in sections[:-1]]
    if not scenes:
        raise KitError([Problem(shown, blocks[0].line, "la partie n'a aucune scène "
                                                       "(une scène commence par « ## »)")])
    questions = _questions(*sections[-1], shown)
    return StoryPart(slug, number, _text(blocks[0]), intro, tuple(scenes), questions)


def _sections(blocks: list[mdb.Located], shown: Path) -> list[tuple[mdb.Located, list[mdb.Located]]]:
    sections: list[tuple[mdb.Located, list[mdb.Located]]] = []
    for located in blocks:
        if located.source_level == 2:
            sections.append((located, []))
        elif located.source_level > 2 and not (
                located.source_level == 3 and sections
                and _text(located).strip().lower() == SCENE_QUESTIONS.lower()):
            raise KitError([Problem(shown, located.line, "dans un récit, seuls les titres « ## » "
                                                         "(une scène) et « ### Pour en parler » "
                                                         "(ses questions) sont permis")])
        elif sections:
            sections[-1][1].append(located)
    return sections


def _scene(head: mdb.Located, body: list[mdb.Located], shown: Path) -> Scene:
    split = next((i for i, b in enumerate(body) if b.source_level == 3), len(body))
    blocks: tuple[Block, ...] = tuple(b.block for b in body[:split])
    if not any(isinstance(b, Paragraph) and "".join(s.text for s in b.spans).strip()
               for b in blocks):
        raise KitError([Problem(shown, head.line,
                                f"la scène « {_text(head)} » n'a pas de texte")])
    questions: tuple[Inline, ...] = ()
    if split < len(body):
        questions = _scene_questions(body[split], body[split + 1:], shown)
    return Scene(_text(head), blocks, questions)


def _scene_questions(head: mdb.Located, body: list[mdb.Located],
                     shown: Path) -> tuple[Inline, ...]:
    """« ### Pour en parler » closes a scene: one list of questions and nothing else."""
    if len(body) != 1 or not isinstance(body[0].block, ListBlock) or not body[0].block.items:
        raise KitError([Problem(shown, head.line, "« ### Pour en parler » doit être suivi "
                                                  "d'une seule liste de questions (- …), "
                                                  "à la fin de la scène")])
    return body[0].block.items


def _questions(head: mdb.Located, body: list[mdb.Located], shown: Path) -> tuple[Inline, ...]:
    lists = [b.block for b in body if isinstance(b.block, ListBlock)]
    if len(body) != 1 or not lists or not lists[0].items:
        raise KitError([Problem(shown, head.line, "la section des questions doit contenir une "
                                                  "seule liste numérotée (1. …, 2. …)")])
    return lists[0].items


def _text(located: mdb.Located) -> str:
    """A heading's text (parsing gives headings where these are read)."""
    return located.block.text if isinstance(located.block, Heading) else ""
