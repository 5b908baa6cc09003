"""The long PDFs laid out a few documents at a time and joined (render.pdf_join), read back:
however the kit falls into chunks, « Le kit complet » reads as one tagged PDF."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from fixture_kit import write_kit
from kitbuilder.model import Kit
from kitbuilder.render import pdf, pdf_join
from kitbuilder.sources import load_kit


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    return load_kit(write_kit(tmp_path_factory.mktemp("join")))


def _print(kit: Kit, out: Path, chunk: int) -> Path:
    """« Le kit complet » in chunks of `chunk` characters of HTML, nothing guessed."""
    pdf_join._LAST.clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf_join, "CHUNK", chunk)
        pdf.complete(kit, out)
    return out


@pytest.fixture(scope="module")
def whole(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _print(kit, tmp_path_factory.mktemp("whole") / "kit-complet.pdf", 10**9)


@pytest.fixture(scope="module")
def pieces(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every piece a chunk of its own: the cover, each sheet, each story part…"""
    return _print(kit, tmp_path_factory.mktemp("pieces") / "kit-complet.pdf", 1)


def _texts(path: Path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]


def _outline(reader: PdfReader, items: list[Any] | None = None, depth: int = 0
             ) -> Iterator[tuple[int, str, int]]:
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            yield from _outline(reader, item, depth + 1)
        else:
            yield depth, item.title, reader.get_destination_page_number(item)


def _elements(reader: PdfReader) -> Iterator[DictionaryObject]:
    """Every element of the structure tree, from the document down."""
    stack = list(reader.trailer["/Root"]["/StructTreeRoot"]["/K"])
    while stack:
        node = stack.pop().get_object()
        if isinstance(node, DictionaryObject) and node.get("/Type") == "/StructElem":
            yield node
            kids = node.get("/K", ArrayObject())
            stack.extend(kids if isinstance(kids, ArrayObject) else [kids])


def test_in_chunks_the_kit_reads_as_the_kit_printed_in_one(whole: Path, pieces: Path) -> None:
    one, many = _texts(whole), _texts(pieces)
    assert len(many) == len(one) >= 10
    assert many == one  # the footers' « page n sur N » and the contents page's numbers too
    for number, text in enumerate(many[1:], 2):  # after the cover
        assert f"page {number} sur {len(many)}" in text, (number, text[-80:])
    assert list(_outline(PdfReader(pieces))) == list(_outline(PdfReader(whole)))


def test_the_running_header_carries_over_into_a_chunk(kit: Kit, pieces: Path) -> None:
    """A story part after the first opens a chunk with no heading of its own for the running
    header: it still reads « Le récit « … » » at the top of its pages."""
    texts = _texts(pieces)
    part = kit.story.parts[1]
    start = next(i for i, t in enumerate(texts) if f"partie {part.number} sur" in t)
    header = " ".join(f"{kit.title} Le récit « {kit.story.title} »".split())
    assert header in texts[start], texts[start]


def test_the_joined_structure_tree_is_whole(pieces: Path) -> None:
    reader = PdfReader(pieces)
    root = reader.trailer["/Root"]
    tree = root["/StructTreeRoot"]
    nums = tree["/ParentTree"]["/Nums"]
    parents = dict(zip((int(n) for n in nums[::2]), nums[1::2], strict=True))
    assert tree["/ParentTreeNextKey"] == max(parents) + 1
    page_ids = {page.indirect_reference.idnum for page in reader.pages}
    elements = list(_elements(reader))
    assert len(elements) > 100
    ids = [str(e["/ID"]) for e in elements if "/ID" in e]
    assert len(ids) == len(set(ids)) > 2  # table headers, unique across chunks
    for element in elements:
        if "/Pg" in element:
            assert element.raw_get("/Pg").idnum in page_ids
        headers = element.get("/A", {}).get("/Headers", ())
        assert set(map(str, headers)) <= set(ids)
        parent = element["/P"].get_object()
        assert any(k.get_object() is element for k in parent["/K"]), element["/S"]
    assert {str(e["/S"]) for e in elements} >= {"/Document", "/H1", "/H2", "/Table", "/Link"}
    links = 0
    for page in reader.pages:
        assert int(page["/StructParents"]) in parents  # each page's marked content
        for annotation in page.get("/Annots", ()):
            annotation = annotation.get_object()
            link = parents[int(annotation["/StructParent"])].get_object()
            assert link["/S"] == "/Link"
            assert any(k.get_object().get("/Obj") == annotation.indirect_reference
                       for k in link["/K"] if not isinstance(k, int))
            links += 1
    assert root["/Lang"] == "fr" and root["/MarkInfo"]["/Marked"]
    assert reader.metadata.title == "Discuter du travail : le kit complet"
    assert b"pdfuaid:part=\"1\"" in root["/Metadata"].get_data()
    assert links >= 10


def test_each_contents_link_lands_where_its_section_starts(pieces: Path) -> None:
    """The contents page's links leave their chunk: each reaches its section's page."""
    reader = PdfReader(pieces)
    contents = next(i for i, t in enumerate(_texts(pieces)) if t.startswith("Sommaire"))
    targets = reader.named_destinations
    landed = {}
    for annotation in reader.pages[contents]["/Annots"]:
        name = str(annotation.get_object()["/Dest"])
        assert name.startswith(pdf_join.ALIAS), name
        landed[name] = reader.get_destination_page_number(targets[name])
    assert len(landed) >= 8
    for name, page in landed.items():
        section = targets[name.removeprefix(pdf_join.ALIAS)]
        assert page == reader.get_destination_page_number(section) != contents, name
        assert targets[name]["/Top"] == section["/Top"], name  # at its heading, not the top


def test_a_second_print_lays_out_each_chunk_once(kit: Kit, pieces: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Under `mkdocs serve` the next print of the kit starts from how the last one fell into
    pages; a guess that turns out wrong is printed again from a first pass."""
    calls = []
    renderer = pdf._renderer

    def counted(*args: Any) -> pdf_join.Render:
        render = renderer(*args)

        def count(body: str, margins: str) -> Any:
            calls.append(body)
            return render(body, margins)
        return count

    monkeypatch.setattr(pdf, "_renderer", counted)
    monkeypatch.setattr(pdf_join, "CHUNK", 1)
    first = tmp_path / "kit-complet.pdf"
    pdf.complete(kit, first)  # after `pieces`: the same chunks, the same pages
    chunks = len(calls)
    assert chunks == len(pdf_join._LAST["kit-complet.pdf"].counts) > 10
    assert first.read_bytes() == pieces.read_bytes()
    right = pdf_join._LAST["kit-complet.pdf"]
    wrong = pdf_join._Pages((right.counts[0] + 1, *right.counts[1:]), right.numbers)
    monkeypatch.setitem(pdf_join._LAST, "kit-complet.pdf", wrong)
    calls.clear()
    again = tmp_path / "again" / "kit-complet.pdf"
    again.parent.mkdir()
    pdf.complete(kit, again)
    assert len(calls) == 3 * chunks  # the guess, then the two passes
    assert again.read_bytes() == pieces.read_bytes()


def test_table_headers_stay_apart_in_chunks_alike(kit: Kit, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """WeasyPrint names a table's header cells after its own object numbers, which two chunks
    alike share: each cell must still name the headers of its own table."""
    table = ('<section class="document"><h1>Tableau</h1><table><thead><tr>'
             '<th scope="col">Étape</th><th scope="col">Durée</th></tr></thead><tbody><tr>'
             "<td>Poser le cadre</td><td>2 h</td></tr></tbody></table></section>")
    monkeypatch.setattr(pdf_join, "CHUNK", 1)
    out = tmp_path / "deux-tableaux.pdf"
    pdf_join.write(lambda _: [pdf_join.Piece(table), pdf_join.Piece(table)],
                   pdf._renderer(kit.imprint, "Deux tableaux", "single"), out)
    reader = PdfReader(out)
    assert len(reader.pages) == 2
    elements = list(_elements(reader))
    ids = [str(e["/ID"]) for e in elements if "/ID" in e]
    assert len(ids) == len(set(ids)) == 4
    cells = [e for e in elements if e["/S"] == "/TD"]
    assert len(cells) == 4
    for cell in cells:  # a cell and the headers it names are on the same page
        page = cell.raw_get("/Pg").idnum
        for header in cell["/A"]["/Headers"]:
            head = next(e for e in elements if e.get("/ID") == header)
            assert head.raw_get("/Pg").idnum == page
