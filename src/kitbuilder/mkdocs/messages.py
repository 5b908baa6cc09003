"""MkDocs' own warnings about the nav, said in French with what to write in mkdocs.yml.

A page added to docs/ but not to the nav stops the strict build with MkDocs' English warning
« The following pages exist in the docs directory, but are not included in the "nav"
configuration ». The editor needs the line to add. A logging filter rewrites those records in
place (same level, so `strict` still counts them) rather than logging a second message.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from kitbuilder.typography import typeset_message

_OMITTED = re.compile(r"The following pages exist in the docs directory, but are not "
                      r"included in the \"nav\" configuration:\n  - (.*)", re.DOTALL)
_NOT_FOUND = re.compile(r"A reference to '(.*)' is included in the 'nav' configuration, "
                        r"which is not found in the documentation files\.")
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


@dataclass
class _NavWords(logging.Filter):
    config_file: Path = Path("mkdocs.yml")
    docs_dir: Path = Path("docs")
    kit_urls: set[str] = field(default_factory=set)

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if omitted := _OMITTED.fullmatch(text):
            record.msg, record.args = self._omitted(omitted[1].split("\n  - ")), ()
        elif missing := _NOT_FOUND.fullmatch(text):
            record.msg, record.args = typeset_message(
                f"{self._where()}: le menu (nav) cite « {missing[1]} », qui n'existe pas dans "
                f"{self.docs_dir.name}/ : vérifiez le nom du fichier, ou retirez la ligne"), ()
        return True

    def _where(self) -> str:
        """mkdocs.yml and the line of its « nav: », where the editor has to write."""
        try:
            lines = self.config_file.read_text(encoding="utf-8").splitlines()
        except OSError:
            return self.config_file.name
        line = next((n for n, text in enumerate(lines, 1) if text.startswith("nav:")), None)
        return f"{self.config_file.name}:{line}" if line else self.config_file.name

    def _omitted(self, paths: list[str]) -> str:
        kit = sorted({url for url in self.kit_urls for p in paths if p.startswith(url)})
        own = [p for p in paths if not any(p.startswith(url) for url in self.kit_urls)]
        # The lines to copy are YAML: no typography in them.
        lines = [f"    - {self._title(p)}: {p}" for p in own]
        lines += [f"    - Le kit « Discuter du travail »: {url}" for url in kit]
        many = len(paths) > 1
        which = ", ".join(f"« {p} »" for p in paths)
        prose = (f"{'ces pages ne sont' if many else 'cette page n’est'} dans aucun menu "
                 f"({which}) : le menu du site, « nav: » dans mkdocs.yml, doit citer chaque "
                 f"page. Ajoutez-y, là où {'elles doivent' if many else 'elle doit'} "
                 f"apparaître, {'ces lignes' if len(lines) > 1 else 'cette ligne'} :")
        if kit:
            prose += typeset_message(
                f" (la ligne « {kit[0]} » met toutes les pages du kit, dans l'ordre de "
                "kit/kit.yml : elle remplace les lignes de ses pages)")
        return f"{self._where()}: {typeset_message(prose)}\n" + "\n".join(lines)

    def _title(self, path: str) -> str:
        """The page's first heading, as a title for its nav line; else its file name."""
        try:
            found = _HEADING.search((self.docs_dir / path).read_text(encoding="utf-8"))
        except OSError:
            found = None
        return found[1] if found else Path(path).stem.replace("-", " ").capitalize()


_FILTER = _NavWords()


def say_nav_in_french(config_file: Path, docs_dir: Path, kit_url: str | None = None) -> None:
    """Have MkDocs' nav warnings told in French for this project (once per process)."""
    _FILTER.config_file, _FILTER.docs_dir = config_file, docs_dir
    if kit_url:
        _FILTER.kit_urls.add(kit_url.strip("/") + "/")
    logger = logging.getLogger("mkdocs.structure.nav")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
