"""Orchestrate a kit build: load and check, render what changed, reuse the rest."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kitbuilder import layout
from kitbuilder.cache import Cache, digest, file_digest
from kitbuilder.model import Kit
from kitbuilder.render import bundle, docx, pages
from kitbuilder.sources import load_kit


@dataclass(frozen=True)
class OutputFile:
    """A built file: its name in the kit's files folder and where it is stored."""

    name: str
    description: str
    path: Path
    reused: bool


@dataclass(frozen=True)
class BuildResult:
    kit: Kit
    pages: dict[str, str]  # Markdown, keyed by path under the kit's folder in the site
    files: tuple[OutputFile, ...]

    @property
    def generated(self) -> list[str]:
        return [f.name for f in self.files if not f.reused]

    def summary(self) -> str:
        made = self.generated
        if not made:
            return f"kit: nothing changed, {len(self.files)} files reused from the cache"
        return (f"kit: {len(made)} of {len(self.files)} files generated "
                f"({', '.join(made)}), {len(self.files) - len(made)} reused")


@dataclass(frozen=True)
class _Job:
    name: str
    description: str
    render: Callable[..., None]
    args: tuple[Any, ...]
    version: str


def build_kit(kit_dir: Path, cache_dir: Path) -> BuildResult:
    """Build every kit file into the cache; raise KitError on a mistake in the sources."""
    kit = load_kit(kit_dir)
    cache = Cache(cache_dir)
    reference = file_digest(Path(str(docx.REFERENCE)))
    files = [_run(cache, job, reference) for job in _jobs(kit)]
    members = tuple((f.name, f.path) for f in files)
    readme = bundle.readme(kit.title, kit.subtitle, kit.publisher,
                           tuple((f.name, f.description) for f in files))
    folder = kit.bundle.removesuffix(".zip")
    files.append(_run(cache, _Job(kit.bundle, "Tout le kit", bundle.bundle,
                                  (folder, members, readme), bundle.VERSION), ""))
    return BuildResult(kit, pages.pages(kit), tuple(files))


def _jobs(kit: Kit) -> list[_Job]:
    imprint, story = kit.imprint, kit.story
    jobs = [
        _Job(layout.GUIDE_DOCX, kit.guide.title, docx.guide, (imprint, kit.guide), docx.VERSION),
        _Job(layout.TABLE_DOCX, kit.table.title, docx.summary_table, (imprint, kit.table),
             docx.VERSION),
    ]
    jobs += [_Job(layout.sheet_docx(s), f"Fiche : {s.title}", docx.sheet, (imprint, s),
                  docx.VERSION) for s in kit.sheets]
    jobs += [_Job(layout.part_docx(p), f"{story.title} : {p.title}", docx.story,
                  (imprint, story.title, (p,)), docx.VERSION) for p in story.parts]
    jobs.append(_Job(layout.STORY_DOCX, f"{story.title} : le récit complet", docx.story,
                     (imprint, story.title, story.parts), docx.VERSION))
    return jobs


def _run(cache: Cache, job: _Job, salt: str) -> OutputFile:
    key = digest(job.render.__module__, job.render.__qualname__, job.version, salt, job.args)
    path, reused = cache.get_or_make(key, job.name, lambda out: job.render(*job.args, out))
    return OutputFile(job.name, job.description, path, reused)
