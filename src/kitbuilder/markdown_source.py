"""The kit's Markdown sources read into blocks: the guide, the toolbox documents, the story
parts and the landing page's intro."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kitbuilder import markdown_blocks as mdb
from kitbuilder import story_source
from kitbuilder.errors import KitError, Problem
from kitbuilder.model import Block, Document, Guide, Heading, StoryPart
from kitbuilder.source_rules import FORBIDDEN, file_slug
from kitbuilder.yamlsource import forbidden_character, read_source


def _read_markdown(path: Path, shown: Path) -> list[mdb.Located]:
    try:
        # utf-8-sig: a byte-order mark, which some Windows editors write, is no part of the title.
        text = read_source(path, shown, encoding="utf-8-sig")
    except OSError as exc:
        raise KitError([Problem(shown, None, f"fichier illisible ({exc.strerror})")]) from None
    found = FORBIDDEN.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise KitError([forbidden_character(shown, line, found[0])])
    try:
        blocks = mdb.parse(text)
    except mdb.MarkdownProblem as exc:
        raise KitError([Problem(shown, exc.line, exc.message)]) from None
    empty = next((b for b in blocks if isinstance(b.block, Heading) and not b.block.text.strip()),
                 None)
    if empty:
        raise KitError([Problem(shown, empty.line, "titre vide : écrivez le titre après "
                                                   f"« {'#' * empty.source_level} »")])
    if not blocks or not (isinstance(blocks[0].block, Heading) and blocks[0].source_level == 1):
        first = blocks[0].line if blocks else None
        raise KitError([Problem(shown, first, "le fichier doit commencer par son titre, "
                                             "sur une ligne « # Titre »")])
    extra = next((b for b in blocks[1:] if b.source_level == 1), None)
    if extra:
        raise KitError([Problem(shown, extra.line, "un seul titre « # » par fichier ; "
                                                   "utilisez « ## » pour une section")])
    return blocks


def read_guide(path: Path, shown: Path) -> Guide:
    blocks = _read_markdown(path, shown)
    if len(blocks) < 2:
        raise KitError([Problem(shown, blocks[0].line, "le guide n'a pas de texte après son titre")])
    return Guide(_heading(blocks[0]), tuple(b.block for b in blocks[1:]))


def read_document(path: Path, shown: Path) -> Document:
    slug = file_slug(path, shown)
    blocks = _read_markdown(path, shown)
    if len(blocks) < 2:
        raise KitError([Problem(shown, blocks[0].line, "le document n'a pas de texte après son "
                                                       "titre")])
    return Document(slug, _heading(blocks[0]), tuple(b.block for b in blocks[1:]))


def _heading(located: mdb.Located) -> str:
    """The text of a file's title (_read_markdown checked that it is a heading)."""
    return located.block.text if isinstance(located.block, Heading) else ""


def intro(text: str, key_line: int | None, shown: Path,
           problems: list[Problem]) -> tuple[Block, ...]:
    """The landing page's text: Markdown written in `kit.yml` under `intro: |`."""
    def at(line: int) -> int | None:
        """The line in kit.yml: in a `|` block the text starts on the line after the key."""
        return key_line + line if key_line else None

    try:
        blocks = mdb.parse(text)
    except mdb.MarkdownProblem as exc:
        problems.append(Problem(shown, at(exc.line), f"« intro » : {exc.message}"))
        return ()
    title = next((b for b in blocks if isinstance(b.block, Heading) and b.source_level == 1),
                 None)
    if title:
        problems.append(Problem(shown, at(title.line), "« intro » : la page a déjà pour titre "
                                                       "celui du kit ; commencez les sections "
                                                       "par « ## »"))
    return tuple(b.block for b in blocks)


def read_part(number: int) -> Callable[[Path, Path], StoryPart]:
    def read(path: Path, shown: Path) -> StoryPart:
        return story_source.part(number, file_slug(path, shown), _read_markdown(path, shown), shown)
    return read
