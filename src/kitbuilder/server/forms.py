"""Strict validation of a kit request: choices from their lists, bounded lengths, clean text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

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
