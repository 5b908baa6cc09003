"""Bad input: the fixture kit mutated at random (Hypothesis) must either build or stop with
our own error naming a file of the project, never another exception; through the command
line and `mkdocs build` too, where a failed build leaves the previous output as it was."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from fixture_kit import FILES
from kitbuilder.build import BuildResult, build_kit
from kitbuilder.errors import KitError
from test_audio import FFMPEG, write_clip
from test_site import MKDOCS_YML, mkdocs

# The fixture kit with a pronunciation lexicon, so that every kind of source is there.
BASE: dict[str, str | bytes] = {
    **FILES,
    "kit.yml": FILES["kit.yml"] + "lexicon: prononciation.yml\n",
    "prononciation.yml": "Ehpad: é-pade\nM.: monsieur\n",
}
YAML_SOURCES = sorted(name for name in BASE if name.endswith(".yml"))
STORY = ("recit/matin.md", "recit/nuit.md")

Files = dict[str, str | bytes]


def write(root: Path, files: Files) -> Path:
    """The kit's files (text or raw bytes) under root/kit, replacing any earlier kit."""
    kit = root / "kit"
    shutil.rmtree(kit, ignore_errors=True)
    for name, content in files.items():
        path = kit / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return kit


class Warm:
    """A cache already holding the fixture kit's build, so that a mutation makes only what it
    changes (voicing the whole story again for each case would take minutes).

    A plain class with a short repr, not a dataclass: Hypothesis writes the test's arguments,
    this fixture among them, into each case's description, printing a dataclass field by
    field; the recordings' bytes made it 755 kB and a HypothesisWarning, an error here."""

    def __init__(self, cache: Path, clips: dict[str, bytes]) -> None:
        self.cache = cache
        self.clips = clips  # a valid recording in each format, by extension

    def __repr__(self) -> str:
        return f"Warm(cache={self.cache!s}, clips={sorted(self.clips)})"


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> Warm:
    root = tmp_path_factory.mktemp("warm")
    build_kit(write(root, BASE), root / "cache")
    write_clip(root / "clip.wav", seconds=1.0)
    clips = {"wav": (root / "clip.wav").read_bytes()}
    for extension, codec in (("flac", "flac"), ("mp3", "libmp3lame"), ("ogg", "libvorbis")):
        subprocess.run([FFMPEG, "-nostdin", "-v", "error", "-i", str(root / "clip.wav"),
                        "-c:a", codec, str(root / f"clip.{extension}")], check=True)
        clips[extension] = (root / f"clip.{extension}").read_bytes()
    return Warm(root / "cache", clips)


class Mutation:
    """One mutated kit. Its repr, which Hypothesis prints for a failing case, says what was
    changed without the files (a huge value would print hundreds of kilobytes)."""

    def __init__(self, what: str, files: Files) -> None:
        self.what = what
        self.files = files

    def __repr__(self) -> str:
        return f"Mutation({self.what!r})"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}… ({len(text)} characters)"


@contextmanager
def project() -> Iterator[Path]:
    """A fresh folder per Hypothesis example (pytest's tmp_path is one per test)."""
    with tempfile.TemporaryDirectory(prefix="kit-mutation-") as folder:
        yield Path(folder)


def build_or_report(root: Path, files: Files, cache: Path) -> BuildResult | KitError:
    """Build the mutated kit; our error is an answer, any other exception fails the test."""
    try:
        result = build_kit(write(root, files), cache)
    except KitError as error:
        assert error.problems, "KitError without a problem"
        for problem in error.problems:
            # The file is one the editor can open: a source of the kit, a clip of audio/, or
            # the file the manifest points at. Not « espeak-ng », not a cache path.
            shown = Path(problem.file)
            assert shown.is_absolute() or shown.parts[0] in ("kit", "audio"), str(problem)
            assert (root / shown).exists() or "introuvable" in problem.message, str(problem)
            assert str(shown) in str(error)
        return error
    for output in result.files:
        assert output.path.is_file() and output.path.stat().st_size > 0, output.name
    return result


# --- Strategies ------------------------------------------------------------------------------

# Characters an editor's copy-paste brings: controls, NUL, escape sequences, bidi marks,
# zero-width and byte-order marks, noncharacters, combining marks, emoji with joiners.
ODD = st.sampled_from([
    "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b[31m", "\x7f", "\x85", "\x9b", "\u00a0",
    "\u200b", "\u200d", "\u200e", "\u200f", "\u202e", "\u2066", "\u2028", "\u2029", "\ufeff",
    "\ufffe", "\uffff", "\ufffd", "e\u0301", "😀", "👩🏽‍⚕️", "🇫🇷", "\U0010ffff", "ﷺ", "עברית",
    "مرحبا", "𝕏", "\t", "\r", "\r\n", "\\", '"', "'", "#", ":", "- ", "**", "_", "[", "]",
    "{", "}", "&", "*", "!", "%", "@", "`", "|", ">", "<", "<!--", "\u00ad"])
ODD_TEXT = st.lists(st.one_of(ODD, st.text(max_size=4)), min_size=1, max_size=6).map("".join)
HUGE = st.sampled_from(["x" * 100_000, "Œuvre, à l’EHPAD ! " * 5_000, "\u202e" * 10_000,
                        "😀" * 20_000, 10**40, -(10**40), 1e308, float("inf"), float("nan"),
                        ["point"] * 3_000, {f"k{i}": i for i in range(2_000)}])
WRONG = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), ODD_TEXT,
                  st.lists(st.one_of(st.integers(), ODD_TEXT), max_size=3),
                  st.dictionaries(ODD_TEXT, ODD_TEXT, max_size=2), HUGE)
# What a manifest may point at instead of its own files.
REFERENCES = st.one_of(st.sampled_from([
    "absente.md", "fiches/absente.yml", "fiches", "fiches/", ".", "..", "/", "", " ",
    "../kit.yml", "../../../../../etc/hostname", "/dev/null", "/proc/self/status", "kit.yml",
    "guide.md", "tableau.yml", "fiches/regles.yml", "recit/matin.md", "prononciation.yml",
    "a" * 300 + ".md", "fiches/" + "é" * 200 + ".yml", "fiches/Règles.yml",
    "recit/\u202enuit.md", "recit/nuit.md\x00", "recit/NUIT.md", "fiches/regles.yml/"]),
    ODD_TEXT)
REFERENCE_KEYS = [("guide",), ("table",), ("sheets", 0), ("sheets", 1), ("story", "parts", 0),
                  ("story", "parts", 1), ("lexicon",), ("bundle",)]


def _locations(data: Any, loc: tuple = ()) -> list[tuple]:
    """Every key or item of a YAML tree, as the path to reach it."""
    found = [loc] if loc else []
    items = data.items() if isinstance(data, dict) else (
        enumerate(data) if isinstance(data, list) else ())
    for key, value in items:
        found += _locations(value, (*loc, key))
    return found


def _dump(data: Any) -> str:
    # safe_dump writes a control character as a quoted escape (« "\x01" »): the other way
    # such a character reaches the data, besides raw in the file.
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1_000_000)


def _set(data: Any, loc: tuple, value: Any) -> None:
    for part in loc[:-1]:
        data = data[part]
    data[loc[-1]] = value


@st.composite
def yaml_tree_mutation(draw: st.DrawFn) -> Mutation:
    """A key deleted, a value of the wrong type or huge, odd Unicode in a text, a key added."""
    name = draw(st.sampled_from(YAML_SOURCES))
    data = yaml.safe_load(BASE[name])
    loc = draw(st.sampled_from(_locations(data)))
    parent = data
    for part in loc[:-1]:
        parent = parent[part]
    current = parent[loc[-1]]
    how = draw(st.sampled_from(["delete", "wrong", "odd", "add key"]))
    value = None
    if how == "delete":
        del parent[loc[-1]]
    elif how == "wrong":
        value = parent[loc[-1]] = draw(WRONG)
    elif how == "odd" and isinstance(current, str):
        at = draw(st.integers(0, len(current)))
        value = parent[loc[-1]] = current[:at] + draw(ODD_TEXT) + current[at:]
    elif isinstance(parent, dict):
        key = draw(st.one_of(ODD_TEXT, st.sampled_from(["titel", "slug", "kind", "fields"])))
        value = parent[key] = draw(WRONG)
        loc = (*loc[:-1], key)
    return Mutation(f"{name}: {how} {loc} {_short(value)}", {**BASE, name: _dump(data)})


@st.composite
def reference_mutation(draw: st.DrawFn) -> Mutation:
    """kit.yml pointing at a missing file, a folder, a file outside the kit, the wrong kind of
    source, the same file twice, a name too long for the disk."""
    data = yaml.safe_load(BASE["kit.yml"])
    loc = draw(st.sampled_from(REFERENCE_KEYS))
    reference = draw(REFERENCES)
    _set(data, loc, reference)
    return Mutation(f"kit.yml: {loc} -> {_short(reference)}", {**BASE, "kit.yml": _dump(data)})


@st.composite
def text_mutation(draw: st.DrawFn) -> Mutation:
    """The raw text of any source: odd Unicode inserted, a line deleted, doubled or shifted, the
    file cut short, a syntax character dropped in; huge text outside the story (voicing a
    hundred thousand characters would take minutes)."""
    name = draw(st.sampled_from(sorted(n for n in BASE if isinstance(BASE[n], str))))
    text = str(BASE[name])
    lines = text.split("\n")
    line = draw(st.integers(0, len(lines) - 1))
    at = draw(st.integers(0, len(text)))
    kinds = ["insert", "delete line", "double line", "shift line", "cut", "syntax"]
    how = draw(st.sampled_from(kinds if name in STORY else [*kinds, "huge"]))
    value: Any = None
    if how == "insert":
        value = draw(ODD_TEXT)
        text = text[:at] + value + text[at:]
    elif how == "delete line":
        text = "\n".join(lines[:line] + lines[line + 1:])
    elif how == "double line":
        text = "\n".join(lines[:line + 1] + lines[line:])
    elif how == "shift line":
        value = lines[line] = draw(st.sampled_from(["  ", "    ", "\t", "#", "## ", "- ", "1. "])) \
            + lines[line].lstrip(draw(st.sampled_from(["", " ", "#", "-"])))
        text = "\n".join(lines)
    elif how == "cut":
        text = text[:at]
    elif how == "syntax":
        value = draw(st.sampled_from(list(":[]{}-#*>|&!%@`'\"\t")))
        text = text[:at] + value + text[at + 1:]
    else:
        value = str(draw(HUGE))
        text = text[:at] + value + text[at:]
    return Mutation(f"{name}: {how} at line {line + 1} / char {at} {_short(value)}",
                    {**BASE, name: text})


@st.composite
def file_mutation(draw: st.DrawFn) -> Mutation:
    """A source deleted, emptied, not UTF-8, with a byte-order mark; a file nobody listed."""
    name = draw(st.sampled_from(sorted(BASE)))
    how = draw(st.sampled_from(["delete", "empty", "blank", "not utf-8", "binary", "bom",
                                "unlisted sheet", "unlisted part", "notes", "crlf"]))
    files = dict(BASE)
    if how == "delete":
        del files[name]
    elif how == "empty":
        files[name] = ""
    elif how == "blank":
        files[name] = " \n\t\n"
    elif how == "not utf-8":
        files[name] = str(BASE[name]).encode("latin-1", "replace")
    elif how == "binary":
        files[name] = draw(st.binary(min_size=1, max_size=512))
        how += f" {_short(files[name])}"
    elif how == "bom":
        files[name] = "\ufeff" + str(BASE[name])
    elif how == "crlf":
        files[name] = str(BASE[name]).replace("\n", "\r\n")
    elif how == "unlisted sheet":
        files["fiches/oubliee.yml"] = BASE["fiches/suivi.yml"]
    elif how == "unlisted part":
        files["recit/soir.md"] = BASE["recit/nuit.md"]
    else:
        files["fiches/notes.txt"] = "À relire\x00 avant la séance."  # not a source: ignored
    return Mutation(f"{name}: {how}", files)


@st.composite
def story_mutation(draw: st.DrawFn) -> Mutation:
    """A story part with an empty scene, a heading at the wrong level, no questions, no
    title, or Markdown the kit does not allow."""
    name = draw(st.sampled_from(STORY))
    text = str(BASE[name])
    headings = [i for i, line in enumerate(text.split("\n")) if line.startswith("#")]
    lines = text.split("\n")
    how = draw(st.sampled_from(["empty scene", "heading level", "no questions", "append"]))
    if how == "empty scene":
        start = draw(st.sampled_from(headings[1:-1]))
        end = next(i for i in headings if i > start)
        lines[start + 1:end] = [""]
    elif how == "heading level":
        index = draw(st.sampled_from(headings))
        lines[index] = draw(st.sampled_from(["#", "##", "###", "####", ""])) + " " + \
            lines[index].lstrip("#").strip()
    elif how == "no questions":
        lines = [line for line in lines if not line[:2].rstrip(".").isdigit()]
    else:
        block = draw(st.sampled_from([
            "> Une citation.", "```\ncode\n```", "    code indenté", "<b>HTML</b>",
            "Texte <span>HTML</span>.", "![image](photo.png)", "- a\n  - b", "---",
            "| a | b |\n| - | - |\n| 1 | 2 |", "[lien](javascript:alert(1))", "**Nom** :",
            "**** : rien", "Un paragraphe[^1].\n\n[^1]: note", "# Un second titre",
            "## \u200b", "## —", "## 😀", "Texte\\\nà la ligne."]))
        index = draw(st.integers(1, len(lines)))
        lines[index:index] = ["", block, ""]
        how += f" {block!r} at line {index + 1}"
    return Mutation(f"{name}: {how}", {**BASE, name: "\n".join(lines)})


MUTATIONS = st.one_of(yaml_tree_mutation(), reference_mutation(), text_mutation(),
                      file_mutation(), story_mutation())


# --- The kit as a library --------------------------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MUTATIONS)
def test_a_mutated_kit_builds_or_names_the_file_at_fault(warm: Warm, mutation: Mutation) -> None:
    with project() as root:
        outcome = build_or_report(root, mutation.files, warm.cache)
    # Shown by --hypothesis-show-statistics: how many cases of each file built or failed.
    event(f"{mutation.what.split(':')[0]}: "
          f"{'built' if isinstance(outcome, BuildResult) else 'KitError'}")


SCENE_ONE = ("1.wav", "1.WAV", "01.flac", "1.mp3", "1.ogg")


@st.composite
def clip_mutation(draw: st.DrawFn) -> tuple[str, Any]:
    """A file in audio/nuit/ (the night has one scene): junk, a recording cut short or with a
    damaged header, a whole one, under a good or a strange name."""
    name = draw(st.sampled_from([
        *SCENE_ONE, "0.wav", "2.wav", "x.ogg", "1.txt",
        ".1.wav", "1 .wav", "².wav", "١.wav", "1.wav.txt", "\u202e1.wav", "😀.mp3"]))
    extension = draw(st.sampled_from(["wav", "flac", "mp3", "ogg"]))
    return name, draw(st.one_of(
        st.binary(max_size=2048),
        st.text(max_size=100),
        st.floats(0, 0.97).map(lambda cut: ("cut", extension, cut)),
        st.tuples(st.integers(0, 63), st.integers(0, 255)).map(lambda b: ("byte", extension, b)),
        st.just(("whole", extension, None)),
    ))


def _clip_bytes(content: Any, clips: dict[str, bytes]) -> bytes | str:
    if not isinstance(content, tuple):
        return content
    how, extension, arg = content
    data = clips[extension]
    if how == "cut":
        return data[:int(len(data) * arg)]
    if how == "byte":
        offset, value = arg
        return data[:offset] + bytes([value]) + data[offset + 1:]
    return data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clip_mutation())
def test_a_recording_builds_or_is_named(warm: Warm, clip: tuple[str, Any]) -> None:
    name, content = clip
    with project() as root:
        path = root / "audio" / "nuit" / name
        path.parent.mkdir(parents=True)
        data = _clip_bytes(content, warm.clips)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
        outcome = build_or_report(root, BASE, warm.cache)
    if isinstance(outcome, KitError):  # the clip, and only the clip, is at fault
        assert {str(p.file) for p in outcome.problems} == {f"audio/nuit/{name}"}, str(outcome)
    elif name in SCENE_ONE and isinstance(content, tuple) and content[0] == "whole":
        # A good recording voices its scene.
        assert f"enregistrement audio/nuit/{name}\u00a0: scène 1" in outcome.narration[1]
    event("built" if isinstance(outcome, BuildResult) else "KitError")


def test_cut_and_junk_clips_of_every_format_are_named(warm: Warm, tmp_path: Path) -> None:
    """The cases the property above may or may not draw, each once: every format cut in half,
    and a text file under an audio name."""
    for extension, data in [*((e, d[:len(d) // 2]) for e, d in warm.clips.items()),
                            ("wav", b"pas du son")]:
        clip = tmp_path / "audio" / "nuit" / f"1.{extension}"
        shutil.rmtree(clip.parent, ignore_errors=True)
        clip.parent.mkdir(parents=True)
        clip.write_bytes(data)
        outcome = build_or_report(tmp_path, BASE, warm.cache)
        assert isinstance(outcome, KitError), extension
        assert [str(p.file) for p in outcome.problems] == [f"audio/nuit/1.{extension}"]


def test_odd_unicode_the_editor_cannot_see_is_named_with_its_line(tmp_path: Path) -> None:
    """Found by the property above: these ended in a traceback from PyYAML or python-docx."""
    cases = {  # file: (text replaced, by what, line)
        "fiches/regles.yml": ("purpose: Poser", "purpose: Po\x00ser", 2),  # raw: PyYAML refuses
        "tableau.yml": ("intro: Six étapes, de la décision au suivi.",
                        'intro: "Six \\x1b étapes"', 2),  # escaped: it reached python-docx
        "guide.md": ("Un premier", "Un\x0c premier", 9),
        "recit/nuit.md": ("deux personnes", "deux\ufffe personnes", 5),
    }
    for name, (old, new, line) in cases.items():
        with pytest.raises(KitError) as raised:
            build_kit(write(tmp_path, _broken(name, old, new)), tmp_path / "cache")
        (problem,) = raised.value.problems
        assert (str(problem.file), problem.line) == (f"kit/{name}", line)
        assert "caractère invisible interdit" in problem.message


def test_a_byte_order_mark_is_no_mistake(tmp_path: Path) -> None:
    files = {name: "\ufeff" + str(text) for name, text in BASE.items()}
    kit = build_kit(write(tmp_path, files), tmp_path / "cache").kit
    assert kit.guide.title == "Guide de démarrage"


# --- Through the command line ----------------------------------------------------------------


def _broken(name: str, old: str, new: str) -> Files:
    assert old in str(BASE[name])
    return {**BASE, name: str(BASE[name]).replace(old, new, 1)}


CLI_CASES = {
    "control character": ("check", _broken("fiches/regles.yml", "Poser", "Po\x00ser"), {},
                           "kit/fiches/regles.yml:2"),
    "reference too long for the disk": ("check", _broken("kit.yml", "guide: guide.md",
                                                         "guide: " + "a" * 300 + ".md"), {},
                                        "kit/kit.yml:5"),
    "zip name with a folder": ("build", _broken("kit.yml", "kit-test.zip", "kits/kit.zip"), {},
                               "kit/kit.yml:4"),
    "clip that is not audio": ("build", BASE, {"nuit/1.wav": b"RIFF\x00\x00pas du son"},
                               "audio/nuit/1.wav"),
}


@pytest.mark.parametrize("case", CLI_CASES, ids=list(CLI_CASES))
def test_the_command_line_fails_with_the_file_and_keeps_the_output(warm: Warm, tmp_path: Path,
                                                                   case: str) -> None:
    command, files, clips, named = CLI_CASES[case]
    kit = write(tmp_path, files)
    for name, data in clips.items():
        (tmp_path / "audio" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "audio" / name).write_bytes(data)
    out = tmp_path / "out"
    (out / "fichiers").mkdir(parents=True)
    (out / "fichiers" / "kit-test.zip").write_bytes(b"the previous build")
    (out / ".kitbuilder-output").write_text("a previous build's mark")  # so, replaceable
    args = ["build", "--out", str(out), "--cache", str(warm.cache)] if command == "build" \
        else ["check"]
    run = subprocess.run([sys.executable, "-m", "kitbuilder.cli", "--kit", str(kit), *args],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert named in run.stderr and "rien n’a été construit" in run.stderr, run.stderr
    assert _snapshot(out) == {"fichiers": None, "fichiers/kit-test.zip": b"the previous build",
                              ".kitbuilder-output": b"a previous build's mark"}


# --- Through MkDocs --------------------------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file's bytes and every folder (None), by path."""
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None
            for p in sorted(folder.rglob("*"))}


def test_a_failed_mkdocs_build_leaves_the_previous_site_byte_for_byte(warm: Warm,
                                                                      tmp_path: Path) -> None:
    write(tmp_path, BASE)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Accueil\n\n[Le kit](kit/index.md)\n")
    config = MKDOCS_YML.replace("  - kit\n", f"  - kit:\n      cache_dir: {warm.cache}\n")
    (tmp_path / "mkdocs.yml").write_text(config)
    first = mkdocs(tmp_path)
    assert first.returncode == 0, first.stderr
    site = tmp_path / "site"
    before = _snapshot(site)
    assert "kit/fichiers/kit-test.zip" in before and "kit/recit/nuit/index.html" in before

    clip = tmp_path / "audio" / "nuit" / "1.mp3"
    # Stopped while the sources are read, then while the audio is made.
    for files, clip_data, named in (
            (_broken("tableau.yml", "Six étapes", "Six\x1b[31m étapes"), None,
             "kit/tableau.yml:2"),
            (BASE, warm.clips["mp3"][:len(warm.clips["mp3"]) // 2], "audio/nuit/1.mp3")):
        write(tmp_path, files)
        if clip_data:
            clip.parent.mkdir(parents=True)
            clip.write_bytes(clip_data)
        run = mkdocs(tmp_path)
        assert run.returncode == 1, run.stderr
        assert named in run.stderr and "Traceback" not in run.stderr, run.stderr
        assert _snapshot(site) == before
