"""The story as a facilitator uses it: scenes that stand alone, with their own questions, a cast
list that spells out every role, and questions that the narration never says."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest

from conftest import ROOT
from fixture_kit import FILES, write_kit
from kitbuilder.errors import KitError
from kitbuilder.model import ListBlock, Paragraph, plain
from kitbuilder.render import docx as render_docx
from kitbuilder.render import narration, pages
from kitbuilder.render.speech import SpeechConfig, find_engine
from kitbuilder.sources import load_kit

ROLES = {  # acronym -> the words that spell it out in a cast list
    "IDEC": "infirmière coordinatrice",
    "IDE": "infirmière diplômée d’État",
    "AES": "accompagnant",
    "ASH": "agente de service hospitalier",
}

NIGHT_WITH_QUESTIONS = FILES["recit/nuit.md"].replace(
    "deux personnes pour soixante résidents !\n",
    "deux personnes pour soixante résidents !\n\n### Pour en parler\n\n"
    "- Qui décide, la nuit ?\n- Et chez nous ?\n")


@pytest.fixture(scope="module")
def kit():  # type: ignore[no-untyped-def]
    return load_kit(ROOT / "kit")


def test_every_scene_of_the_story_has_one_or_two_questions_of_its_own(kit) -> None:  # type: ignore[no-untyped-def]
    for part in kit.story.parts:
        for scene in part.scenes:
            assert 1 <= len(scene.questions) <= 2, (part.slug, scene.title)
            assert all(plain(q).endswith("?") for q in scene.questions), scene.title


def test_each_part_opens_with_a_cast_list_spelling_out_its_roles(kit) -> None:  # type: ignore[no-untyped-def]
    for part in kit.story.parts:
        cast = next(b for b in part.intro if isinstance(b, ListBlock))
        listed = " ".join(plain(item) for item in cast.items)
        text = " ".join(plain(b.spans) for s in part.scenes for b in s.blocks
                        if isinstance(b, Paragraph))
        for acronym, words in ROLES.items():
            if re.search(rf"\b{acronym}\b", text + listed):
                assert acronym in listed and words in listed, (part.slug, acronym)


def test_no_care_assistant_wears_a_wrist_watch_and_the_lift_is_put_away(kit) -> None:  # type: ignore[no-untyped-def]
    text = " ".join(plain(b.spans) for p in kit.story.parts for s in p.scenes
                    for b in s.blocks if isinstance(b, Paragraph))
    assert "regarde sa montre" not in text
    assert "reste au milieu du couloir" not in text
    assert "laissé un résident au bord" not in text


def test_scene_questions_show_on_the_page_and_in_word_but_are_never_said(tmp_path: Path) -> None:
    kit = load_kit(write_kit(tmp_path, {**FILES, "recit/nuit.md": NIGHT_WITH_QUESTIONS}))
    night = kit.story.parts[1]
    assert [plain(q) for q in night.scenes[0].questions] == ["Qui décide, la nuit\u202f?",
                                                            "Et chez nous\u202f?"]
    page = pages.part(kit, night)
    assert ("**Pour en parler**\n{ .kit-scene-questions }\n\n- Qui décide, la nuit\u202f?\n"
            "- Et chez nous\u202f?") in page
    out = tmp_path / "nuit.docx"
    render_docx.story(kit.imprint, kit.story.title, (night,), out)
    document = docx.Document(str(out))
    label = next(p for p in document.paragraphs if p.text == "Pour en parler")
    assert label.runs[0].bold and label.paragraph_format.keep_with_next
    assert [p.text for p in document.paragraphs][-4:-2] == ["Qui décide, la nuit\u202f?",
                                                          "Et chez nous\u202f?"]
    plan = narration.part_audio(kit, night, find_engine(SpeechConfig()), {})
    said = " ".join(line.text for section in plan.sections for line in section.lines)
    assert "Qui décide" not in said and "Pour en parler" not in said


@pytest.mark.parametrize("scene_end, words", [
    ("\n### Autre chose\n\nTexte.\n", "« ### Pour en parler »"),
    ("\n### Pour en parler\n\nUne phrase, pas une liste.\n", "une seule liste de questions"),
])
def test_a_wrong_sub_heading_in_a_scene_is_named_with_its_line(tmp_path: Path, scene_end: str,
                                                               words: str) -> None:
    night = FILES["recit/nuit.md"].replace("résidents !\n", "résidents !\n" + scene_end)
    with pytest.raises(KitError) as caught:
        load_kit(write_kit(tmp_path, {**FILES, "recit/nuit.md": night}))
    (problem,) = caught.value.problems
    assert str(problem.file).endswith("recit/nuit.md") and problem.line == 7
    assert words in problem.message
