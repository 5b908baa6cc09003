"""Loading: the fixture kit becomes the expected model; every kind of mistake is reported
with its file, its line and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixture_kit import FILES, write_kit
from kitbuilder import cli
from kitbuilder.errors import KitError
from kitbuilder.model import BoxField, ListBlock, TableField
from kitbuilder.sources import load_kit
from test_site import plain


def test_fixture_kit_loads_into_the_model(kit_dir: Path) -> None:
    kit = load_kit(kit_dir)
    assert kit.title == "Discuter du travail"
    assert [s.slug for s in kit.sheets] == ["regles", "suivi"]
    table_field, box = kit.sheets[1].fields
    assert isinstance(table_field, TableField) and table_field.rows == 6
    assert table_field.columns[-1] == "Où en est-on"
    assert isinstance(box, BoxField) and box.height == 5
    morning = kit.story.parts[0]
    assert (morning.number, morning.slug, morning.title) == (1, "matin", "Le matin")
    assert [s.title for s in morning.scenes] == ["6\u00a0h\u00a045 — Salle de transmissions",
                                                 "7\u00a0h\u00a030 — Couloir du premier étage"]
    speakers = [b.speaker for b in morning.scenes[0].blocks]
    assert speakers == [None, "Sabrina", None]
    assert len(morning.questions) == 2
    assert isinstance(kit.guide.blocks[-2], ListBlock) and kit.guide.blocks[-2].ordered


def test_typography_is_applied_to_every_text(kit_dir: Path) -> None:
    kit = load_kit(kit_dir)
    assert kit.story.title == "24\u00a0h en Ehpad"
    assert kit.sheets[0].title == "Les règles de l’échange"
    assert kit.story.parts[0].questions[0][0].text == "Qu’est-ce qui vous a frappé\u202f?"
    link = next(s for b in kit.guide.blocks for s in getattr(b, "spans", ()) if s.href)
    assert link.href == "https://example.org"


def _replace(name: str, old: str, new: str) -> dict[str, str]:
    assert old in FILES[name], (name, old)
    return {**FILES, name: FILES[name].replace(old, new, 1)}


# (files, file named in the message, line, words the message must contain)
BROKEN = {
    "invalid YAML": (_replace("fiches/regles.yml", "purpose: Poser", "purpose: [Poser"),
                     "kit/fiches/regles.yml", 3, "une liste entre crochets [ ]"),
    "a tab in the indentation": (_replace("fiches/regles.yml", "  - kind: lines", "\t- kind: lines"),
                                 "kit/fiches/regles.yml", 12, "une tabulation sert de retrait"),
    "a line out of alignment": (_replace("fiches/regles.yml", "    label: Règles ajoutées",
                                         "  label: Règles ajoutées"),
                                "kit/fiches/regles.yml", 13, "pas alignée sur celles du même"),
    "a colon inside a value": (_replace("fiches/regles.yml", "cadre avant", "cadre : avant"),
                               "kit/fiches/regles.yml", 2, "la valeur contient « : » ; mettez"),
    "unknown key, closest valid one": (_replace("fiches/regles.yml", "title:", "titel:"),
                                       "kit/fiches/regles.yml", 1, "vouliez-vous dire « title »"),
    "unknown key inside a field": (_replace("fiches/suivi.yml", "height: 5", "hight: 5"),
                                   "kit/fiches/suivi.yml", 10, "vouliez-vous dire « height »"),
    "missing field": (_replace("fiches/suivi.yml",
                               "purpose: Garder la trace de chaque proposition et de la réponse "
                               "reçue.\n", ""),
                      "kit/fiches/suivi.yml", 1, "il manque la clé obligatoire « purpose »"),
    "wrong type": (_replace("fiches/suivi.yml", "rows: 6", "rows: beaucoup"),
                   "kit/fiches/suivi.yml", 7,
                   "1er champ de la fiche, « rows » : nombre entier attendu, trouvé « beaucoup »"),
    "list expected": (_replace("fiches/suivi.yml",
                               "columns: [Problème, Proposition, Qui, Pour quand, Où en est-on]",
                               "columns: Problème"),
                      "kit/fiches/suivi.yml", 6, "liste attendue"),
    "unknown field kind": (_replace("fiches/suivi.yml", "kind: box", "kind: bux"),
                           "kit/fiches/suivi.yml", 8, "vouliez-vous dire « box »"),
    "value out of range": (_replace("fiches/suivi.yml", "rows: 6", "rows: 0"),
                           "kit/fiches/suivi.yml", 7, "doit être au moins 1"),
    "missing cell of the summary table": (_replace("tableau.yml", "    who: Le groupe de pilotage.\n",
                                                   ""),
                                          "kit/tableau.yml", 10, "« who »"),
    "duplicate key": (_replace("tableau.yml", "intro:", "title: Encore\nintro:"),
                      "kit/tableau.yml", 2, "apparaît deux fois"),
    "sheet in the manifest but absent": (_replace("kit.yml", "fiches/suivi.yml", "fiches/absente.yml"),
                                         "kit/kit.yml", 9, "fichier introuvable : kit/fiches/absente.yml"),
    "scene with no text": (_replace("recit/matin.md",
                                    "Les chariots sont prêts ; la tournée commence.\n", ""),
                           "kit/recit/matin.md", 13, "n'a pas de texte"),
    "story part without questions": (_replace("recit/nuit.md", "## Questions pour le groupe",
                                              "## Et après"),
                                     "kit/recit/nuit.md", 9, "Questions pour le groupe"),
    "story part without its title": (_replace("recit/nuit.md", "# La nuit\n", ""),
                                     "kit/recit/nuit.md", 2, "doit commencer par son titre"),
    "raw HTML in Markdown": (_replace("guide.md", "- Un premier point", "<div>Un bloc</div>"),
                             "kit/guide.md", 9, "non pris en charge (HTML)"),
    "empty file": ({**FILES, "tableau.yml": ""}, "kit/tableau.yml", None, "le fichier est vide"),
    "manifest without its guide": (_replace("kit.yml", "guide: guide.md\n", ""),
                                   "kit/kit.yml", 1, "il manque la clé obligatoire « guide »"),
    "sheet file not in the manifest": ({**FILES, "fiches/oubliee.yml": FILES["fiches/suivi.yml"]},
                                       "kit/fiches/oubliee.yml", None, "pas listé dans kit.yml"),
    "text instead of a mapping": (_replace("fiches/suivi.yml",
                                           "  - kind: box\n    label: Remarques\n    height: 5\n",
                                           "  - Remarques\n"),
                                  "kit/fiches/suivi.yml", 8, "paires « clé : valeur »"),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_source_gives_file_line_and_expectation(tmp_path: Path, case: str) -> None:
    files, shown, line, words = BROKEN[case]
    with pytest.raises(KitError) as raised:
        load_kit(write_kit(tmp_path, files))
    problems = raised.value.problems
    assert any(str(p.file) == shown and p.line == line and words in p.message
               for p in problems), "\n".join(map(str, problems))


def test_check_lists_every_problem_and_fails(tmp_path: Path, capsys) -> None:
    files = _replace("fiches/suivi.yml", "rows: 6", "rows: beaucoup")
    files = {**files, "recit/nuit.md": files["recit/nuit.md"].replace("# La nuit\n", "")}
    code = cli.main(["--kit", str(write_kit(tmp_path, files)), "check"])
    err = plain(capsys.readouterr().err)
    assert code == 1
    assert "kit/fiches/suivi.yml:7:" in err and "kit/recit/nuit.md:2:" in err
    assert "2 problèmes trouvés" in err and "Traceback" not in err


def test_a_message_quotes_the_source_exactly_as_typed(tmp_path: Path) -> None:
    """The message's words are typeset; the value it quotes is not (no « 7 h 30 », no ’)."""
    files = _replace("fiches/suivi.yml", "rows: 6", "rows: l'équipe de 7h30:matin")
    with pytest.raises(KitError) as raised:
        load_kit(write_kit(tmp_path, files))
    [told] = [str(p) for p in raised.value.problems if p.line == 7]
    assert told == ("kit/fiches/suivi.yml:7: 1er champ de la fiche, «\u00a0rows\u00a0»\u00a0: "
                    "nombre entier attendu, trouvé «\u00a0l'équipe de 7h30:matin\u00a0»")


def test_check_accepts_the_fixture(kit_dir: Path, capsys) -> None:
    assert cli.main(["--kit", str(kit_dir), "check"]) == 0
    assert "tout est en ordre" in capsys.readouterr().out


def test_a_blank_word_in_the_lexicon_is_named_with_its_line(tmp_path: Path) -> None:
    files = {**FILES, "kit.yml": FILES["kit.yml"] + "lexicon: prononciation.yml\n",
             "prononciation.yml": "Ehpad: é-pade\n\"\": rien\n"}
    with pytest.raises(KitError) as caught:
        load_kit(write_kit(tmp_path, files))
    assert [(str(p.file), p.line) for p in caught.value.problems] == [
        ("kit/prononciation.yml", 2)], str(caught.value)
    assert "mot vide" in str(caught.value)
