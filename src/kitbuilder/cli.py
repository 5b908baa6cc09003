"""The command line: `kitbuilder check`, `build --out DIR`, `serve` and `requests …`."""

from __future__ import annotations

import argparse
import contextlib
import errno
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from kitbuilder import layout
from kitbuilder.cache import ABANDONED
from kitbuilder.errors import KitError
from kitbuilder.output_folder import check_out, mark
from kitbuilder.render.speech import SpeechConfig
from kitbuilder.server import commands as server_commands
from kitbuilder.sources import load_kit

if TYPE_CHECKING:
    from kitbuilder.build import BuildResult


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kitbuilder", description=__doc__)
    parser.add_argument("--kit", type=Path, default=Path("kit"), help="kit sources (default: kit)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="check the kit sources and list every problem found")
    build = commands.add_parser("build", help="build the kit's files and pages into a folder")
    build.add_argument("--out", type=Path, required=True, help="folder to write (replaced whole)")
    build.add_argument("--cache", type=Path, default=Path(".cache/kitbuilder"),
                       help="cache folder (default: .cache/kitbuilder)")
    build.add_argument("--audio", type=Path, default=None,
                       help="recorded narration, <part>/<scene>.wav|flac|mp3|ogg "
                            "(default: audio/ beside the kit)")
    build.add_argument("--piper-voice", type=Path, default=None,
                       help="narrate with this Piper voice (.onnx) instead of espeak-ng")
    build.add_argument("--piper", default="piper", help="the Piper command (default: piper)")
    server_commands.add_parsers(commands)
    args = parser.parse_args(argv)
    if args.command in server_commands.COMMANDS:
        return server_commands.run(args)
    try:
        if args.command == "check":
            kit = load_kit(args.kit)
            print(f"{args.kit}: OK — {len(kit.sheets)} fiches, "
                  f"{len(kit.story.parts)} parties du récit")
        else:
            # Only a build loads the renderers (numpy, scipy, python-docx: a second or more).
            from kitbuilder.build import build_kit

            # Before minutes of work: is --out a folder this command may replace whole?
            check_out(args.out, {"le kit": args.kit, "le cache": args.cache})
            result = build_kit(args.kit, args.cache, audio_dir=args.audio,
                               speech=SpeechConfig(args.piper_voice, args.piper),
                               progress=lambda message: print(message, file=sys.stderr,
                                                              flush=True))
            publish(result, args.out)
            print(result.summary())
            print("\n".join(result.narration))
            print(f"written to {args.out}")
    except KitError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problème(s) trouvé(s) ; rien n’a été construit.",
              file=sys.stderr)
        return 1
    return 0


def publish(result: BuildResult, out: Path) -> None:
    """Write pages and files to a fresh folder, then swap it in place of `out` at once.

    `out` must be new, empty or an earlier output of this command (see output_folder):
    KitError otherwise, with nothing written.
    """
    out = check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        for name, markdown in result.pages.items():
            page = staging / name
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(markdown, encoding="utf-8")
        (staging / layout.FILES).mkdir()
        for output in result.files:
            shutil.copyfile(output.path, staging / layout.FILES / output.name)
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
