"""Reading the kit: `kit/` in, a checked `Kit` out (or KitError listing every problem).

With its helpers below it (`yamlsource`, `markdown_source`, `story_source`, `sources_edition`,
`voices`), the only code that reads the kit's files.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from kitbuilder import markdown_source, sources_edition
from kitbuilder.errors import KitError, Problem
from kitbuilder.model import (
    Cast,
    Document,
    Kit,
    Licence,
    Manifest,
    Sheet,
    Story,
    SummaryTable,
    TableField,
)
from kitbuilder.source_rules import SLUG, file_slug, read_yaml
from kitbuilder.typography import typeset_all
from kitbuilder.voices import read_voices
from kitbuilder.yamlsource import Loc, leaves_kit, validate
from kitbuilder.yamlsource import read_yaml as _parse_yaml

MANIFEST = "kit.yml"
# The name of the downloadable zip: a plain file name the request server agrees to serve.
_BUNDLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,195}\.zip$")
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

    guide = source(("guide",), manifest.guide, markdown_source.read_guide)
    table = source(("table",), manifest.table, _read_yaml_as(SummaryTable))
    sheets = [source(("sheets", i), rel, _read_sheet) for i, rel in enumerate(manifest.sheets)]
    documents: list[Document | None] = [
        None if rel.endswith((".yml", ".yaml")) else source(("documents", i), rel,
                                                             markdown_source.read_document)
        for i, rel in enumerate(manifest.documents)]
    intro = markdown_source.intro(manifest.intro, lines.get(("intro",)), shown(manifest_path),
                                  problems)
    parts = [source(("story", "parts", i), rel, markdown_source.read_part(i + 1))
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
        if _is_glossary(rel, manifest) and not SLUG.match(Path(rel).stem)]


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


def _read_yaml_as(cls: type[T]) -> Callable[[Path, Path], T]:
    def read(path: Path, shown: Path) -> T:
        data, lines = read_yaml(path, shown)
        return validate(cls, data, lines, shown)
    return read


def _read_sheet(path: Path, shown: Path) -> Sheet:
    data, lines = read_yaml(path, shown)
    slug = file_slug(path, shown)
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


def read_licence(kit_dir: Path, root: Path) -> Licence | None:
    """The kit's licence from its manifest alone (the site's legal notice states it), typeset;
    None when the kit names none. A mistake in the manifest is a KitError."""
    path = Path(kit_dir) / MANIFEST
    shown = path.resolve().relative_to(root.resolve()) if path.resolve().is_relative_to(
        root.resolve()) else path
    data, lines = _parse_yaml(path, shown)
    manifest = validate(Manifest, data, lines, shown)
    return typeset_all(manifest.licence) if manifest.licence else None
