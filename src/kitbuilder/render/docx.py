"""Word documents: the guide, the summary table, each sheet and the story.

The documents are written by `kitbuilder.render.word` (python-docx), imported only when one is
made: a rebuild that finds every document in the cache does not pay for loading python-docx.
These functions are the renderers' names that the build's cache keys hold.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from kitbuilder.model import Guide, Imprint, Sheet, StoryPart, SummaryTable

VERSION = "4"  # bump when the output changes for the same model, to refresh the cache
REFERENCE = files("kitbuilder") / "resources" / "reference.docx"


def guide(imprint: Imprint, item: Guide, out: Path) -> None:
    from kitbuilder.render import word

    word.guide(imprint, item, out)


def summary_table(imprint: Imprint, table: SummaryTable, out: Path) -> None:
    from kitbuilder.render import word

    word.summary_table(imprint, table, out)


def sheet(imprint: Imprint, item: Sheet, out: Path) -> None:
    from kitbuilder.render import word

    word.sheet(imprint, item, out)


def story(imprint: Imprint, story_title: str, parts: tuple[StoryPart, ...], out: Path) -> None:
    """The story, or some of its parts; each part starts on a new page."""
    from kitbuilder.render import word

    word.story(imprint, story_title, parts, out)
