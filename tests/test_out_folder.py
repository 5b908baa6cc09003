"""`kitbuilder build --out DIR` replaces only a folder it made: never `.`, the kit, a folder
holding other files, or what a symbolic link points to."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixture_kit import write_kit
from kitbuilder import cli


def _build(kit_dir: Path, out: str | Path, cache: Path) -> list[str]:
    return ["--kit", str(kit_dir), "build", "--out", str(out), "--cache", str(cache)]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout as the operator has it: the kit, and var/ with the database and the key.

    It lies in a home folder of its own inside tmp_path: « . », « .. » and « ~ » all stay in
    the test's folder even on code that would delete them.
    """
    home = tmp_path / "home"
    root = home / "checkout"
    write_kit(root)
    monkeypatch.setenv("HOME", str(home))
    assert Path.home() == home
    (root / "var").mkdir()
    (root / "var" / "secret.key").write_text("key\n")
    (root / "var" / "requests.sqlite3").write_bytes(b"rows")
    (home / "lettre.odt").write_text("à garder")
    monkeypatch.chdir(root)
    return root


def _intact(project: Path) -> None:
    assert (project.parent / "lettre.odt").read_text() == "à garder"
    assert (project / "var" / "secret.key").read_text() == "key\n"
    assert (project / "var" / "requests.sqlite3").read_bytes() == b"rows"
    assert (project / "kit" / "kit.yml").is_file()


@pytest.mark.parametrize("out", [".", "kit", "..", "var", "~"])
def test_build_refuses_to_replace_the_checkout_the_kit_or_a_folder_of_other_files(
        project: Path, out: str, capsys: pytest.CaptureFixture[str]) -> None:
    target = Path(out).expanduser()
    assert cli.main(_build(Path("kit"), target, project / "c")) == 1
    err = capsys.readouterr().err
    assert "--out" in err and "rien n’a été écrit" in err and "Traceback" not in err
    _intact(project)


def test_build_refuses_a_symlink_and_leaves_its_target(project: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path / "documents"
    elsewhere.mkdir()
    (elsewhere / "lettre.odt").write_text("important")
    (project / "out").symlink_to(elsewhere)
    assert cli.main(_build(Path("kit"), "out", project / "c")) == 1
    assert "lien symbolique" in capsys.readouterr().err
    assert (elsewhere / "lettre.odt").read_text() == "important"


def test_build_refuses_a_file_and_a_folder_holding_the_cache(project: Path) -> None:
    (project / "notes.txt").write_text("mine")
    assert cli.main(_build(Path("kit"), "notes.txt", project / "c")) == 1
    assert (project / "notes.txt").read_text() == "mine"
    (project / "work").mkdir()
    assert cli.main(_build(Path("kit"), "work", project / "work" / "cache")) == 1


def test_build_writes_a_new_or_empty_folder_then_replaces_its_own_output(project: Path) -> None:
    from kitbuilder.output_folder import MARK

    (project / "empty").mkdir()
    assert cli.main(_build(Path("kit"), "empty", project / "c")) == 0
    assert (project / "empty" / MARK).is_file()
    (project / "empty" / "stale.md").write_text("from an older build")
    assert cli.main(_build(Path("kit"), "empty", project / "c")) == 0  # marked: replaced
    assert not (project / "empty" / "stale.md").exists()
    assert (project / "empty" / "fichiers" / "kit-test.zip").is_file()
    _intact(project)
