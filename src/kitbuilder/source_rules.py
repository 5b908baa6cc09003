"""What every kit source's file name and text must be, and YAML read with that check.

Below `sources` and its helpers (`markdown_source`, `sources_edition`, `voices`), so that
each source they read, the association's file too, is held to the same rules.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from kitbuilder.errors import KitError, Problem
from kitbuilder.yamlsource import Loc, forbidden_character
from kitbuilder.yamlsource import read_yaml as _parse_yaml

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Characters a Word document (XML 1.0) cannot hold: control characters other than tab and line
# breaks, lone surrogates, U+FFFE and U+FFFF. Invisible in an editor, they would otherwise stop
# the build inside python-docx with no file or line.
FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def file_slug(path: Path, shown: Path) -> str:
    """A sheet, document or story part's slug (its page address): its file's name."""
    if not SLUG.match(path.stem):
        raise KitError([Problem(shown, None, f"nom de fichier « {path.name} » : utilisez des "
                                             "minuscules sans accents, des chiffres et des tirets")])
    return path.stem


def read_yaml(path: Path, shown: Path) -> tuple[Any, dict[Loc, int]]:
    """A YAML source's data and lines; KitError also for text a Word document cannot hold."""
    data, lines = _parse_yaml(path, shown)
    problems: list[Problem] = []
    _check_characters(data, (), lines, shown, problems)
    if problems:
        raise KitError(problems)
    return data, lines


def _check_characters(data: Any, loc: Loc, lines: dict[Loc, int], shown: Path,
                      problems: list[Problem]) -> None:
    """Report text holding a forbidden character, as a quoted YAML escape (« \\x01 ») puts it
    there; YAML itself refuses such characters written as they are."""
    items = (data.items() if isinstance(data, dict)
             else enumerate(data) if isinstance(data, list) else ())
    for key, value in items:
        for text in (key, value):
            found = FORBIDDEN.search(text) if isinstance(text, str) else None
            if found:
                problems.append(forbidden_character(shown, lines.get((*loc, key), lines.get(loc)),
                                                    found[0]))
        _check_characters(value, (*loc, key), lines, shown, problems)
