"""French typography, applied by the build so that editors can type normally."""

from __future__ import annotations

import dataclasses
import re
from typing import Any, TypeVar

NBSP = "\u00a0"  # before a colon, inside guillemets, in « 7 h 30 »
NNBSP = "\u202f"  # narrow no-break space before ; ! ?

# A space (or none) before ; ! ? : that ends a clause. Not in « 10:30 », URLs or « a?b ».
_HIGH_PUNCT = re.compile(r"(?<=[^\s\u00a0\u202f;:!?])[ \t]?([;:!?])(?=\s|$|[»)\]\"”,.!?])")
_OPEN_QUOTE = re.compile(r"«[ \t\u00a0\u202f]*")
_CLOSE_QUOTE = re.compile(r"[ \t\u00a0\u202f]*»")
# A time of day, « 7h30 », « 7 h 30 » or « 22h »: hours in group 1, minutes (if any) in 2.
TIME = re.compile(r"(?<![\w,.])(\d{1,2})\s?h(?:\s?(\d{2}))?(?![\w])")
_APOSTROPHE = re.compile(r"(?<=\w)'|'(?=\w)")

T = TypeVar("T")

# Fields that hold identifiers, addresses or code rather than prose.
_NOT_PROSE = frozenset({"slug", "href", "kind", "bundle"})


def typeset(text: str) -> str:
    """Return text with French typographic spaces, apostrophes and times."""
    if not text:
        return text
    text = _APOSTROPHE.sub("\u2019", text)
    text = TIME.sub(lambda m: f"{m[1]}{NBSP}h" + (f"{NBSP}{m[2]}" if m[2] else ""), text)
    text = _OPEN_QUOTE.sub("«" + NBSP, text)
    text = _CLOSE_QUOTE.sub(NBSP + "»", text)
    return _HIGH_PUNCT.sub(lambda m: (NBSP if m[1] == ":" else NNBSP) + m[1], text)


# What a message quotes from the sources, between « », with the spaces around it.
_QUOTED = re.compile(r"«[ \t\u00a0\u202f]*(.*?)[ \t\u00a0\u202f]*»", re.DOTALL)
_HOLE = 0xE000  # private-use characters hold the quoted pieces' places while typesetting


def typeset_message(text: str) -> str:
    """typeset() for a message that quotes its reader's text between « »: the words around
    are typeset, what is quoted is shown exactly as typed (« 7h30 », « a:b », « l'x »)."""
    quoted: list[str] = []

    def hole(match: re.Match[str]) -> str:
        quoted.append(match[1])
        return f"«{chr(_HOLE + len(quoted) - 1)}»"

    done = typeset(_QUOTED.sub(hole, text))
    return re.sub("[\ue000-\uf8ff]", lambda m: quoted[ord(m[0]) - _HOLE], done) \
        if quoted else done


def typeset_all(obj: T) -> T:
    """Typeset every prose string inside a model object, leaving code and addresses alone."""
    walked: T = _walk(obj)
    return walked


def _walk(obj: Any) -> Any:
    if isinstance(obj, str):
        return typeset(obj)
    if isinstance(obj, tuple):
        if obj and all(_is_span(x) for x in obj):
            return _inline(obj)
        return tuple(_walk(x) for x in obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        if getattr(obj, "code", False):
            return obj
        changes = {f.name: _walk(getattr(obj, f.name)) for f in dataclasses.fields(obj)
                   if f.name not in _NOT_PROSE}
        return dataclasses.replace(obj, **changes)
    return obj


def _is_span(obj: Any) -> bool:
    """A run of rich text (the model's Span), known by its fields: typography does not
    import the model it serves."""
    return (dataclasses.is_dataclass(obj) and not isinstance(obj, type)
            and hasattr(obj, "text") and hasattr(obj, "code"))


def _inline(spans: tuple[Any, ...]) -> tuple[Any, ...]:
    """Typeset runs of one paragraph, each read after the text before it: in « **Durée** :
    deux heures » the colon's run starts with the space, and only the bold word before it says
    that this space is the one before a colon."""
    out = []
    before = ""
    for span in spans:
        if span.text and not span.code:  # a run's other fields are no prose (href)
            # After a word, as after any text but a space: « x » stands for it, a character
            # typeset() never changes (the real one may be « » », which it would).
            text = (typeset("x" + span.text)[1:] if before and not before[-1].isspace()
                    else typeset(span.text))
            span = dataclasses.replace(span, text=text)
        before = span.text or before
        out.append(span)
    return tuple(out)


# What a reader would see as a typographic mistake in finished text.
_BREACHES = (
    (re.compile(r"(?<=[^\s\u00a0\u202f;:!?(])[;!?](?=\s|$)"),
     "espace fine insécable manquante avant « ; », « ! » ou « ? »"),
    (re.compile(r"(?<=\w)[:](?=\s|$)"), "espace insécable manquante avant « : »"),
    (re.compile(r"[ \t][;:!?](?=\s|$)"), "espace ordinaire avant « ; : ! ? » (insécable attendue)"),
    (re.compile(r"«(?!\u00a0|\u202f)"), "espace insécable manquante après « « »"),
    (re.compile(r"(?<![\u00a0\u202f])»"), "espace insécable manquante avant « » »"),
    (re.compile(r"(?<=\w)'(?=\w)"), "apostrophe droite (’ attendue)"),
    (re.compile(r"(?<![\w,.])\d{1,2} ?h ?\d{2}(?!\w)"), "heure à écrire « 7 h 30 » (insécables)"),
)


def breaches(text: str) -> list[tuple[int, str]]:
    """Typographic mistakes in finished text, as (offset, what) pairs; empty when correct."""
    found = [(m.start(), what) for pattern, what in _BREACHES for m in pattern.finditer(text)]
    return sorted(found)
