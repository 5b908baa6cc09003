"""The downloadable zip: every kit file, a plain-text read-me and a SHA-256 manifest."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from kitbuilder import layout
from kitbuilder.cache import file_digest
from kitbuilder.typography import typeset

VERSION = "3"
# A fixed date makes the same files give the same zip, byte for byte (Word files too: word.py).
_DATE = (2026, 1, 1, 0, 0, 0)


def readme(title: str, subtitle: str, publisher: str,
           contents: tuple[tuple[str, str], ...]) -> str:
    """LISEZMOI.txt: what the kit is and what each file holds."""
    width = max(len(name) for name, _ in contents)
    lines = [title, "=" * len(title), "", subtitle, f"Un kit gratuit de {publisher}.", "",
             "Contenu du dossier", "------------------", ""]
    lines += [f"{name.ljust(width)}  {typeset(description)}" for name, description in contents]
    lines += ["", (f"{layout.CHECKSUMS} donne l’empreinte SHA-256 de chaque fichier. Pour "
              "vérifier qu’aucun fichier n’a été abîmé, depuis ce dossier :"),
              f"    sha256sum -c {layout.CHECKSUMS}", ""]
    return "\r\n".join(lines)  # CRLF so that Windows' Notepad shows the lines


def bundle(folder: str, members: tuple[tuple[str, Path], ...], readme_text: str,
           texts: tuple[tuple[str, str], ...], out: Path) -> None:
    """Write the zip with every member under one folder, then `texts` (name, content: the
    offline pages), then the read-me and checksums."""
    sums = [f"{file_digest(path)}  {name}" for name, path in members]
    readme_bytes = readme_text.encode("utf-8")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in members:
            archive.writestr(entry(f"{folder}/{name}", stored=name.endswith(_COMPRESSED)),
                             path.read_bytes())
        for name, text in texts:
            data = text.encode("utf-8")
            archive.writestr(entry(f"{folder}/{name}"), data)
            sums.append(f"{_sha(data)}  {name}")
        archive.writestr(entry(f"{folder}/{layout.README}"), readme_bytes)
        sums.append(f"{_sha(readme_bytes)}  {layout.README}")
        archive.writestr(entry(f"{folder}/{layout.CHECKSUMS}"), "\n".join(sums) + "\n")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Already compressed: deflating them again costs time and saves nothing.
_COMPRESSED = (".mp3",)


def entry(name: str, stored: bool = False) -> zipfile.ZipInfo:
    """A zip member's header with the fixed date, readable by all, compressed unless told."""
    info = zipfile.ZipInfo(name, _DATE)
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info
