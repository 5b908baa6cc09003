"""The command line: `kitbuilder check`, `build --out DIR`, `site --out DIR`, `serve` and
`requests …`.

Its words (help, summaries, mistakes) are French: the association reads them."""

from __future__ import annotations

import contextlib
import errno
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kitbuilder import arguments, layout
from kitbuilder.arguments import Parser
from kitbuilder.cache import ABANDONED
from kitbuilder.errors import KitError, problems
from kitbuilder.output_folder import check_out, mark
from kitbuilder.render.speech import SpeechConfig
from kitbuilder.server import commands as server_commands
from kitbuilder.sources import load_kit
from kitbuilder.typography import typeset, typeset_message

if TYPE_CHECKING:
    from kitbuilder.build import BuildResult
    from kitbuilder.site.export import Exported


def main(argv: list[str] | None = None) -> int:
    parser = Parser(prog="kitbuilder", description="Le kit « Discuter du travail » et son "
                    "serveur : vérifier les sources, construire le kit, servir le site, "
                    "gérer les demandes.")
    commands = arguments.commands(parser, "command", "commandes")
    check = commands.add_parser("check", help="vérifier les sources du kit et lister chaque "
                                "problème trouvé", description="Vérifier les sources du kit "
                                "sans rien construire.")
    build = commands.add_parser("build", help="construire les fichiers et les pages du kit "
                                "dans un dossier", description="Construire le kit (pages, "
                                "Word, audio, zip) dans un dossier, sans MkDocs.")
    arguments.shared([parser, check, build], "--kit", type=Path, default=Path("kit"),
                     metavar="DOSSIER",
                     help="dossier des sources du kit (par défaut : kit)")
    build.add_argument("--out", type=Path, required=True, metavar="DOSSIER",
                       help="dossier à écrire (remplacé en entier)")
    build.add_argument("--cache", type=Path, default=Path(".cache/kitbuilder"),
                       metavar="DOSSIER",
                       help="dossier du cache (par défaut : .cache/kitbuilder)")
    build.add_argument("--audio", type=Path, default=None, metavar="DOSSIER",
                       help="narration enregistrée, <partie>/<scène>.wav|flac|mp3|ogg "
                            "(par défaut : audio/ à côté du kit)")
    build.add_argument("--piper-voice", type=Path, default=None, metavar="VOIX.onnx",
                       help="faire lire le récit par cette voix Piper (.onnx) au lieu "
                            "d'espeak-ng")
    build.add_argument("--piper", default="piper", metavar="COMMANDE",
                       help="la commande Piper (par défaut : piper)")
    site = commands.add_parser(
        "site", help="écrire tout le site (pages, fichiers, menu, agenda) dans un dossier que "
                     "MkDocs sans nos extensions, ProperDocs ou un autre générateur construit",
        description="Écrire ce dont un générateur de site Markdown a besoin pour construire "
                    "tout le site, kit compris, sans les extensions MkDocs de kitbuilder.")
    site.add_argument("--out", type=Path, required=True, metavar="DOSSIER",
                      help="dossier à écrire (remplacé en entier)")
    site.add_argument("--config", type=Path, default=Path("mkdocs.yml"), metavar="FICHIER",
                      help="les réglages du site et de nos extensions (par défaut : mkdocs.yml)")
    server_commands.add_parsers(commands)
    args = parser.parse_args(argv)
    if args.command in server_commands.COMMANDS:
        return server_commands.run(args)
    try:
        if args.command == "check":
            kit = load_kit(args.kit)
            print(typeset_message(f"« {args.kit} » : tout est en ordre — {len(kit.sheets)} "
                                  f"fiches, {len(kit.documents)} outils, {len(kit.story.parts)} parties "
                                  "du récit"))
        elif args.command == "site":
            from kitbuilder.site.export import export

            written: list[Exported] = []
            check_out(args.out, {"les réglages du site": args.config.parent})
            publish(args.out, lambda staging: written.append(
                export(args.config, staging, progress=_progress)))
            print(written[0].summary)
            print("\n".join(written[0].narration))
            print(typeset(f"{written[0].pages} pages et {written[0].files} fichiers écrits dans "
                          f"{args.out} ; pour construire le site : properdocs build -f "
                          f"{args.out / 'mkdocs.yml'}"))
        else:
            # Only a build loads the renderers (numpy, scipy, python-docx: a second or more).
            from kitbuilder.build import build_kit

            # Before minutes of work: is --out a folder this command may replace whole?
            check_out(args.out, {"le kit": args.kit, "le cache": args.cache})
            result = build_kit(args.kit, args.cache, audio_dir=args.audio,
                               speech=SpeechConfig(args.piper_voice, args.piper),
                               progress=_progress)
            publish(args.out, lambda staging: write_kit(result, staging))
            print(result.summary())
            print("\n".join(result.narration))
            print(typeset_message(f"écrit dans « {args.out} »"))
    except KitError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(typeset(f"{problems(count)} trouvé{'s' if count > 1 else ''} ; rien n'a été "
                      "construit."),
              file=sys.stderr)
        return 1
    return 0


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def write_kit(result: BuildResult, folder: Path) -> None:
    """The kit's pages and, in their folder, its files."""
    for name, markdown in result.pages.items():
        page = folder / name
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(markdown, encoding="utf-8")
    (folder / layout.FILES).mkdir()
    for output in result.files:
        shutil.copyfile(output.path, folder / layout.FILES / output.name)


def publish(out: Path, fill: Callable[[Path], None]) -> None:
    """Have `fill` write into a fresh folder, then swap it in place of `out` at once.

    `out` must be new, empty or an earlier output of this command (see output_folder):
    KitError otherwise, with nothing written.
    """
    out = check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        fill(staging)
        mark(staging)
        # Another build may publish to the same folder at the same moment: each moves what
        # it finds aside into a folder of its own, and tries again if the other one's folder
        # took the place in between. The last to finish wins; neither fails.
        while True:
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
            try:
                with contextlib.suppress(FileNotFoundError):
                    check_out(out)  # again, just before: it may have changed meanwhile
                    out.rename(old / out.name)
                staging.rename(out)
                break
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
            finally:
                shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    # What a build killed while publishing left beside `out` (its staging, or the old copy).
    for leftover in out.parent.iterdir():
        if leftover.name.startswith(f".{out.name}-"):
            with contextlib.suppress(OSError):
                if time.time() - leftover.stat().st_mtime > ABANDONED:
                    shutil.rmtree(leftover)


if __name__ == "__main__":
    sys.exit(main())
