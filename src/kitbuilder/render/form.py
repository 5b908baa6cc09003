"""The kit request form: the one place where its HTML is written.

The kit page is built with the form in it (see `pages.index`); the request server writes the
same form again, from here, with a fresh CSRF token, the visitor's answers and error messages,
and swaps it in between the `START` and `END` markers of the built page.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape

from kitbuilder.typography import typeset

START = "<!-- kitbuilder:request"
END = "<!-- /kitbuilder:request -->"
ANCHOR = "telecharger-le-kit"  # id of the « Télécharger le kit » heading, above the form
ACTION = "demande"  # POST route, relative to the kit's folder
DOWNLOAD = "telechargement"  # download page, relative to the kit's folder
TOKEN = "jeton"  # query parameter carrying the download token

# Field names: what the browser sends and what the server validates.
FUNCTION = "function"
ESTABLISHMENT_TYPE = "establishment_type"
DEPARTMENT = "department"
ESTABLISHMENT = "establishment"
EMAIL = "email"
CONSENT = "consent"
CSRF = "csrf_token"
HONEYPOT = "website"  # hidden from people; robots fill it in

CONSENT_VALUE = "oui"
ESTABLISHMENT_MAX = 150
EMAIL_MAX = 254
RETENTION_MONTHS = 36

Choices = tuple[tuple[str, str], ...]  # (stored code, label shown)

FUNCTIONS: Choices = tuple((code, typeset(label)) for code, label in (
    ("direction", "Direction"),
    ("rh", "Ressources humaines"),
    ("representation", "Représentation du personnel"),
    ("encadrement", "Encadrement"),
    ("personnel", "Membre du personnel"),
    ("autre", "Autre"),
))

ESTABLISHMENT_TYPES: Choices = tuple((code, typeset(label)) for code, label in (
    ("ehpad", "Ehpad"),
    ("hebergement", "Autre établissement avec hébergement"),
    ("domicile", "Service d'aide ou de soins à domicile"),
    ("autre", "Autre"),
))

_DEPARTMENT_NAMES = """\
01 Ain|02 Aisne|03 Allier|04 Alpes-de-Haute-Provence|05 Hautes-Alpes|06 Alpes-Maritimes|\
07 Ardèche|08 Ardennes|09 Ariège|10 Aube|11 Aude|12 Aveyron|13 Bouches-du-Rhône|14 Calvados|\
15 Cantal|16 Charente|17 Charente-Maritime|18 Cher|19 Corrèze|2A Corse-du-Sud|2B Haute-Corse|\
21 Côte-d'Or|22 Côtes-d'Armor|23 Creuse|24 Dordogne|25 Doubs|26 Drôme|27 Eure|28 Eure-et-Loir|\
29 Finistère|30 Gard|31 Haute-Garonne|32 Gers|33 Gironde|34 Hérault|35 Ille-et-Vilaine|36 Indre|\
37 Indre-et-Loire|38 Isère|39 Jura|40 Landes|41 Loir-et-Cher|42 Loire|43 Haute-Loire|\
44 Loire-Atlantique|45 Loiret|46 Lot|47 Lot-et-Garonne|48 Lozère|49 Maine-et-Loire|50 Manche|\
51 Marne|52 Haute-Marne|53 Mayenne|54 Meurthe-et-Moselle|55 Meuse|56 Morbihan|57 Moselle|\
58 Nièvre|59 Nord|60 Oise|61 Orne|62 Pas-de-Calais|63 Puy-de-Dôme|64 Pyrénées-Atlantiques|\
65 Hautes-Pyrénées|66 Pyrénées-Orientales|67 Bas-Rhin|68 Haut-Rhin|69 Rhône|70 Haute-Saône|\
71 Saône-et-Loire|72 Sarthe|73 Savoie|74 Haute-Savoie|75 Paris|76 Seine-Maritime|\
77 Seine-et-Marne|78 Yvelines|79 Deux-Sèvres|80 Somme|81 Tarn|82 Tarn-et-Garonne|83 Var|\
84 Vaucluse|85 Vendée|86 Vienne|87 Haute-Vienne|88 Vosges|89 Yonne|90 Territoire de Belfort|\
91 Essonne|92 Hauts-de-Seine|93 Seine-Saint-Denis|94 Val-de-Marne|95 Val-d'Oise|971 Guadeloupe|\
972 Martinique|973 Guyane|974 La Réunion|975 Saint-Pierre-et-Miquelon|976 Mayotte"""

# French départements by INSEE code: 01-95 with Corsica as 2A and 2B, then 971-976 overseas.
DEPARTMENTS: Choices = tuple(
    (code, f"{code} – {typeset(name)}")
    for code, name in (item.split(" ", 1) for item in _DEPARTMENT_NAMES.split("|")))

INTRO = ("Trois questions pour savoir qui utilise le kit, et deux facultatives ; "
         "aucune ne porte sur votre santé ni sur votre situation personnelle.")
CONSENT_LABEL = ("Je souhaite recevoir un e-mail à cette adresse quand une nouvelle édition "
                 "du kit paraît.")

@dataclass(frozen=True)
class FormSettings:
    """How the kit page offers the kit: through our own form, or (static-only) openly."""

    privacy_url: str = "../confidentialite/"  # relative to the kit page
    external_url: str | None = None  # static-only mode: an external form, files published openly


@dataclass(frozen=True)
class FormState:
    """What the form shows: answers typed, messages by field name, a notice above it."""

    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    csrf: str = ""
    notice: str = ""


# --- The form -------------------------------------------------------------------------------


def html_text(value: str) -> str:
    return escape(typeset(value), quote=False)


def html_attr(value: str) -> str:
    return escape(value, quote=True)


def _id(name: str) -> str:
    return f"kit-{name.replace('_', '-')}"


def _error(name: str, errors: Mapping[str, str]) -> tuple[str, str]:
    """The message paragraph placed under a label, and the attributes tying it to the field."""
    if name not in errors:
        return "", ""
    ident = f"{_id(name)}-error"
    message = (f'<p class="kit-form__error" id="{ident}">'
               f'<span class="kit-form__sr">Erreur{typeset(" :")} </span>{html_text(errors[name])}</p>')
    return message, f' aria-invalid="true" aria-describedby="{ident}"'


def _wrap(name: str, errors: Mapping[str, str], inner: str) -> str:
    css = "kit-form__field" + (" kit-form__field--error" if name in errors else "")
    return f'<div class="{css}">{inner}</div>'


def _radios(name: str, legend: str, choices: Choices, state: FormState) -> str:
    message, aria = _error(name, state.errors)
    chosen = state.values.get(name, "")
    items = []
    for n, (code, value, label) in enumerate(_choices_html(choices)):
        ident = _id(name) if n == 0 else f"{_id(name)}-{code}"
        checked = " checked" if code == chosen else ""
        items.append(f'<div class="kit-form__choice"><input type="radio" id="{ident}" '
                     f'name="{name}" value="{value}" required{checked}>'
                     f' <label for="{ident}">{label}</label></div>')
    # aria-invalid is not for groups: the message, tied to the fieldset, says it.
    aria = aria.replace(' aria-invalid="true"', "")
    return _wrap(name, state.errors,
                 f"<fieldset{aria}><legend>{html_text(legend)}</legend>{message}{''.join(items)}"
                 "</fieldset>")


@functools.cache
def _choices_html(choices: Choices) -> tuple[tuple[str, str, str], ...]:
    """Each choice's code and label as HTML, made once: typesetting the hundred
    départements on every request was most of the kit page's cost."""
    return tuple((code, html_attr(code), html_text(text)) for code, text in choices)


def _select(name: str, label: str, choices: Choices, state: FormState) -> str:
    message, aria = _error(name, state.errors)
    chosen = state.values.get(name, "")
    options = ['<option value="">Choisir dans la liste</option>']
    options += [f'<option value="{value}"{" selected" if code == chosen else ""}>{text}</option>'
                for code, value, text in _choices_html(choices)]
    return _wrap(name, state.errors,
                 f'<label for="{_id(name)}">{html_text(label)}</label>{message}'
                 f'<select id="{_id(name)}" name="{name}" required{aria}>{"".join(options)}'
                 "</select>")


def _input(name: str, label: str, kind: str, autocomplete: str, maxlength: int,
           state: FormState, hint: str = "") -> str:
    message, aria = _error(name, state.errors)
    value = html_attr(state.values.get(name, ""))
    hint_html = f' <span class="kit-form__hint">{html_text(hint)}</span>' if hint else ""
    return _wrap(name, state.errors,
                 f'<label for="{_id(name)}">{html_text(label)} <span class="kit-form__optional">'
                 f"(facultatif)</span>{hint_html}</label>{message}"
                 f'<input type="{kind}" id="{_id(name)}" name="{name}" value="{value}" '
                 f'maxlength="{maxlength}" autocomplete="{autocomplete}" spellcheck="false"{aria}>')


def _basis(privacy_url: str) -> str:
    """What the answers are for and on what legal basis, above the fields."""
    text = typeset(
        "Mieux-être & Travail enregistre ces réponses sur son propre serveur, sans votre adresse "
        "IP, pour savoir quels établissements utilisent le kit et pour l'améliorer : c'est "
        "l'intérêt légitime de l'association, et vous recevez le kit dans tous les cas. Elles "
        f"sont gardées {RETENTION_MONTHS}\u00a0mois, puis supprimées ; elles ne sont jamais "
        "vendues ni transmises. Vous pouvez les consulter, les corriger, les faire effacer ou "
        "vous opposer à cet usage :")
    return (f'<p class="kit-form__privacy">{escape(text, quote=False)} voir notre '
            f'<a href="{html_attr(privacy_url)}">politique de confidentialité</a>.</p>')


def _consent(state: FormState) -> str:
    """The one consent asked: to be told of new editions by e-mail. Optional, never ticked
    in advance; the kit is given either way."""
    message, aria = _error(CONSENT, state.errors)
    checked = " checked" if state.values.get(CONSENT) == CONSENT_VALUE else ""
    label = html_text(CONSENT_LABEL)
    hint = html_text("Une fois par nouvelle édition, pas plus ; chaque message contient un "
                     "lien pour vous désinscrire, qui efface votre adresse.")
    return _wrap(CONSENT, state.errors,
                 f'{message}<div class="kit-form__choice"><input type="checkbox" '
                 f'id="{_id(CONSENT)}" name="{CONSENT}" value="{CONSENT_VALUE}"{checked}{aria}>'
                 f' <label for="{_id(CONSENT)}">{label} <span class="kit-form__optional">'
                 f'(facultatif)</span> <span class="kit-form__hint">{hint}</span></label></div>')


def _summary(state: FormState) -> str:
    if not state.errors:
        return ""
    count = len(state.errors)
    head = typeset(f"Le formulaire contient {count} erreur{'s' if count > 1 else ''} :")
    order = (FUNCTION, ESTABLISHMENT_TYPE, DEPARTMENT, ESTABLISHMENT, EMAIL, CONSENT)
    items = "".join(f'<li><a href="#{_id(name)}">{html_text(state.errors[name])}</a></li>'
                    for name in order if name in state.errors)
    return (f'<div class="kit-form__summary" role="alert"><p><strong>{html_text(head)}</strong>'
            f"</p><ul>{items}</ul></div>")


def notice(text: str) -> str:
    """A message shown above the form (expired link, session lost, ...)."""
    return f'<div class="kit-form__notice" role="alert"><p>{html_text(text)}</p></div>'


_TOKEN_HOLE = "\ue000csrf\ue000"


@functools.lru_cache(maxsize=8)
def _blank_form(privacy_url: str) -> tuple[str, str]:
    """The empty form, made once, split where its token goes."""
    before, after = _form(FormState(csrf=_TOKEN_HOLE), privacy_url).split(_TOKEN_HOLE)
    return before, after


def form(state: FormState, privacy_url: str) -> str:
    """The request form, on lines without blank ones so that Markdown keeps it as one block.

    An empty form differs from the last one only by its token: it is made once, and the
    token put in (the server writes one on every visit to the kit page)."""
    if not (state.values or state.errors or state.notice):
        before, after = _blank_form(privacy_url)
        return before + html_attr(state.csrf) + after
    return _form(state, privacy_url)


def _form(state: FormState, privacy_url: str) -> str:
    parts = [
        (f'<form id="kit-request" class="kit-form" method="post" action="{ACTION}#{ANCHOR}" '
        'novalidate>'),
        notice(state.notice) if state.notice else "",
        _summary(state),
        f'<input type="hidden" name="{CSRF}" value="{html_attr(state.csrf)}">',
        f'<p class="kit-form__intro">{html_text(INTRO)}</p>',
        _basis(privacy_url),
        _radios(FUNCTION, "Votre fonction", FUNCTIONS, state),
        _radios(ESTABLISHMENT_TYPE, "Type d'établissement", ESTABLISHMENT_TYPES, state),
        _select(DEPARTMENT, "Département de l'établissement", DEPARTMENTS, state),
        _input(ESTABLISHMENT, "Nom de l'établissement", "text", "organization",
               ESTABLISHMENT_MAX, state),
        _input(EMAIL, "Adresse électronique", "email", "email", EMAIL_MAX, state,
               hint="Seulement pour être prévenu des nouvelles éditions, par exemple "
                    ": nom@exemple.fr"),
        _consent(state),
        # People never see this field (hidden, skipped by keyboard and screen readers);
        # a robot filling every input reveals itself by typing into it.
        (f'<div class="kit-form__hp" hidden aria-hidden="true"><label for="{_id(HONEYPOT)}">'
        f'Laissez ce champ vide</label><input type="text" id="{_id(HONEYPOT)}" '
        f'name="{HONEYPOT}" value="" tabindex="-1" autocomplete="off"></div>'),
        ('<p><button type="submit" class="md-button md-button--primary">'
        "Recevoir le kit</button></p>"),
        "</form>",
    ]
    return "\n".join(p for p in parts if p)
