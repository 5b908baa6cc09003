"""Command-line parsing that speaks French: usage, help and mistakes.

argparse writes its own words in English (« usage: », « options », « the following arguments
are required »); the association's editor and operator read them, so this parser writes them in
French. An option shared by a command and its sub-commands (`--kit`, `--database-url`) may be
given before or after the sub-command: see `shared`.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from kitbuilder.typography import typeset

# argparse's messages (Python 3.11 to 3.13), as regular expressions, and how to say them.
_MESSAGES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"the following arguments are required: (.*)"),
     lambda m: f"il manque {_names(m[1])}"),
    (re.compile(r"unrecognized arguments: (.*)"),
     lambda m: f"ce qui suit n'est pas compris : {m[1]} (voyez --help)"),
    (re.compile(r"argument (\S+): invalid choice: '?([^']*)'? \(choose from (.*)\)"),
     lambda m: f"« {m[2]} » n'existe pas ; possibles : {m[3].replace(chr(39), '')}"),
    (re.compile(r"argument (\S+): expected one argument"),
     lambda m: f"{_names(m[1])} attend une valeur juste après"),
    (re.compile(r"argument (\S+): expected at least one argument"),
     lambda m: f"{_names(m[1])} attend au moins une valeur"),
    (re.compile(r"argument (\S+): invalid (\w+) value: '?([^']*)'?"),
     lambda m: f"{_names(m[1])} : « {m[3]} » n'est pas {_TYPES.get(m[2], 'une valeur valable')}"),
    (re.compile(r"argument (\S+): ignored explicit argument '?([^']*)'?"),
     lambda m: f"{_names(m[1])} ne prend pas de valeur (« {m[2]} » en trop)"),
    (re.compile(r"argument (\S+): (.*)"), lambda m: f"{_names(m[1])} : {m[2]}"),
    (re.compile(r"ambiguous option: (\S+) could match (.*)"),
     lambda m: f"l'option {m[1]} est ambiguë : {m[2]}"),
)
_TYPES: dict[str, str] = {"int": "un nombre entier", "float": "un nombre", "Path": "un chemin"}
_SUBCOMMAND_DESTS = {"command": "la commande", "action": "l'action"}


def _names(text: str) -> str:
    """« --out, command » as the editor reads it: options as typed, sub-commands named."""
    parts = [p.strip() for p in text.split(",")]
    return ", ".join(_SUBCOMMAND_DESTS.get(p, f"l'option {p}" if p.startswith("-") else p)
                     for p in parts)


def french(message: str) -> str:
    """An argparse message in French (unchanged when it is ours, already French)."""
    for pattern, say in _MESSAGES:
        if match := pattern.fullmatch(message):
            return say(match)
    return message


class _Formatter(argparse.HelpFormatter):
    def start_section(self, heading: str | None) -> None:
        # argparse writes « heading: »; French puts a no-break space before the colon.
        super().start_section(f"{heading}\u00a0" if heading else heading)

    def _format_text(self, text: str) -> str:
        return super()._format_text(typeset(text))

    def _expand_help(self, action: argparse.Action) -> str:
        return typeset(super()._expand_help(action))

    def add_usage(self, usage: str | None, actions: Any, groups: Any,
                  prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "utilisation : " if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """argparse's parser with French usage, section titles, help option and mistakes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        add_help = kwargs.pop("add_help", True)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "commandes et arguments"
        self._optionals.title = "options"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help="afficher cette aide et quitter")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, typeset(f"{self.prog} : erreur : {french(message)}") + "\n")


def commands(parser: Parser, dest: str, title: str) -> argparse._SubParsersAction[Parser]:
    """The sub-commands of `parser`, listed under `title`, one of them required."""
    return parser.add_subparsers(dest=dest, required=True, title=title, parser_class=Parser)


def shared(parsers: Sequence[argparse.ArgumentParser], *flags: str, default: Any,
           **kwargs: Any) -> None:
    """Add an option to a command and to each of its sub-commands, so that it may come before
    or after the sub-command; given after, it wins. `parsers[0]` holds the default."""
    parsers[0].add_argument(*flags, default=default, **kwargs)
    for parser in parsers[1:]:
        parser.add_argument(*flags, default=argparse.SUPPRESS, **kwargs)
