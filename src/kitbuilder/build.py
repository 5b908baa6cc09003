"""Orchestrate a kit build: load and check, render what changed, reuse the rest."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kitbuilder import heap, layout
from kitbuilder.cache import UNUSED, Cache, digest, file_digest
from kitbuilder.model import Kit
from kitbuilder.recordings import find_recordings
from kitbuilder.render import audio, bundle, docx, narration, offers, offline, pages, pdf
from kitbuilder.render.speech import SpeechConfig, find_engine
from kitbuilder.sources import load_kit
from kitbuilder.typography import typeset


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
    narration: tuple[str, ...] = ()  # which engine or clip voiced each scene, a line per part
    audio_pending: tuple[str, ...] = ()  # audio left out of this build (see build_kit)

    @property
    def generated(self) -> list[str]:
        return [f.name for f in self.files if not f.reused]

    def summary(self) -> str:
        """One line for the editor, in French: « kit : 12 fichiers sur 40 produits (…), 28
        repris du cache ». The words are typeset, the file names shown as they are."""
        made, total = self.generated, len(self.files)
        if not made:
            return typeset(f"kit : rien n'a changé, {_files(total)} repris du cache")
        reused = total - len(made)
        return (typeset(f"kit : {_files(len(made))} sur {total} "
                        f"produit{'s' if len(made) > 1 else ''} (")
                + ", ".join(made)
                + typeset(f"), {reused or 'aucun'} repris du cache"))


def _files(count: int) -> str:
    """« 1 fichier », « 40 fichiers »"""
    return f"{count} fichier{'s' if count > 1 else ''}"


@dataclass(frozen=True)
class _Job:
    name: str
    description: str
    render: Callable[..., None]
    args: tuple[Any, ...]
    version: str
    # What the render needs besides its inputs (an engine, a cache, a progress callback):
    # never part of the cache key.
    tools: dict[str, Any] = field(default_factory=dict)


def build_kit(kit_dir: Path, cache_dir: Path, *, audio_dir: Path | None = None,
              speech: SpeechConfig | None = None, progress: audio.Progress | None = None,
              wait_for_audio: bool = True, site: offline.Site = offline.ALONE) -> BuildResult:
    """Build every kit file into the cache; raise KitError on a mistake in the sources.

    The story is voiced by the clips of `audio_dir` (default: `audio/` beside the kit) and, for
    the other scenes, by the engine `speech` asks for (default: Kokoro, else espeak-ng), the
    scenes it said kept in `audio_dir`/synthese; `progress` hears about long audio work.
    The parts are voiced in parallel while the Word files are made. Without `wait_for_audio`
    (`mkdocs serve`), audio missing from the cache is left out and named in `audio_pending`.
    `site` says where the kit is published, for the zip's links to the association's pages.
    """
    heap.map_large_blocks()  # the peak memory: see kitbuilder.heap
    kit = load_kit(kit_dir)
    audio_dir = Path(kit_dir).parent / "audio" if audio_dir is None else Path(audio_dir)
    recorded = find_recordings(audio_dir, kit.story)
    cache = Cache(cache_dir)
    engine = find_engine(speech or SpeechConfig(), Path(cache_dir) / "models")
    tell = progress or _quiet
    tools: dict[str, Any] = {"engine": engine, "store": cache, "progress": tell,
                             "audio_dir": audio_dir}
    plans = [narration.part_audio(kit, part, engine, recorded) for part in kit.story.parts]
    story_jobs = [_audio_jobs(kit, plan, tools) for plan in plans]
    now = [wait_for_audio or all(cache.path(_key(j, ""), j.name).is_file() for j in jobs)
           for jobs in story_jobs]
    ready = [jobs for jobs, go in zip(story_jobs, now) if go]
    reference = file_digest(Path(str(docx.REFERENCE)))
    with ThreadPoolExecutor(max(1, min(len(ready), os.cpu_count() or 1))) as pool:
        voiced = [pool.submit(lambda jobs: [_run(cache, j, "") for j in jobs], jobs)
                  for jobs in ready]
        files = [_run(cache, job, reference) for job in _jobs(kit)]
        printed = pdf.salt()
        files += [_run(cache, job, printed) for job in _pdf_jobs(kit)]
        heap.give_back()  # what WeasyPrint held, before the parts still being mastered
        files += [output for future in voiced for output in future.result()]
    site_pages = _pages(kit, files, plans)
    members = tuple((f.name, f.path) for f in files)
    readme = bundle.readme(kit.title, kit.subtitle, kit.publisher,
                           tuple((f.name, f.description) for f in files)
                           + ((offline.START, offline.START_DESCRIPTION),),
                           kit.edition)
    folder = kit.bundle.removesuffix(".zip")
    sources = tuple(sorted(site_pages.items()))
    files.append(_run(cache, _Job(kit.bundle, "Tout le kit", offline.bundle_with_pages,
                                  (folder, members, readme, kit, sources, site),
                                  f"{bundle.VERSION}.{offline.VERSION}"), ""))
    pending = tuple(job.name for jobs, go in zip(story_jobs, now) if not go for job in jobs)
    deleted, freed = cache.prune()
    if deleted:
        tell(typeset(f"cache : {deleted} fichiers que plus rien n'utilisait depuis "
                                  f"{UNUSED // 86400} jours effacés, {freed / 1e6:.0f} Mo "
                                  "libérés"))
    return BuildResult(kit, site_pages, tuple(files),
                       tuple(narration.narration(plan) for plan in plans), pending)


def _pages(kit: Kit, files: list[OutputFile],
           plans: list[narration.PartAudio]) -> dict[str, str]:
    """The kit's pages; a story part's page gets its player when its audio is built, with how
    each scene was voiced."""
    known = facts(files, kit)
    built = pages.pages(kit, known)
    mp3 = {f.name: f.path for f in files}
    for part, plan in zip(kit.story.parts, plans):
        if layout.part_mp3(part) in mp3:
            chapters = audio.chapters(mp3[layout.part_mp3(part)])
            built[layout.part_page(part)] = pages.part(kit, part, chapters,
                                                       narration.how_voiced(plan),
                                                       narration.credit(plan), known,
                                                       audio.length(mp3[layout.part_mp3(part)]))
    return built


def facts(files: list[OutputFile] | tuple[OutputFile, ...], kit: Kit) -> offers.Facts:
    """Each Word or PDF file's size and pages: what the download links say. A PDF's pages are
    read from it; a sheet's Word file has its page budget (docx_fit lays it out to fit, and
    tests/test_paper checks it as LibreOffice prints it); the other Word files flow, so their
    page count is the reading program's and is not given."""
    budget = {layout.sheet_docx(s): s.pages for s in kit.sheets}
    return {f.name: (f.path.stat().st_size,
                     pdf.page_count(f.path) if f.name.endswith(".pdf") else budget.get(f.name))
            for f in files if f.name.endswith((".pdf", ".docx"))}


def _audio_jobs(kit: Kit, plan: narration.PartAudio, tools: dict[str, Any]) -> list[_Job]:
    part = kit.story.parts[plan.number - 1]
    title = f"{kit.story.title} : {part.title}"
    return [_Job(layout.part_mp3(part), f"{title}, lu à voix haute (MP3, une scène par "
                 "chapitre)", audio.mp3, (plan,), audio.VERSION, tools),
            _Job(layout.part_vtt(part), f"{title}, transcription minutée de l'enregistrement "
                 "(WebVTT)", audio.vtt, (plan,), audio.VERSION, tools)]


def _jobs(kit: Kit) -> list[_Job]:
    imprint, story = kit.imprint, kit.story
    jobs = [
        _Job(layout.GUIDE_DOCX, kit.guide.title, docx.guide_book,
             (imprint, kit.guide, kit.edition), docx.VERSION),
        _Job(layout.TABLE_DOCX, kit.table.title, docx.summary_table, (imprint, kit.table),
             docx.VERSION),
    ]
    jobs += [_Job(layout.sheet_docx(s), f"Fiche : {s.title}", docx.sheet,
                  (imprint, s, n, len(kit.sheets), kit.phases), docx.VERSION)
             for n, s in enumerate(kit.sheets, 1)]
    jobs += [_Job(layout.document_docx(d), d.title, docx.guide, (imprint, d), docx.VERSION)
             for d in kit.documents]
    jobs += [_Job(layout.part_docx(p), f"{story.title} : {p.title}", docx.story,
                  (imprint, story.title, (p,)), docx.VERSION) for p in story.parts]
    jobs.append(_Job(layout.STORY_DOCX, f"{story.title} : le récit complet", docx.story_book,
                     (imprint, story.title, story.parts, kit.edition), docx.VERSION))
    return jobs


def _pdf_jobs(kit: Kit) -> list[_Job]:
    """The PDF edition (issue 11): each document, then « Le kit complet »."""
    imprint, story, total = kit.imprint, kit.story, len(kit.sheets)
    jobs = [
        _Job(layout.pdf(layout.GUIDE_DOCX), kit.guide.title, pdf.guide, (imprint, kit.guide),
             pdf.VERSION),
        _Job(layout.pdf(layout.TABLE_DOCX), kit.table.title, pdf.summary_table,
             (imprint, kit.table, kit.phases), pdf.VERSION),
    ]
    jobs += [_Job(layout.pdf(layout.sheet_docx(s)), f"Fiche : {s.title}", pdf.sheet,
                  (imprint, s, n, total, kit.phases), pdf.VERSION)
             for n, s in enumerate(kit.sheets, 1)]
    jobs += [_Job(layout.pdf(layout.document_docx(d)), d.title, pdf.guide, (imprint, d),
                  pdf.VERSION) for d in kit.documents]
    jobs += [_Job(layout.pdf(layout.part_docx(p)), f"{story.title} : {p.title}", pdf.story,
                  (imprint, story.title, (p,), len(story.parts)), pdf.VERSION)
             for p in story.parts]
    jobs.append(_Job(layout.pdf(layout.STORY_DOCX), f"{story.title} : le récit complet",
                     pdf.story, (imprint, story.title, story.parts, len(story.parts)),
                     pdf.VERSION))
    jobs.append(_Job(layout.KIT_PDF, f"{kit.title} : le kit complet", pdf.complete, (kit,),
                     pdf.VERSION))
    # LISEZMOI tells each PDF from its Word file by this.
    return [replace(job, description=f"{job.description} (PDF, à imprimer)")
            for job in jobs]


def _run(cache: Cache, job: _Job, salt: str) -> OutputFile:
    path, reused = cache.get_or_make(_key(job, salt), job.name,
                                     lambda out: job.render(*job.args, out, **job.tools))
    return OutputFile(job.name, job.description, path, reused)


def _key(job: _Job, salt: str) -> str:
    return digest(job.render.__module__, job.render.__qualname__, job.version, salt, job.args)


def _quiet(message: str) -> None:
    """Progress nobody asked to hear about."""
