"""Which folder `kitbuilder build --out DIR` may replace: only its own earlier output.

Publishing swaps a fresh folder in place of DIR and deletes the old one whole. That is safe
only for a folder the build made: DIR must not exist yet, be empty, or carry the mark a
previous build left in it. Anything else (the checkout `.`, the kit folder, a folder holding
other files, a symbolic link, the home folder) is refused with a clear message, before any
work is done.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kitbuilder.errors import KitError, Problem

MARK = ".kitbuilder-output"
MARK_TEXT = ("Ce dossier a été écrit par « kitbuilder build » : chaque construction le "
             "remplace en entier. N'y rangez rien d'autre.\n")


def _refuse(out: Path, why: str) -> KitError:
    return KitError([Problem(out, None, f"--out : {why} ; rien n'a été écrit. Donnez un dossier "
                                        "nouveau (il sera créé) ou un dossier déjà écrit par "
                                        "« kitbuilder build »")])


def check_out(out: Path, keep: dict[str, Path] | None = None) -> Path:
    """The absolute folder to publish into, or KitError saying why `out` may not be replaced.

    `keep`: folders the build reads, by what they are (« le kit », « le cache »), which must
    be neither `out` nor inside it.
    """
    given = Path(os.path.abspath(out))  # absolute, but with its symbolic links as written
    if given.is_symlink():
        raise _refuse(out, "c'est un lien symbolique ; donnez le dossier lui-même")
    resolved = given.resolve()  # a link higher up is fine: the swap happens where it leads
    kept = {"le dossier courant": Path.cwd(), "votre dossier personnel": Path.home(),
            **(keep or {})}
    for what, folder in kept.items():
        folder = folder.resolve()
        if folder == resolved:
            raise _refuse(out, f"c'est {what} ({folder}), qui serait effacé")
        if resolved in folder.parents:
            raise _refuse(out, f"il contient {what} ({folder}), qui serait effacé")
    # Another build publishing to the same folder may swap it away (or back) between any two
    # of these looks: a folder that vanished meanwhile is free, and the mark is looked for again
    # before refusing a folder for what it holds.
    try:
        if not stat.S_ISDIR(resolved.stat().st_mode):
            raise _refuse(out, "c'est un fichier, pas un dossier")
        if (resolved / MARK).is_file():
            return resolved
        if any(resolved.iterdir()) and not (resolved / MARK).is_file():
            raise _refuse(out, "ce dossier contient déjà des fichiers qui ne viennent pas "
                               "de « kitbuilder build »")
    except FileNotFoundError:
        pass
    return resolved


def mark(folder: Path) -> None:
    """Mark `folder` as this command's output, so that the next build may replace it."""
    (folder / MARK).write_text(MARK_TEXT, encoding="utf-8")
