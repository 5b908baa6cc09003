"""YAML syntax mistakes in the editor's words: what is wrong on which line, and how to fix it.

PyYAML says « expected <block end>, but found '<block mapping start>' » or « mapping values
are not allowed here »: true, but only to someone who knows its grammar. The editor needs to
hear « this line is not aligned with the ones above it » or « put this value in quotes ».
"""

from __future__ import annotations

import re

import yaml

_KEY = re.compile(r"^(\s*)(?:-\s+)?[^\s#:'\"][^:#]*:(?:\s|$)")


def explain(exc: yaml.MarkedYAMLError, text: str) -> tuple[int | None, str]:
    """The line to look at and what to do there, in French."""
    lines = text.splitlines()
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    tab = _first_tab(lines, line)
    if tab is not None:
        return tab, ("une tabulation sert de retrait en début de ligne ; YAML n'accepte que des "
                     "espaces : remplacez-la par des espaces, alignés sur les lignes voisines")
    problem = exc.problem or ""
    context = exc.context or ""
    if "quoted scalar" in context and exc.context_mark is not None:
        return exc.context_mark.line + 1, ("un guillemet ouvert sur cette ligne n'est jamais "
                                           "refermé : ajoutez le guillemet fermant")
    if problem.startswith("mapping values are not allowed"):
        source = lines[line - 1] if line and line <= len(lines) else ""
        key = _KEY.match(source)
        if key and ": " in source[key.end():]:
            return line, ("la valeur contient « : » ; mettez-la entre guillemets, par exemple "
                          "« title: \"Règle : la base\" »")
        return line, ("cette ligne est plus en retrait que la clé au-dessus d'elle, ou la "
                      "valeur précédente se poursuit ici : alignez-la sur les autres clés du "
                      "même niveau, ou mettez la valeur entre guillemets")
    if problem.startswith(("expected <block end>", "did not find expected '-' indicator")) \
            or "block sequence" in context:
        return line, ("cette ligne n'est pas alignée sur celles du même niveau au-dessus : les "
                      "clés d'un même groupe commencent à la même colonne, et chaque élément "
                      "d'une liste commence par « - » à la même colonne que les autres")
    if problem.startswith("could not find expected ':'"):
        return line, ("il manque « : » après une clé, ou un texte continue sur la ligne "
                      "suivante sans être en retrait : écrivez « clé: valeur » sur une ligne, "
                      "ou mettez le texte entre guillemets")
    if "cannot start any token" in problem:
        found = re.search(r"'(.)'", problem)
        char = found[1] if found else "ce caractère"
        return line, (f"une valeur ne peut pas commencer par « {char} » : mettez-la entre "
                      "guillemets")
    if "flow" in context:
        return line, ("une liste entre crochets [ ] ou un groupe entre accolades { } n'est pas "
                      "refermé : refermez-le, ou mettez la valeur entre guillemets si elle "
                      "commence par [ ou {")
    if problem.startswith("found duplicate anchor") or "alias" in problem:
        return line, "« & » ou « * » en début de valeur : mettez la valeur entre guillemets"
    return line, f"la syntaxe YAML n'est pas respectée ici (détail : {problem or context})"


def _first_tab(lines: list[str], upto: int | None) -> int | None:
    """The first line, up to the mistake's, indented with a tab."""
    for number, source in enumerate(lines[: upto or len(lines)], 1):
        indent = source[: len(source) - len(source.lstrip())]
        if "\t" in indent:
            return number
    return None
