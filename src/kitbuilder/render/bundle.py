"""The downloadable zip: every kit file, a plain-text read-me and a SHA-256 manifest."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from kitbuilder import layout
from kitbuilder.cache import file_digest
from kitbuilder.model import Edition
from kitbuilder.render.downloads import french_date
from kitbuilder.typography import typeset

VERSION = "4"
# A fixed date makes the same files give the same zip, byte for byte (Word files too: word.py).
_DATE = (2026, 1, 1, 0, 0, 0)


def readme(title: str, subtitle: str, publisher: str,
           contents: tuple[tuple[str, str], ...], edition: Edition | None = None) -> str:
    """LISEZMOI.txt: extract first, where to start, what each file holds, whom to contact,
    the licence, and how to check the files on Windows, macOS and Linux."""
    edition = edition or Edition()
    names = {name for name, _ in contents}
    width = max(len(name) for name, _ in contents)
    published = (f" Édition du {french_date(edition.published)}."
                 if edition.published else "")
    lines = [title, "=" * len(title), "", subtitle, f"Un kit gratuit de {publisher}.{published}",
             "", *_section("D’abord : décompresser le zip"),
             ("Si vous lisez ce fichier dans le zip, décompressez-le d’abord : les pages et les "
              "liens ne s’ouvrent que depuis le dossier décompressé. Sous Windows, clic droit "
              "sur le fichier zip, « Extraire tout… », puis « Extraire » ; sur un Mac, "
              "double-cliquez sur le fichier zip."), "",
             *_section("Par où commencer"),
             *_reading_order(names), "", *_section("Contenu du dossier")]
    lines += [f"{name.ljust(width)}  {description}" for name, description in contents]
    contacts = edition.contacts
    if contacts:
        lines += ["", *_section("Contact"), contacts.name]
        lines += [value for value in (contacts.email, contacts.phone, contacts.hours,
                                      contacts.address) if value]
    if edition.licence:
        lines += ["", *_section("Licence"),
                  f"{edition.licence.name}" + (f" : {edition.licence.href}"
                                               if edition.licence.href else "")]
    lines += ["", *_section("Vérifier qu’aucun fichier n’a été abîmé"),
              (f"{layout.CHECKSUMS} donne l’empreinte SHA-256 de chaque fichier. Calculez "
               "celle d’un fichier et comparez-la à la ligne qui porte son nom :"), "",
              "Windows (PowerShell, dans le dossier) :",
              "    Get-FileHash -Algorithm SHA256 NOM-DU-FICHIER",
              "Windows (invite de commandes, dans le dossier) :",
              "    certutil -hashfile NOM-DU-FICHIER SHA256",
              "", "Ou tous les fichiers à la fois, depuis ce dossier :",
              "macOS (Terminal) :", f"    shasum -a 256 -c {layout.CHECKSUMS}",
              "Linux :", f"    sha256sum -c {layout.CHECKSUMS}", ""]
    return "\r\n".join(typeset(line) if not line.startswith("    ") else line
                        for line in lines)  # CRLF so that Windows' Notepad shows the lines


def _section(heading: str) -> list[str]:
    return [heading, "-" * len(heading), ""]


_START_HERE = "toutes les pages du kit dans votre navigateur, sans connexion"
_GUIDE = "le guide de démarrage : comment mener la démarche, étape par étape"
_TABLE = "le tableau de synthèse, à afficher"


def _reading_order(names: set[str]) -> list[str]:
    """The order in which a newcomer reads the kit, naming the files that are there (the PDF
    when there is one, else the Word file)."""
    steps = [(("ouvrir-le-kit.html",), _START_HERE),
             ((layout.KIT_PDF,), "le kit complet en un seul PDF, à imprimer"),
             ((layout.pdf(layout.GUIDE_DOCX), layout.GUIDE_DOCX), _GUIDE),
             ((layout.pdf(layout.TABLE_DOCX), layout.TABLE_DOCX), _TABLE)]
    order: list[str] = []
    for choices, what in steps:
        name = next((n for n in choices if n in names), None)
        if name:
            order.append(f"{len(order) + 1}. {name} : {what}.")
    order.append(f"{len(order) + 1}. Les fiches (fiche-…), à imprimer pour chaque séance, et "
                 "le récit (recit-…), à écouter (MP3) ou à lire, en trois parties.")
    return order


def bundle(folder: str, members: tuple[tuple[str, Path], ...], readme_text: str,
           texts: tuple[tuple[str, str | bytes], ...], out: Path) -> None:
    """Write the zip with every member under one folder, then `texts` (name, content: the
    offline pages), then the read-me and checksums."""
    sums = [f"{file_digest(path)}  {name}" for name, path in members]
    readme_bytes = readme_text.encode("utf-8")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in members:
            archive.writestr(entry(f"{folder}/{name}", stored=name.endswith(_COMPRESSED)),
                             path.read_bytes())
        for name, text in texts:
            data = text.encode("utf-8") if isinstance(text, str) else text
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
