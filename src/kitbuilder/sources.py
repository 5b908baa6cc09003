"""The only code that reads the kit's files: `kit/` in, a checked `Kit` out (or KitError)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from kitbuilder import markdown_blocks as mdb
from kitbuilder import sources_edition, story_source
from kitbuilder.errors import KitError, Problem
from kitbuilder.model import (
    Block,
    Cast,
    Document,
    Guide,
    Heading,
    Kit,
    Licence,
    Manifest,
    Sheet,
    Story,
    StoryPart,
    SummaryTable,
    TableField,
)
from kitbuilder.typography import typeset_all
from kitbuilder.voices import read_voices
from kitbuilder.yamlsource import Loc, forbidden_character, leaves_kit, read_source, validate
from kitbuilder.yamlsource import read_yaml as _parse_yaml

MANIFEST = "kit.yml"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The name of the downloadable zip: a plain file name the request server agrees to serve.
_BUNDLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,195}\.zip$")
# Characters a Word document (XML 1.0) cannot hold: control characters other than tab and line
# breaks, lone surrogates, U+FFFE and U+FFFF. Invisible in an editor, they would otherwise stop
# the build inside python-docx with no file or line.
_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

T = TypeVar("T")


def load_kit(kit_dir: Path) -> Kit:
    """Read and check every source of the kit; raise KitError listing all problems found."""
    kit_dir = Path(kit_dir)
    shown_base = kit_dir.resolve().parent
    problems: list[Problem] = []

    def shown(path: Path) -> Path:
        try:
            return path.resolve().relative_to(shown_base)
        except ValueError:
            return path

    manifest_path = kit_dir / MANIFEST
    if leaves_kit(kit_dir, MANIFEST):
        raise KitError([Problem(shown(manifest_path), None, "le manifeste est un lien vers un "
                                "fichier hors du dossier du kit : copiez-le dans le kit")])
    if not manifest_path.is_file():
        raise KitError([Problem(shown(manifest_path), None,
                                "manifeste du kit introuvable (il liste les documents du kit)")])
    data, lines = read_yaml(manifest_path, shown(manifest_path))
    manifest = validate(Manifest, data, lines, shown(manifest_path))
    if not _BUNDLE.match(manifest.bundle):
        problems.append(Problem(shown(manifest_path), lines.get(("bundle",)),
                                f"« bundle » : « {manifest.bundle} » n'est pas un nom de zip "
                                "utilisable ; écrivez un nom de fichier sans dossier, sans "
                                "espace ni accent, qui finit par .zip"))

    def source(loc: tuple[Any, ...], rel: str, reader: Callable[[Path, Path], T]) -> T | None:
        """Read one file named by the manifest, collecting problems instead of stopping."""
        path = kit_dir / rel
        outside = leaves_kit(kit_dir, rel)
        if outside:
            problems.append(Problem(shown(manifest_path), lines.get(loc),
                                    f"« {rel} » : {outside} ; rangez le fichier dans le "
                                    "dossier du kit et donnez son chemin depuis ce dossier "
                                    "(par exemple fiches/regles.yml)"))
            return None
        try:
            found = path.is_file()
        except OSError:  # a name the system refuses, e.g. too long
            found = False
        if not found:
            problems.append(Problem(shown(manifest_path), lines.get(loc),
                                    f"fichier introuvable : {shown(path)}"))
            return None
        try:
            return reader(path, shown(path))
        except KitError as exc:
            problems.extend(exc.problems)
            return None

    guide = source(("guide",), manifest.guide, _read_guide)
    table = source(("table",), manifest.table, _read_yaml_as(SummaryTable))
    sheets = [source(("sheets", i), rel, _read_sheet) for i, rel in enumerate(manifest.sheets)]
    documents: list[Document | None] = [
        None if rel.endswith((".yml", ".yaml")) else source(("documents", i), rel,
                                                             _read_document)
        for i, rel in enumerate(manifest.documents)]
    intro = _intro(manifest.intro, lines.get(("intro",)), shown(manifest_path), problems)
    parts = [source(("story", "parts", i), rel, _read_part(i + 1))
             for i, rel in enumerate(manifest.story.parts)]
    lexicon = (source(("lexicon",), manifest.lexicon, _read_lexicon)
               if manifest.lexicon else ())
    cast = (source(("voices",), manifest.voices,
                   lambda path, where: read_voices(path, where, Story("", _read(parts))))
            if manifest.voices and all(parts) else None)
    problems += _unlisted(kit_dir, manifest, shown)
    problems += sources_edition.check_manifest_phases(manifest, lines, shown(manifest_path))
    problems += sources_edition.check_phases(
        manifest.phases, table, kit_dir / manifest.table,
        [(sheet, kit_dir / rel) for sheet, rel in zip(sheets, manifest.sheets)], shown)
    try:
        edition, glossary = sources_edition.edition(manifest, kit_dir, lines,
                                                    shown(manifest_path), shown)
    except KitError as exc:
        problems.extend(exc.problems)
    else:
        # The glossary listed among the tools: the same source as the last page's acronyms.
        documents = [sources_edition.glossary_document(glossary, Path(rel).stem)
                     if glossary and _is_glossary(rel, manifest) else document
                     for document, rel in zip(documents, manifest.documents)]
    problems += _yaml_documents(manifest, lines, shown(manifest_path))
    _check_unique(sheets, manifest.sheets, ("sheets",), "fiche", lines,
                  shown(manifest_path), problems)
    _check_unique(documents, manifest.documents, ("documents",), "document", lines,
                  shown(manifest_path), problems)
    _check_unique(parts, manifest.story.parts, ("story", "parts"), "partie du récit", lines,
                  shown(manifest_path), problems)
    if problems:
        raise KitError(problems)
    assert guide is not None and table is not None  # a source not read is a problem above
    kit = Kit(
        title=manifest.title, subtitle=manifest.subtitle, publisher=manifest.publisher,
        bundle=manifest.bundle, guide=guide, table=table, sheets=_read(sheets),
        story=Story(manifest.story.title, _read(parts)), lexicon=lexicon or (),
        intro=intro, documents=_read(documents),
        cast=cast or Cast(), phases=manifest.phases, edition=edition,
    )
    return typeset_all(kit)


def _is_glossary(rel: str, manifest: Manifest) -> bool:
    return bool(manifest.glossary) and Path(rel) == Path(str(manifest.glossary))


def _yaml_documents(manifest: Manifest, lines: dict[Loc, int], shown: Path) -> list[Problem]:
    """A tool is Markdown; the one YAML file `documents` may list is the glossary."""
    return [Problem(shown, lines.get(("documents", i)),
                    f"« {rel} » : un outil s'écrit en Markdown (fichier .md) ; le seul "
                    "fichier .yml que « documents » peut lister est le glossaire, celui que "
                    "nomme « glossary »")
            for i, rel in enumerate(manifest.documents)
            if rel.endswith((".yml", ".yaml")) and not _is_glossary(rel, manifest)] + [
        Problem(shown, lines.get(("documents", i)), f"« {rel} » : le nom du fichier est "
                "l'adresse de l'outil ; utilisez des minuscules sans accents, des chiffres et "
                "des tirets")
        for i, rel in enumerate(manifest.documents)
        if _is_glossary(rel, manifest) and not _SLUG.match(Path(rel).stem)]


def _unlisted(kit_dir: Path, manifest: Manifest, shown: Callable[[Path], Path]) -> list[Problem]:
    """A sheet or story file left out of the manifest would silently miss from the kit."""
    listed = {(kit_dir / rel).resolve()
              for rel in (*manifest.sheets, *manifest.documents, *manifest.story.parts,
                          *([manifest.glossary] if manifest.glossary else []))
              if not leaves_kit(kit_dir, rel)}  # those outside are reported already
    folders = {path.parent for path in listed}
    found = {path.resolve() for folder in folders for pattern in ("*.yml", "*.md")
             for path in folder.glob(pattern)} - {(kit_dir / MANIFEST).resolve()}
    return [Problem(shown(path), None, f"ce fichier n'est pas listé dans {MANIFEST} : "
                                       "ajoutez-le (sheets, documents ou story > parts) "
                                       "ou supprimez-le")
            for path in sorted(found - listed)
            if path.parent != kit_dir.resolve()]


def _read(items: list[T | None]) -> tuple[T, ...]:
    """The sources read, once none is missing (each one not read is a problem reported)."""
    return tuple(item for item in items if item is not None)


def _check_unique(items: list[Any], rels: tuple[str, ...], loc: tuple[Any, ...], what: str,
                  lines: dict[Loc, int], manifest: Path, problems: list[Problem]) -> None:
    seen: set[str] = set()
    for i, (item, rel) in enumerate(zip(items, rels)):
        if item is None:
            continue  # already reported
        if item.slug in seen:
            problems.append(Problem(manifest, lines.get((*loc, i)),
                                    f"{what} en double : {rel} (deux fichiers du même nom)"))
        seen.add(item.slug)


def _slug(path: Path, shown: Path) -> str:
    if not _SLUG.match(path.stem):
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
            found = _FORBIDDEN.search(text) if isinstance(text, str) else None
            if found:
                problems.append(forbidden_character(shown, lines.get((*loc, key), lines.get(loc)),
                                                    found[0]))
        _check_characters(value, (*loc, key), lines, shown, problems)


def _read_yaml_as(cls: type[T]) -> Callable[[Path, Path], T]:
    def read(path: Path, shown: Path) -> T:
        data, lines = read_yaml(path, shown)
        return validate(cls, data, lines, shown)
    return read


def _read_sheet(path: Path, shown: Path) -> Sheet:
    data, lines = read_yaml(path, shown)
    slug = _slug(path, shown)
    if isinstance(data, dict):
        if "slug" in data:
            raise KitError([Problem(shown, lines.get(("slug",)), "clé inconnue « slug » : "
                                    "l'adresse d'une fiche vient du nom de son fichier")])
        data = {"slug": slug, **data}
        _old_line_counts(data, lines, shown)
    sheet = validate(Sheet, data, lines, shown)
    empty = [Problem(shown, lines.get(("fields", i, "rows"), lines.get(("fields", i))),
                     f"« rows » du tableau « {field.label} » : doit être au moins 1 quand le "
                     "tableau n'a pas d'« items » (lignes dont la première case est écrite)")
             for i, field in enumerate(sheet.fields)
             if isinstance(field, TableField) and not field.rows and not field.items]
    if empty:
        raise KitError(empty)
    return sheet


def _old_line_counts(data: dict[str, Any], lines: dict[Loc, int], shown: Path) -> None:
    """`count`, the former name of a lines field's `lines`, is still read (sheets written
    before the rename keep working); both at once is an error."""
    fields = data.get("fields")
    for i, field in enumerate(fields if isinstance(fields, list) else ()):
        if not (isinstance(field, dict) and field.get("kind") == "lines" and "count" in field):
            continue
        if "lines" in field:
            raise KitError([Problem(shown, lines.get(("fields", i, "count")),
                                    "« count » et « lines » disent la même chose (le nombre de "
                                    "lignes) : gardez seulement « lines »")])
        field["lines"] = field.pop("count")
        if ("fields", i, "count") in lines:
            lines[("fields", i, "lines")] = lines[("fields", i, "count")]


def _read_lexicon(path: Path, shown: Path) -> tuple[tuple[str, str], ...]:
    data, lines = read_yaml(path, shown)
    entries = validate(dict[str, str], data, lines, shown)
    blank = [Problem(shown, lines.get((key,)), "mot vide : écrivez le mot à prononcer avant "
                                               "« : »") for key in entries if not key.strip()]
    if blank:
        raise KitError(blank)
    # Longest first, so that « 24 h » is replaced before « h ».
    return tuple(sorted(entries.items(), key=lambda kv: (-len(kv[0]), kv[0])))


def _read_markdown(path: Path, shown: Path) -> list[mdb.Located]:
    try:
        # utf-8-sig: a byte-order mark, which some Windows editors write, is no part of the title.
        text = read_source(path, shown, encoding="utf-8-sig")
    except OSError as exc:
        raise KitError([Problem(shown, None, f"fichier illisible ({exc.strerror})")]) from None
    found = _FORBIDDEN.search(text)
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


def _read_guide(path: Path, shown: Path) -> Guide:
    blocks = _read_markdown(path, shown)
    if len(blocks) < 2:
        raise KitError([Problem(shown, blocks[0].line, "le guide n'a pas de texte après son titre")])
    return Guide(_heading(blocks[0]), tuple(b.block for b in blocks[1:]))


def _read_document(path: Path, shown: Path) -> Document:
    slug = _slug(path, shown)
    blocks = _read_markdown(path, shown)
    if len(blocks) < 2:
        raise KitError([Problem(shown, blocks[0].line, "le document n'a pas de texte après son "
                                                       "titre")])
    return Document(slug, _heading(blocks[0]), tuple(b.block for b in blocks[1:]))


def _heading(located: mdb.Located) -> str:
    """The text of a file's title (_read_markdown checked that it is a heading)."""
    return located.block.text if isinstance(located.block, Heading) else ""


def _intro(text: str, key_line: int | None, shown: Path,
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


def _read_part(number: int) -> Callable[[Path, Path], StoryPart]:
    def read(path: Path, shown: Path) -> StoryPart:
        return story_source.part(number, _slug(path, shown), _read_markdown(path, shown), shown)
    return read


def read_licence(kit_dir: Path, root: Path) -> Licence | None:
    """The kit's licence from its manifest alone (the site's legal notice states it), typeset;
    None when the kit names none. A mistake in the manifest is a KitError."""
    path = Path(kit_dir) / MANIFEST
    shown = path.resolve().relative_to(root.resolve()) if path.resolve().is_relative_to(
        root.resolve()) else path
    data, lines = _parse_yaml(path, shown)
    manifest = validate(Manifest, data, lines, shown)
    return typeset_all(manifest.licence) if manifest.licence else None
