"""Limits on what the kit's sources may make the build do: no YAML aliases (a few hundred
bytes that expand to billions of values), no huge files, no path out of the kit's folder."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from fixture_kit import FILES, write_kit
from kitbuilder.errors import KitError
from kitbuilder.sources import load_kit

# Nine levels of nine: 9**9 (387 million) strings from 300 bytes.
BOMB = "title: x\npurpose: y\n" + "".join(
    f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" if n else "l0: &l0 [lol]\n"
    for n in range(10)) + "fields: *l9\n"


def _problems(kit_dir: Path) -> list[str]:
    with pytest.raises(KitError) as caught:
        load_kit(kit_dir)
    return [str(p) for p in caught.value.problems]


def test_nested_aliases_are_refused_at_once_with_file_and_line(tmp_path: Path) -> None:
    kit = write_kit(tmp_path, {**FILES, "fiches/regles.yml": BOMB})
    started = time.monotonic()
    problems = _problems(kit)
    assert time.monotonic() - started < 2
    assert any(p.startswith("kit/fiches/regles.yml:3: ") and "ancre" in p for p in problems)


def test_a_single_alias_is_refused_too(tmp_path: Path) -> None:
    sheet = FILES["fiches/regles.yml"].replace("purpose: Poser", "purpose: &p Poser") + "x: *p\n"
    problems = _problems(write_kit(tmp_path, {**FILES, "fiches/regles.yml": sheet}))
    assert any("kit/fiches/regles.yml:2: " in p and "alias" in p for p in problems)


@pytest.mark.parametrize("name", ["guide.md", "tableau.yml"])
def test_an_oversized_source_is_refused_before_it_is_parsed(tmp_path: Path, name: str) -> None:
    text = FILES[name] + ("\n" + "Du texte. " * 100) * 3000  # 3 MB
    problems = _problems(write_kit(tmp_path, {**FILES, name: text}))
    assert any(p.startswith(f"kit/{name}: ") and "trop gros" in p for p in problems)


@pytest.mark.parametrize("where", ["../secret.md", "{outside}/secret.md", "lien/secret.md",
                                   "fiches/../../secret.md"])
def test_a_path_leaving_the_kit_folder_is_refused_and_its_text_never_read(
        tmp_path: Path, where: str) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\n\nLe mot de passe.\n")
    kit = write_kit(tmp_path)
    (kit / "lien").mkdir()
    (kit / "lien" / "secret.md").symlink_to(secret)
    rel = where.format(outside=tmp_path)
    (kit / "kit.yml").write_text(FILES["kit.yml"].replace("guide: guide.md", f"guide: {rel}"))
    problems = _problems(kit)
    assert any(p.startswith("kit/kit.yml:5: ") and "dossier du kit" in p
               or "absolu" in p for p in problems), problems
    assert not any("Secret" in p for p in problems)


def test_a_manifest_linked_from_elsewhere_is_refused(tmp_path: Path) -> None:
    kit = write_kit(tmp_path)
    elsewhere = tmp_path / "kit.yml"
    (kit / "kit.yml").rename(elsewhere)
    (kit / "kit.yml").symlink_to(elsewhere)
    assert any("hors du dossier du kit" in p for p in _problems(kit))


def test_links_inside_the_kit_still_work(tmp_path: Path) -> None:
    kit = write_kit(tmp_path)
    (kit / "recit" / "matin.md").rename(kit / "matin-source.md")
    (kit / "recit" / "matin.md").symlink_to(kit / "matin-source.md")
    assert load_kit(kit).story.parts[0].title == "Le matin"
