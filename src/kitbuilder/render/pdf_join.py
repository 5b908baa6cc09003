"""Long PDFs (« Le kit complet », the complete story) laid out a few documents at a time, and
joined into one.

WeasyPrint keeps every laid-out page of a document until the whole PDF is written: at ten
times today's story, « Le kit complet » held 304 MB of page boxes, 541 MB with ten times the
sheets too (issue 16 wants the memory to follow the longest part, not the kit). Here the
pieces (a document, a sheet, a story part: never split) are packed into chunks of about
CHUNK characters of HTML. Each chunk is laid out on its own, twice: first to count its pages
and find where its anchors fall, then with its real page numbers (« page 17 sur 52 », the
contents page's numbers), and written. qpdf (pikepdf) joins the chunks' PDFs into one tagged
PDF again: one structure tree (PDF/UA), one set of named destinations, one outline.

A link that leaves its chunk (the contents page's) points to an anchor of its own chunk named
ALIAS + the target; the joined PDF sends that name where the target is.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pikepdf
import weasyprint
from pikepdf import Array, Dictionary, Name, Object, OutlineItem, PageLocation, String

from kitbuilder.render.escape import css_string

VARIANT = "pdf/ua-1"
CHUNK = 40_000  # characters of HTML laid out at a time: a story part is about 13 000
ALIAS = "vers-"  # an anchor named « vers-guide » stands for « guide » in the joined PDF
_PT = 0.75  # PDF points per CSS pixel
# The catalogue entries a tagged PDF needs, taken from the first chunk's PDF.
_CATALOGUE = ("/Lang", "/MarkInfo", "/ViewerPreferences", "/Metadata", "/OutputIntents")
# A chunk's streams that only its own file needs (qpdf reads them, no object refers to them).
_OWN_STREAMS = (Name.XRef, Name.ObjStm)

Render = Callable[[str, str], weasyprint.document.Document]  # (body, margins CSS) -> laid out


@dataclass(frozen=True)
class Piece:
    """A part of a long PDF that is laid out whole: `carry` is the running header it opens
    under when it has no heading of its own for it (a story part after the first, a sheet)."""

    html: str
    carry: str | None = None


@dataclass(frozen=True)
class _Mark:
    """A heading's bookmark, or an anchor, in the joined PDF (page from 0, PDF points)."""

    level: int
    label: str
    page: int
    x: float
    y: float


@dataclass(frozen=True)
class _Pages:
    """How a long PDF falls into pages: each chunk's count, the page of each anchor."""

    counts: tuple[int, ...]
    numbers: Mapping[str, int]

    def numbering(self, chunk: int) -> str:
        """A chunk's page numbers as CSS: its first page follows the chunks before it."""
        return (f"@page :first {{ counter-reset: page {sum(self.counts[:chunk]) + 1}; }}"
                f'@page {{ @bottom-right {{ content: "page " counter(page) '
                f'" sur {sum(self.counts)}"; }} }}')


@dataclass(frozen=True)
class _Printed:
    """The chunks written, and what the joined PDF needs to know of their pages."""

    written: list[bytes]
    marks: list[_Mark]
    anchors: dict[str, _Mark]
    pages: _Pages


# How each long PDF fell into pages when this process last printed it (by file name): under
# `mkdocs serve` an edit rarely moves a page, and the chunks are then laid out only once.
_LAST: dict[str, _Pages] = {}


def write(pieces: Callable[[Mapping[str, int]], Sequence[Piece]], render: Render, out: Path,
          *, numbered: bool = False) -> None:
    """Print the pieces into `out`. `pieces` gets the page (from 1) where each anchor lands,
    empty at first: a document whose pieces need it (a contents page) says `numbered`."""
    first = list(pieces({}))
    groups = _pack(first, CHUNK)
    if len(groups) == 1 and not numbered:
        render(*_chunk(first, groups[0])).write_pdf(out, pdf_variant=VARIANT)
        return
    guess = _LAST.get(out.name)
    printed = None
    if guess is not None and len(guess.counts) == len(groups):
        printed = _print(list(pieces(guess.numbers)) if numbered else first, groups, guess,
                         render)
    if printed is None or printed.pages != guess:
        pages = _count(first, groups, render)
        printed = _print(list(pieces(pages.numbers)) if numbered else first, groups, pages,
                         render)
        if printed.pages.counts != pages.counts:  # only page numbers changed since
            raise RuntimeError(f"{out.name}: chunks of {pages.counts} pages, then "
                               f"{printed.pages.counts} once numbered")
    _LAST[out.name] = printed.pages
    _join(printed.written, printed.marks, printed.anchors, out)


def _count(pieces: list[Piece], groups: list[list[int]], render: Render) -> _Pages:
    """The first pass: each chunk laid out to count its pages and find its anchors."""
    counts: list[int] = []
    numbers: dict[str, int] = {}
    for group in groups:
        laid_out = render(*_chunk(pieces, group))
        _find(laid_out, sum(counts), numbers)
        counts.append(len(laid_out.pages))
        del laid_out  # before the next chunk is laid out
    return _Pages(tuple(counts), numbers)


def _find(laid_out: weasyprint.document.Document, start: int, numbers: dict[str, int]) -> None:
    """The page (from 1) of each anchor of a chunk whose first page follows `start` pages."""
    for index, page in enumerate(laid_out.pages):
        for name in page.anchors:
            if not name.startswith(ALIAS):
                numbers.setdefault(name, start + index + 1)


def _print(pieces: list[Piece], groups: list[list[int]], pages: _Pages,
           render: Render) -> _Printed:
    """Each chunk laid out with the page numbers `pages` gives, and written; what its pages
    turned out to be, to check them against `pages`."""
    written: list[bytes] = []
    marks: list[_Mark] = []
    anchors: dict[str, _Mark] = {}
    counts: list[int] = []
    numbers: dict[str, int] = {}
    for chunk, group in enumerate(groups):
        body, carry = _chunk(pieces, group)
        laid_out = render(body, carry + pages.numbering(chunk))
        start = sum(counts)
        _find(laid_out, start, numbers)
        for index, page in enumerate(laid_out.pages):
            for level, label, (x, y), _state in page.bookmarks:
                marks.append(_Mark(level, label, start + index, *_point(page, x, y)))
            for name, (x, y, *_size) in page.anchors.items():
                anchors.setdefault(name, _Mark(0, name, start + index, *_point(page, x, y)))
        counts.append(len(laid_out.pages))
        written.append(laid_out.write_pdf(pdf_variant=VARIANT))
        del laid_out
    return _Printed(written, marks, anchors, _Pages(tuple(counts), numbers))


def _point(page: weasyprint.document.Page, x: float, y: float) -> tuple[float, float]:
    """A point of a laid-out page (CSS pixels from its top left) in PDF points (from its
    bottom left), as WeasyPrint writes its own destinations."""
    return _PT * x, _PT * (page.height - y)


def _pack(pieces: list[Piece], chunk: int) -> list[list[int]]:
    """The pieces' indices, in order, in groups of about `chunk` characters."""
    groups: list[list[int]] = [[]]
    size = 0
    for index, piece in enumerate(pieces):
        if groups[-1] and size + len(piece.html) > chunk:
            groups.append([])
            size = 0
        groups[-1].append(index)
        size += len(piece.html)
    return groups


def _chunk(pieces: list[Piece], group: list[int]) -> tuple[str, str]:
    """A chunk's HTML, and the running header its first piece opens under, as CSS."""
    carry = pieces[group[0]].carry
    return ("\n".join(pieces[i].html for i in group),
            "" if carry is None else f"html {{ string-set: section {css_string(carry)}; }}")


def _join(written: list[bytes], marks: list[_Mark], anchors: dict[str, _Mark],
          out: Path) -> None:
    """One PDF of the chunks' PDFs: their pages, one structure tree whose parent-tree keys
    follow on from chunk to chunk, the named destinations, the outline."""
    joined = pikepdf.new()
    tree_root = joined.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    document = joined.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document,
                                               K=Array(), P=tree_root))
    nums = Array()
    key = 0
    for index, data in enumerate(written):
        with pikepdf.open(io.BytesIO(data)) as chunk:
            if index == 0:
                for name in _CATALOGUE:
                    if name in chunk.Root:
                        joined.Root[name] = _copy(joined, chunk.Root[name])
                joined.docinfo = cast(Dictionary, _copy(joined, chunk.docinfo))
            tree = chunk.Root.StructTreeRoot
            source = tree.K[0]
            _prefix_ids(source, f"c{index}-")
            for page in chunk.pages:
                page.obj.StructParents = page.obj.StructParents + key
                for annotation in page.obj.get(Name.Annots, ()):
                    if Name.StructParent in annotation:
                        annotation.StructParent = annotation.StructParent + key
                joined.pages.append(page)
            for kid in source.K:
                del kid.P  # its parent is the joined document
                copied = joined.copy_foreign(kid)
                copied.P = document
                document.K.append(copied)
            pairs = list(tree.ParentTree.Nums)
            for number, value in zip(pairs[::2], pairs[1::2], strict=True):
                nums.append(int(number) + key)
                nums.append(_copy(joined, value))
            key += max((int(n) for n in pairs[::2]), default=-1) + 1
            _take_streams(joined, chunk)
    tree_root.K = Array([document])
    tree_root.ParentTree = joined.make_indirect(Dictionary(Nums=nums))
    tree_root.ParentTreeNextKey = key
    joined.Root.StructTreeRoot = tree_root
    _destinations(joined, anchors)
    _outline(joined, marks)
    joined.save(out, min_version=written[0][5:8].decode("ascii"),  # « %PDF-1.7 »
                object_stream_mode=pikepdf.ObjectStreamMode.generate, deterministic_id=True)


def _take_streams(joined: pikepdf.Pdf, chunk: pikepdf.Pdf) -> None:
    """Give the joined PDF its own copy of the data of the streams copied from `chunk` (qpdf
    would read it from `chunk` when the joined PDF is saved), so that `chunk` can be closed:
    only one chunk is held at a time."""
    for stream in chunk.objects:
        if isinstance(stream, pikepdf.Stream) and stream.get(Name.Type) not in _OWN_STREAMS:
            copy = joined.copy_foreign(stream)  # the copy already made, if it was copied
            copy.write(stream.read_raw_bytes(),  # as it is: still encoded, by these filters
                       filter=cast("Name | Array | None", copy.get(Name.Filter)),
                       decode_parms=cast("Dictionary | Array | None",
                                         copy.get(Name.DecodeParms)))


def _copy(joined: pikepdf.Pdf, value: Object) -> Object:
    """A chunk's object in the joined PDF (qpdf copies only indirect objects: a direct
    array or dictionary is copied entry by entry)."""
    if getattr(value, "is_indirect", False):
        return joined.copy_foreign(value)
    if isinstance(value, Array):
        return Array(_copy(joined, v) for v in value)
    if isinstance(value, Dictionary):
        return Dictionary({k: _copy(joined, v) for k, v in value.items()})
    return value  # a number, a name, a string


def _prefix_ids(element: Object, prefix: str) -> None:
    """Make the table cells' IDs (and the headers naming them) unique in the joined PDF:
    WeasyPrint numbers them after its own objects, chunk by chunk."""
    stack = [element]
    while stack:
        node = stack.pop()
        if not isinstance(node, Dictionary) or node.get(Name.Type) != Name.StructElem:
            continue
        if Name.ID in node:
            node.ID = String(prefix + str(node.ID))
        attributes = node.get(Name.A)
        if isinstance(attributes, Dictionary) and Name.Headers in attributes:
            attributes.Headers = Array(String(prefix + str(h)) for h in attributes.Headers)
        kids = node.get(Name.K)
        if kids is not None:
            stack.extend(kids if isinstance(kids, Array) else [kids])


def _destinations(joined: pikepdf.Pdf, anchors: dict[str, _Mark]) -> None:
    """The named destinations, sorted (a name tree), an alias at its target."""
    names = Array()
    for name in sorted(anchors):
        mark = anchors.get(name.removeprefix(ALIAS), anchors[name])
        names.append(String(name))
        names.append(Array([joined.pages[mark.page].obj, Name.XYZ, mark.x, mark.y, 0]))
    joined.Root.Names = Dictionary(Dests=joined.make_indirect(Dictionary(Names=names)))


def _outline(joined: pikepdf.Pdf, marks: list[_Mark]) -> None:
    """The bookmarks from the headings of every chunk, nested by level as WeasyPrint does."""
    with joined.open_outline() as outline:
        open_items: list[tuple[int, list[OutlineItem]]] = [(0, outline.root)]
        for mark in marks:
            while open_items[-1][0] >= mark.level:
                open_items.pop()
            item = OutlineItem(mark.label, mark.page, PageLocation.XYZ, left=mark.x,
                               top=mark.y, zoom=0)
            open_items[-1][1].append(item)
            open_items.append((mark.level, item.children))
