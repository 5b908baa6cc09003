"""The kit's identity as data: phases (colour, label), sheet info boxes, the edition."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fixture_kit import FILES, write_kit
from kitbuilder.errors import KitError
from kitbuilder.render import pages
from kitbuilder.sources import load_kit

ROOT = Path(__file__).resolve().parent.parent


def _replace(name: str, old: str, new: str) -> dict[str, str]:
    assert old in FILES[name]
    return {**FILES, name: FILES[name].replace(old, new)}


BROKEN = {
    "unknown phase on a sheet": (_replace("fiches/regles.yml", "phase: animer", "phase: animr"),
                                 "kit/fiches/regles.yml", 15, "phase inconnue « animr »"),
    "unknown phase on a step": (_replace("tableau.yml", "    phase: animer", "    phase: x"),
                                "kit/tableau.yml", 16, "preparer, animer"),
    "pale colour": (_replace("kit.yml", '"#b3400f"', '"#ffd54f"'), "kit/kit.yml", 30,
                    "trop claire pour un texte blanc"),
    "not a colour": (_replace("kit.yml", '"#b3400f"', "orange"), "kit/kit.yml", 30,
                     "couleur attendue sous la forme"),
    "phase twice": (_replace("kit.yml", "id: animer", "id: preparer"), "kit/kit.yml", 28,
                    "en double"),
    "info box without its duration": (_replace("fiches/regles.yml", "  duration: 20 minutes\n",
                                               ""), "kit/fiches/regles.yml", 16, "duration"),
    "glossary entry without meaning": (_replace("glossaire.yml", "IDEC: Infirmier ou infirmière "
                                                "diplômé(e) d'État coordinateur", "IDEC: ''"),
                                       "kit/glossaire.yml", 1, "« IDEC »"),
    "contacts without a phone": (_replace("association.yml", '  phone: "01 00 00 00 00"\n', ""),
                                 "kit/association.yml", 3, "« phone »"),
    # A character no Word or PDF file can hold, written as a YAML escape (found by the
    # mutation test: it stopped the build inside lxml with no file or line).
    "control character in the contacts": (_replace("association.yml", "name: Mieux-être & Travail",
                                                   'name: "Mieux-être\\x00"'),
                                          "kit/association.yml", 1, "caractère"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_identity_source_names_file_line_and_expectation(tmp_path: Path,
                                                                  case: str) -> None:
    files, shown, line, words = BROKEN[case]
    with pytest.raises(KitError) as raised:
        load_kit(write_kit(tmp_path, files))
    problems = raised.value.problems
    assert any(str(p.file) == shown and p.line == line and words in p.message
               for p in problems), "\n".join(map(str, problems))


def test_phases_info_and_edition_reach_the_model_and_the_pages(tmp_path: Path) -> None:
    kit = load_kit(write_kit(tmp_path))
    assert [p.label for p in kit.phases] == ["Préparer", "Animer"]
    assert kit.edition.published is not None and kit.edition.published.isoformat() == "2026-03-01"
    assert kit.edition.contacts is not None and kit.edition.contacts.phone == "01 00 00 00 00"
    assert [a for a, _ in kit.edition.glossary] == ["Ehpad", "IDEC"]
    built = pages.pages(kit)
    sheet = built["fiches/regles.md"]
    assert 'class="kit-banner kit-phase-animer">Fiche 1 sur 2 · Animer</p>' in sheet
    assert "<dt>Durée\u00a0:</dt><dd>20 minutes</dd>" in sheet
    assert "<li>Des feutres</li>" in sheet
    assert ">Fiche 2 sur 2</p>" in built["fiches/suivi.md"]  # no phase: no label, no colour
    assert ".kit-phase-animer { --kit-phase: #b3400f; }" in built[pages.PHASES_CSS]
    assert 'kit-chip kit-phase-animer">Animer</span>' in built["tableau.md"]


def test_the_shipped_kit_gives_every_sheet_and_step_a_phase_and_every_sheet_its_box() -> None:
    kit = load_kit(ROOT / "kit")
    assert all(s.phase and s.info for s in kit.sheets), [s.slug for s in kit.sheets]
    assert all(step.phase for step in kit.table.steps)
    assert kit.edition.published and kit.edition.licence and kit.edition.contacts
    # Every acronym the kit's text uses is explained on its last page.
    text = repr((kit.guide, kit.table, kit.sheets, kit.story))
    used = set(re.findall(r"\b[A-Z]{2,6}\b", text))
    assert used <= {a for a, _ in kit.edition.glossary}, used
