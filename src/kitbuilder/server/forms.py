"""Strict validation of a kit request: choices from their lists, bounded lengths, clean text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from kitbuilder.render import form as f
from kitbuilder.server.db import Answers
from kitbuilder.typography import typeset

# The messages shown next to each field, in French.
MESSAGES = {
    f.FUNCTION: "Choisissez votre fonction.",
    f.ESTABLISHMENT_TYPE: "Choisissez le type d'établissement.",
    f.DEPARTMENT: "Choisissez le département de l'établissement dans la liste.",
    f.ESTABLISHMENT: f"Le nom de l'établissement ne doit pas dépasser {f.ESTABLISHMENT_MAX} "
                     "caractères.",
    f.EMAIL: "Saisissez une adresse électronique complète, par exemple nom@exemple.fr, "
             "ou laissez ce champ vide.",
    # The box is optional; an address is kept only with it ticked, and the reverse.
    f.CONSENT: "Vous avez donné une adresse : cochez cette case pour être prévenu des "
               "nouvelles éditions, ou effacez l'adresse.",
}
NO_EMAIL = ("Pour être prévenu des nouvelles éditions, saisissez votre adresse électronique, "
            "ou décochez la case.")
NO_EMAIL = typeset(NO_EMAIL)
INVISIBLE = "Ce champ contenait des caractères invisibles, que nous avons retirés : vérifiez-le."
MESSAGES = {name: typeset(text) for name, text in MESSAGES.items()}
INVISIBLE = typeset(INVISIBLE)

FIELDS = (f.FUNCTION, f.ESTABLISHMENT_TYPE, f.DEPARTMENT, f.ESTABLISHMENT, f.EMAIL, f.CONSENT)
_CODES = {
    f.FUNCTION: frozenset(code for code, _ in f.FUNCTIONS),
    f.ESTABLISHMENT_TYPE: frozenset(code for code, _ in f.ESTABLISHMENT_TYPES),
    f.DEPARTMENT: frozenset(code for code, _ in f.DEPARTMENTS),
}
# One « @ », no spaces or characters that have no place in an address, a dot in the domain.
_LOCAL = r"[^@\s<>()\[\]\\,;:\"]{1,64}"
_DOMAIN = r"[^@\s<>()\[\]\\,;:\"_]+\.[^@\s<>()\[\]\\,;:\"_]+"
_EMAIL = re.compile(f"^{_LOCAL}@{_DOMAIN}$")
_RAW_MAX = 1000  # longer than any field allows: not re-displayed either


@dataclass(frozen=True)
class Result:
    """The answers when every field is right, else a message per wrong field."""

    answers: Answers | None
    values: dict[str, str] = field(default_factory=dict)  # what to show again in the form
    errors: dict[str, str] = field(default_factory=dict)


MAX_FIELDS = 20  # the form has eight; a body with more is not ours
_URLENCODED = "application/x-www-form-urlencoded"


async def read(request: Request) -> dict[str, list[str]] | None:
    """The fields a post sent, each with its values in order; None when its body is not a
    form without files of at most MAX_FIELDS fields (the body's size is the guard's limit).

    The kit's form is URL-encoded, as browsers send any form without files: read here by the
    standard library in one call, as Starlette reads it (latin-1, then percent escapes from
    UTF-8), rather than by the streaming parser's callbacks, which cost twice as much as the
    rest of reading a post. Any other body goes to Starlette's parser."""
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind == _URLENCODED:
        try:
            pairs = parse_qsl((await request.body()).decode("latin-1"),
                              keep_blank_values=True, max_num_fields=MAX_FIELDS)
        except ValueError:  # too many fields
            return None
    else:
        try:
            data = await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=4096)
        except HTTPException:
            return None
        pairs = []
        for name, value in data.multi_items():
            if isinstance(value, UploadFile):
                return None
            pairs.append((name, value))
    fields: dict[str, list[str]] = {}
    for name, value in pairs:
        fields.setdefault(name, []).append(value)
    return fields


def single(form: Mapping[str, Sequence[str]], name: str) -> str:
    """The one value sent for a field; a field sent twice counts as invalid (« \\x00 »)."""
    values = form.get(name, ())
    if len(values) > 1:
        return "\x00"
    value = values[0] if values else ""
    return value if len(value) <= _RAW_MAX else "\x00"


def _clean_text(value: str) -> tuple[str, bool]:
    """Text with spaces tidied and control or invisible format characters removed; and
    whether any were removed (a pasted value may carry them: the visitor should check it)."""
    value = unicodedata.normalize("NFC", value)
    if value.isprintable():  # no character of the « Other » categories: nothing to remove
        return " ".join(value.split()), False
    kept = "".join(c for c in value
                   if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co") or c in "\t\n\r")
    return " ".join(kept.split()), len(kept) != len(value)


def validate(form: Mapping[str, Sequence[str]]) -> Result:
    """Check every field of a submitted form; never raises on what a visitor sends."""
    raw = {name: single(form, name) for name in FIELDS}
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, codes in _CODES.items():
        if raw[name] in codes:
            values[name] = raw[name]
        else:
            errors[name] = MESSAGES[name]
    texts: dict[str, str | None] = {}
    for name, limit, pattern in ((f.ESTABLISHMENT, f.ESTABLISHMENT_MAX, None),
                                 (f.EMAIL, f.EMAIL_MAX, _EMAIL)):
        text, removed = _clean_text(raw[name])
        values[name] = text
        if removed:
            errors[name] = INVISIBLE
        elif len(text) > limit or (text and pattern and not pattern.match(text)):
            errors[name] = MESSAGES[name]
        texts[name] = text or None
    consent = raw[f.CONSENT] == f.CONSENT_VALUE  # anything else: the box left empty
    if consent:
        values[f.CONSENT] = f.CONSENT_VALUE
    if f.EMAIL not in errors:
        if texts[f.EMAIL] and not consent:
            errors[f.CONSENT] = MESSAGES[f.CONSENT]
        elif consent and not texts[f.EMAIL]:
            errors[f.EMAIL] = NO_EMAIL
    if errors:
        return Result(None, values, errors)
    return Result(Answers(values[f.FUNCTION], values[f.ESTABLISHMENT_TYPE], values[f.DEPARTMENT],
                          texts[f.ESTABLISHMENT], texts[f.EMAIL], consent), values)
