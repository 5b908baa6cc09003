"""What the request server says to visitors, in French: its error pages and form notices."""

from __future__ import annotations

import re
from pathlib import Path

from kitbuilder.typography import typeset

# What the error page says (title, text) for each status it is shown with.
ERRORS = {
    404: ("Page introuvable", "Cette adresse ne mène à aucune page du site."),
    400: ("Demande incomprise", ("Le serveur n’a pas compris cette demande. Revenez à "
                                 "l’accueil et suivez les liens du site.")),
    405: ("Action impossible ici", ("Cette adresse se consulte, elle ne reçoit pas de "
                                    "données. Pour demander le kit, passez par son "
                                    "formulaire.")),
    416: ("Partie de fichier introuvable", ("La partie du fichier demandée n’existe pas. "
                                            "Téléchargez le fichier en entier.")),
}


def notices(link_days: int) -> dict[str, str]:
    """What the visitor reads above the form, by reason; French, typeset."""
    texts = {
        "absent": "Les fichiers du kit se téléchargent après ce court formulaire.",
        "invalide": "Ce lien de téléchargement n'est pas valide : il a peut-être été mal copié. "
                    "Remplissez ce court formulaire pour recevoir le kit.",
        "expire": "Ce lien de téléchargement a expiré : les liens restent valables "
                  f"{link_days}\u00a0jours. Remplissez de nouveau ce formulaire pour en "
                  "recevoir un nouveau.",
        "form_expired": "Le formulaire est resté ouvert trop longtemps. Vos réponses sont "
                        "gardées : vérifiez-les, puis envoyez-les de nouveau.",
        "form_invalid": "Le formulaire n'a pas pu être vérifié. Vos réponses sont gardées : "
                        "vérifiez-les, puis envoyez-les de nouveau.",
        "cross_site": "Ce formulaire ne peut être envoyé que depuis notre site. Vérifiez vos "
                      "réponses, puis envoyez-les de nouveau.",
        "refused": "Votre demande n'a pas pu être enregistrée. Rechargez la page, puis "
                   "remplissez de nouveau le formulaire.",
        "unreadable": "Votre demande n'a pas pu être lue. Remplissez de nouveau le formulaire.",
        "too_slow": "Votre demande est arrivée trop lentement : la connexion a peut-être été "
                    "coupée. Remplissez de nouveau le formulaire.",
        "too_large": "Votre demande est trop volumineuse pour ce formulaire. Remplissez-le de "
                     "nouveau.",
        "rate": "Trop de demandes sont parties de votre connexion en peu de temps. Réessayez "
                "dans {duration}.",
        "unavailable": "Votre demande n'a pas pu être enregistrée : le service est "
                       "momentanément indisponible. Vos réponses sont gardées : réessayez dans "
                       "quelques minutes.",
    }
    return {key: typeset(text) for key, text in texts.items()}


def site_error_page(site_dir: Path, status: int = 404) -> str:
    """The site's error page (404.html), saying what went wrong for `status`: also the
    page of the errors Starlette answers in bare text."""
    page = site_dir / "404.html"
    try:
        text = page.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):  # none, or a link to nowhere: plain words
        return ERRORS.get(status, ERRORS[404])[0]
    if status in ERRORS and status != 404:
        for role, words in zip(("title", "text"), ERRORS[status]):
            def put(match: re.Match[str], words: str = words) -> str:
                return match[1] + words + match[2]

            text = re.sub(rf'(<[a-z0-9]+ data-kit-error="{role}">).*?(</[a-z0-9]+>)',
                          put, text, count=1, flags=re.DOTALL)
    return text
