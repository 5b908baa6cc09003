"""The code's shape: every module depends only on modules below it, and MkDocs stays a face."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "kitbuilder"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path, known: set[str]) -> set[str]:
    """Every kitbuilder module `path` imports, anywhere in it (at the top, in a function, or
    for type checking only): a circle through any of them is still a circle to a reader."""
    found: set[str] = set()
    own = _module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1 packages
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in known}
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(path, known) - {name} for name, path in modules.items()}


def _circle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the import graph, as the list of its modules, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for child in sorted(graph[node]):
            if state.get(child) == 1:
                return path[path.index(child):] + [child]
            if child not in state and (found := visit(child)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_module_imports_one_that_imports_it_back() -> None:
    circle = _circle(_graph())
    assert circle is None, "import circle: " + " → ".join(circle or [])


def test_the_walk_finds_a_circle_when_there_is_one() -> None:
    graph = _graph()
    graph["kitbuilder.model"] = graph["kitbuilder.model"] | {"kitbuilder.build"}
    assert _circle(graph) is not None
    assert "kitbuilder.render.audio" in graph["kitbuilder.build"]  # the walk sees real imports


@pytest.mark.parametrize("name", sorted(n for n in _modules() if not n.startswith(
    ("kitbuilder.mkdocs", "kitbuilder.server", "kitbuilder.cli"))))
def test_only_the_mkdocs_face_knows_mkdocs(name: str) -> None:
    tree = ast.parse(_modules()[name].read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and not node.level}
    assert not {m for m in imported if m == "mkdocs" or m.startswith("mkdocs.")}, name


def test_the_readme_names_every_module_where_it_describes_the_tree() -> None:
    """« How it is built » in the README is a newcomer's map of the tree: every module (but
    package markers and the database migrations) is named there."""
    readme = (PACKAGE.parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How it is built", 1)[1].split("\n### ", 1)[0]
    named = set(re.findall(r"`([a-z_]+)(?:\.py|/|\.[a-z_]+)?`", section))  # `x`, `x.py`, `x.f`
    modules = {p.stem for p in PACKAGE.rglob("*.py")
               if p.name != "__init__.py" and "migrations" not in p.parts}
    assert sorted(modules - named) == []


def test_no_module_passes_the_300_line_ceiling() -> None:
    """A module past 300 lines is doing two things (issue 17): split it where it does."""
    long = {name: n for name, path in _modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 300}
    assert long == {}
