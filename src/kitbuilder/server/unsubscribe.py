"""The unsubscribe link of `requests notify`'s e-mails: GET asks, POST erases the address.

GET only shows a button: mail filters open links to inspect them, and must not unsubscribe
anyone by doing so. POST erases, from the button or from a mail program's one-click
unsubscribe (RFC 8058, `List-Unsubscribe-Post`), which posts to the same link with no
browser headers: so no cross-site check here; the signed token is what authorises.
"""

from __future__ import annotations

from html import escape
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from kitbuilder.server import notify
from kitbuilder.server.logs import log
from kitbuilder.typography import typeset

TITLE = "Désinscription"


class _Page(Protocol):
    def render(self, region: str, title: str = "") -> bytes: ...


def _section(*paragraphs: str, form: str = "") -> str:
    body = "".join(f"<p>{escape(typeset(p), quote=False)}</p>" for p in paragraphs)
    return (f'<section class="kit-form" id="kit-unsubscribe" aria-labelledby="kit-unsubscribe-'
            f'title"><h2 id="kit-unsubscribe-title">{escape(TITLE)}</h2>{body}{form}</section>')


async def unsubscribe(request: Request, engine: Engine, secret: str, page: _Page) -> Response:
    """The page of an unsubscribe link (`?jeton=…`)."""
    token = request.query_params.get(notify.TOKEN)
    request_id = notify.check_unsubscribe(secret, token)
    headers = {"cache-control": "no-store"}
    if request_id is None:
        body = _section("Ce lien de désinscription n'est pas valide : il a peut-être été coupé "
                        "en deux par votre messagerie. Copiez-le en entier depuis l'e-mail, ou "
                        "écrivez-nous : nous effacerons votre adresse.")
        return HTMLResponse(page.render(body, TITLE), 400, headers)
    if request.method != "POST":
        button = (f'<form method="post" action="{notify.UNSUBSCRIBE}?{notify.TOKEN}='
                  f'{escape(token or "", quote=True)}"><p><button type="submit" class="md-button '
                  'md-button--primary">Me désinscrire et effacer mon adresse</button></p></form>')
        body = _section("Vous ne voulez plus être prévenu des nouvelles éditions du kit ? "
                        "Confirmez : votre adresse électronique sera effacée de nos fichiers, "
                        "et vous ne recevrez plus aucun message.", form=button)
        return HTMLResponse(page.render(body, TITLE), 200, headers)
    try:
        erased = await run_in_threadpool(notify.erase, engine, request_id)
    except SQLAlchemyError as exc:
        log.error("désinscription non faite\u00a0: erreur de la base de données (%s)",
                  type(exc).__name__)
        body = _section("Votre désinscription n'a pas pu être enregistrée, à cause d'un "
                        "problème de notre côté. Réessayez dans un moment, ou écrivez-nous.")
        return HTMLResponse(page.render(body, TITLE), 503, headers)
    if erased:
        log.info("désinscription\u00a0: une adresse effacée de %d demande(s)", erased)
    body = _section("C'est fait : votre adresse électronique est effacée de nos fichiers. "
                    "Vous ne recevrez plus de message sur les nouvelles éditions du kit.",
                    "Vous pouvez toujours télécharger le kit depuis cette page, quand vous "
                    "le souhaitez.")
    return HTMLResponse(page.render(body, TITLE), 200, headers)
