"""Read a YAML source into checked model objects, reporting mistakes with their line."""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import pydantic
import yaml

from kitbuilder import yamlmistakes
from kitbuilder.errors import KitError, Problem
from kitbuilder.model import PATTERN_HINTS

T = TypeVar("T")
Loc = tuple[Any, ...]
# The largest source file read, in bytes. The kit's longest text is some 20 kB: a file a
# hundred times larger is a mistake (or an attack on the build), told before it is read.
MAX_SOURCE_BYTES = 2 * 1024 * 1024


def read_source(path: Path, shown: Path, encoding: str = "utf-8") -> str:
    """The text of one source file, refused when too large or not UTF-8."""
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        raise KitError([Problem(shown, None, f"fichier trop gros ({size / 1e6:.1f} Mo ; au plus "
                                             f"{MAX_SOURCE_BYTES / 1e6:.0f} Mo) : est-ce bien "
                                             "un texte du kit ?")])
    with path.open("rb") as source:  # what is read, not what stat said, is bounded
        raw = source.read(MAX_SOURCE_BYTES + 1)
    if len(raw) > MAX_SOURCE_BYTES:
        raise KitError([Problem(shown, None, "fichier trop gros : est-ce bien un texte du kit ?")])
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise KitError([Problem(shown, None, f"le fichier n'est pas en UTF-8 ({exc.reason})")])


def leaves_kit(kit_dir: Path, rel: str) -> str | None:
    """Why the path `rel`, named in the manifest, leads out of the kit's folder (whose text
    would then be published), or None when it stays inside: no absolute path, no « .. », no
    symbolic link to elsewhere."""
    if Path(rel).is_absolute() or rel.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", rel):
        return "un chemin absolu n'est pas permis"
    if ".." in re.split(r"[/\\]", rel):
        return "« .. » sort du dossier du kit"
    try:
        inside = (kit_dir / rel).resolve().is_relative_to(kit_dir.resolve())
    except (OSError, RuntimeError):  # a loop of links, a name the system refuses
        return "ce chemin ne peut pas être suivi"
    return None if inside else "un lien symbolique mène hors du dossier du kit"


class _AliasRefused(Exception):
    def __init__(self, mark: Any, what: str) -> None:
        super().__init__(what)
        self.mark = mark
        self.what = what


class _Loader(yaml.SafeLoader):
    """YAML without anchors and aliases (« &nom », « *nom »): the kit never needs them, and a
    few hundred bytes of nested aliases expand to billions of values (a « billion laughs »)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML's loader has no hints
        if isinstance(event, yaml.AliasEvent):
            raise _AliasRefused(event.start_mark, f"alias « *{event.anchor} »")
        if getattr(event, "anchor", None) is not None:
            raise _AliasRefused(event.start_mark, f"ancre « &{event.anchor} »")
        return super().compose_node(parent, index)


def read_yaml(path: Path, shown: Path) -> tuple[Any, dict[Loc, int]]:
    """Parse one YAML file; return its data and the line of every key and list item."""
    text = read_source(path, shown)
    try:
        # Parsed once: the data is made from the nodes that give the lines, as yaml.safe_load
        # makes it (it composes, then constructs); parsing twice cost as much again.
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except _AliasRefused as exc:
        raise KitError([Problem(shown, exc.mark.line + 1, f"YAML : {exc.what} refusé(e) ; les "
                                "ancres et les alias ne sont pas permis dans le kit, écrivez "
                                "le texte en entier (un « * » ou un « & » en début de texte "
                                "se met entre guillemets)")]) from None
    except yaml.MarkedYAMLError as exc:
        line, what = yamlmistakes.explain(exc, text)
        raise KitError([Problem(shown, line, what)]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML refuses: a position, no mark
        line = text.count("\n", 0, exc.position) + 1
        raise KitError([forbidden_character(shown, line, chr(exc.character))]) from None
    except RecursionError:
        raise KitError([Problem(shown, None, "YAML invalide : listes ou paires imbriquées "
                                             "trop profondément")]) from None
    lines: dict[Loc, int] = {}
    problems: list[Problem] = []
    if node is not None:
        _index(node, (), lines, problems, shown)
    if problems:
        raise KitError(problems)
    return data, lines


def forbidden_character(shown: Path, line: int | None, character: str) -> Problem:
    """A control or other invisible character where text is expected."""
    return Problem(shown, line, f"caractère invisible interdit (U+{ord(character):04X}), "
                                "sans doute venu d'un copier-coller : supprimez-le")


def _index(node: yaml.Node, loc: Loc, lines: dict[Loc, int], problems: list[Problem],
           shown: Path) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                problems.append(Problem(shown, key.start_mark.line + 1,
                                        f"la clé « {key.value} » apparaît deux fois"))
            seen.add(key.value)
            _index(value, (*loc, key.value), lines, problems, shown)
            lines[(*loc, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*loc, i), lines, problems, shown)


def validate(cls: type[T], data: Any, lines: dict[Loc, int], shown: Path) -> T:
    """Check data against a model dataclass; raise KitError listing every mismatch."""
    if data is None:
        raise KitError([Problem(shown, None, "le fichier est vide")])
    try:
        return pydantic.TypeAdapter(cls).validate_python(data)
    except pydantic.ValidationError as exc:
        errors = _without_misspelt(exc.errors())
        raise KitError([_problem(cls, err, data, lines, shown) for err in errors]) from None


def _without_misspelt(errors: list[Any]) -> list[Any]:
    """Drop « missing title » when an unknown « titel » beside it already explains it."""
    unknown = {(e["loc"][:-1], e["loc"][-1]) for e in errors
               if e["type"] in ("unexpected_keyword_argument", "extra_forbidden")}

    def explained(err: Any) -> bool:
        parent, name = err["loc"][:-1], str(err["loc"][-1])
        return any(p == parent and difflib.get_close_matches(str(k), [name], n=1)
                   for p, k in unknown)

    return [e for e in errors if not (e["type"] in ("missing", "missing_argument")
                                      and explained(e))]


def _problem(cls: type, err: Any, data: Any, lines: dict[Loc, int], shown: Path) -> Problem:
    loc = _data_loc(err["loc"], data)
    line = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), None)
    return Problem(shown, line, _message(cls, err, loc))


def _data_loc(loc: Loc, data: Any) -> Loc:
    """Drop the union tags pydantic inserts in a location, keeping only real YAML keys."""
    out: list[Any] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node
                or isinstance(node, list) and isinstance(part, int) and part < len(node)):
            node = node[part]
        elif isinstance(node, dict) and node.get("kind") == part:
            continue  # the tag of a discriminated union, not a key
        else:
            node = None
        out.append(part)
    return tuple(out)


def _message(cls: type, err: Any, loc: Loc) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    name = loc[-1] if loc else None
    at = f"{_path(cls, loc)} : " if loc else ""
    if kind in ("missing", "missing_argument"):
        within = f"{_path(cls, loc[:-1])} : " if loc[:-1] else ""
        return f"{within}il manque la clé obligatoire « {name} »"
    if kind in ("unexpected_keyword_argument", "extra_forbidden"):
        valid = _keys_at(cls, err["loc"][:-1])
        close = difflib.get_close_matches(str(name), valid, n=1)
        hint = f" ; vouliez-vous dire « {close[0]} » ?" if close else (
            f" ; clés possibles : {', '.join(valid)}" if valid else "")
        return f"clé inconnue « {name} »{hint}"
    if kind == "union_tag_invalid":
        tags = ctx.get("expected_tags", "").replace("'", "")
        close = difflib.get_close_matches(str(ctx.get("tag")), tags.split(", "), n=1)
        hint = f" ; vouliez-vous dire « {close[0]} » ?" if close else ""
        return f"{at}type « {ctx.get('tag')} » inconnu, attendu l'un de : {tags}{hint}"
    if kind == "union_tag_not_found":
        return f"{at}il manque la clé obligatoire « kind » (lines, box, table ou checklist)"
    if kind == "too_short":
        return f"{at}ne doit pas être vide (au moins {ctx.get('min_length', 1)} attendu)"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in PATTERN_HINTS:
        return f"{at}{PATTERN_HINTS[ctx['pattern']]}, trouvé {_shown(err.get('input'))}"
    expected = _EXPECTED.get(kind)
    if expected:
        return f"{at}{expected}, trouvé {_shown(err.get('input'))}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{at}doit être au moins {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"{at}doit être au plus {ctx.get('le', ctx.get('lt'))}"
    return f"{at}{err['msg']}"


_DATE = "date attendue, écrite 2026-03-14"
_DATETIME = "date et heure attendues, écrites 2026-03-14 18:30"
_EXPECTED = {
    "date_type": _DATE, "date_parsing": _DATE, "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "datetime_type": _DATETIME, "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "string_type": "texte attendu",
    "int_type": "nombre entier attendu",
    "int_parsing": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "float_type": "nombre attendu",
    "float_parsing": "nombre attendu",
    "bool_type": "oui ou non attendu (true ou false)",
    "tuple_type": "liste attendue (lignes commençant par « - »)",
    "list_type": "liste attendue (lignes commençant par « - »)",
    "dataclass_type": "des paires « clé : valeur » attendues",
    "dataclass_exact_type": "des paires « clé : valeur » attendues",
    "dict_type": "des paires « clé : valeur » attendues",
    "model_type": "des paires « clé : valeur » attendues",
    "model_attributes_type": "des paires « clé : valeur » attendues",
}


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "des paires clé : valeur"
    if isinstance(value, list):
        return "une liste"
    text = repr(value) if not isinstance(value, str) else f"« {value} »"
    return text if len(text) < 60 else text[:57] + "…"


# A list's items in words (« 3e champ de la fiche »), by the list's key: (noun, feminine).
_ITEMS = {"fields": ("champ", False), "instructions": ("consigne", True),
          "items": ("élément de la liste", False), "columns": ("colonne", True),
          "steps": ("étape", True), "events": ("rendez-vous", False),
          "team": ("membre de l'équipe", False), "partners": ("partenaire", False),
          "sheets": ("fiche de la liste", True), "parts": ("partie du récit", True)}
_WITHIN = {"Sheet": "de la fiche", "SummaryTable": "du tableau", "Agenda": "de l'agenda"}


def _path(cls: type, loc: Loc) -> str:
    """Where in the file, as the editor counts: « 3e champ de la fiche, « count » »."""
    words: list[str] = []
    for n, part in enumerate(loc):
        if isinstance(part, int):
            key = loc[n - 1] if n else None
            noun, feminine = _ITEMS.get(str(key), (f"élément de « {key} »", False))
            rank = "1re" if part == 0 and feminine else "1er" if part == 0 else f"{part + 1}e"
            within = f" {_WITHIN[cls.__name__]}" if n == 1 and cls.__name__ in _WITHIN else ""
            if words and words[-1] == f"« {key} »":
                words.pop()
            words.append(f"{rank} {noun}{within}")
        else:
            words.append(f"« {part} »")
    return ", ".join(words)


def _keys_at(cls: Any, loc: Loc) -> list[str]:
    """The keys valid in the mapping found at loc, for « did you mean » hints."""
    for part in loc:
        cls = _unwrap(cls)
        if dataclasses.is_dataclass(cls) and isinstance(part, str):
            cls = typing.get_type_hints(cls).get(part)
        elif typing.get_origin(cls) is tuple and isinstance(part, int):
            cls = typing.get_args(cls)[0]
        elif typing.get_origin(cls) in (typing.Union, types.UnionType):  # Union[A, B], A | B
            cls = next((m for m in typing.get_args(cls)
                        if "kind" in getattr(m, "__dataclass_fields__", {})
                        and part in typing.get_args(typing.get_type_hints(m)["kind"])), None)
    cls = _unwrap(cls)
    if cls is None or not dataclasses.is_dataclass(cls):
        return []
    return [f.name for f in dataclasses.fields(cls) if f.name != "slug"]


def _unwrap(cls: Any) -> Any:
    while typing.get_origin(cls) is typing.Annotated:
        cls = typing.get_args(cls)[0]
    return cls
