"""`kitbuilder requests notify`: tell each consenting address that a new edition of the kit is
out, once per edition, through the association's own SMTP server.

Settings come from the environment, so that the password never sits in a file of the
repository (an EnvironmentFile of mode 600 on the server, see README « Prévenir des nouvelles
éditions »):

    SMTP_HOST      the association's mail server (required)
    SMTP_PORT      587 by default (465 with SMTP_SECURITY=tls)
    SMTP_SECURITY  starttls (default), tls, or none (a server on this machine only)
    SMTP_USER      login, if the server asks for one
    SMTP_PASSWORD  its password, from the environment only
    SMTP_FROM      the sender, e.g. « Mieux-être & Travail <kit@example.org> » (required)

Each message carries its own unsubscribe link (a signed token naming the request); following
it erases the address from every request that holds it. What was sent is stored
(`db.notices`), so that running the command again sends only to those not yet told.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Literal

from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import Engine, func, insert, select, update

from kitbuilder.server import db
from kitbuilder.server.admin import AdminError
from kitbuilder.typography import typeset

UNSUBSCRIBE = "desinscription"  # route, relative to the kit's folder
TOKEN = "jeton"
_SALT = "kit-unsubscribe"
KIT_TITLE = "Discuter du travail"
Security = Literal["starttls", "tls", "none"]


class NotifyError(AdminError):
    """A setting missing or the mail server refusing: told in French, in one line."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    security: Security = "starttls"
    user: str | None = None
    password: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> SmtpSettings:
        """The settings from SMTP_* variables; a missing or wrong one is a NotifyError."""
        missing = [name for name in ("SMTP_HOST", "SMTP_FROM") if not env.get(name)]
        if missing:
            raise NotifyError(f"réglez {' et '.join(missing)} dans l'environnement (voir le "
                              "README, « Prévenir des nouvelles éditions »)")
        security = env.get("SMTP_SECURITY", "starttls").lower()
        if security not in ("starttls", "tls", "none"):
            raise NotifyError(f"SMTP_SECURITY : « {security} » ; écrivez starttls, tls ou none")
        port_text = env.get("SMTP_PORT", "465" if security == "tls" else "587")
        if not port_text.isdigit():
            raise NotifyError(f"SMTP_PORT : « {port_text} » n'est pas un numéro de port")
        if not parseaddr(env["SMTP_FROM"])[1].count("@") == 1:
            raise NotifyError(f"SMTP_FROM : « {env['SMTP_FROM']} » n'est pas une adresse "
                              "d'expéditeur")
        user = env.get("SMTP_USER") or None
        if user and not env.get("SMTP_PASSWORD"):
            raise NotifyError("SMTP_USER est réglé mais pas SMTP_PASSWORD")
        return cls(env["SMTP_HOST"], int(port_text), env["SMTP_FROM"],
                   security,  # type: ignore[arg-type]  # checked just above
                   user, env.get("SMTP_PASSWORD") or None)


@dataclass(frozen=True)
class Recipient:
    """One address to tell, and every request that holds it (all are marked as told)."""

    email: str
    request_ids: tuple[int, ...]


# --- Tokens and addresses ---------------------------------------------------------------------


def _signer(secret: str) -> URLSafeSerializer:
    # No expiry: an unsubscribe link must work whenever it is followed.
    return URLSafeSerializer(secret, salt=_SALT)


def unsubscribe_token(secret: str, request_id: int) -> str:
    return str(_signer(secret).dumps(request_id))


def check_unsubscribe(secret: str, token: str | None) -> int | None:
    """The request an unsubscribe token names, or None when it is missing or forged."""
    if not token:
        return None
    try:
        value = _signer(secret).loads(token)
    except BadData:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def pending(engine: Engine, edition: str) -> list[Recipient]:
    """Consenting addresses not yet told of `edition`, one per address whatever its case."""
    query = (select(db.requests.c.id, db.requests.c.email)
             .where(db.requests.c.email.is_not(None), db.requests.c.consent_at.is_not(None))
             .order_by(db.requests.c.id))
    with engine.connect() as connection:
        told = set(connection.execute(select(db.notices.c.request_id).where(
            db.notices.c.edition == edition)).scalars())
        grouped: dict[str, list[tuple[int, str]]] = {}
        for request_id, email in connection.execute(query):
            grouped.setdefault(email.strip().lower(), []).append((request_id, email))
    return [Recipient(rows[-1][1], tuple(i for i, _ in rows)) for rows in grouped.values()
            if not told.intersection(i for i, _ in rows)]


def mark_told(engine: Engine, recipient: Recipient, edition: str) -> None:
    with engine.begin() as connection:
        connection.execute(insert(db.notices), [
            {"request_id": i, "edition": edition, "sent_at": db.utcnow()}
            for i in recipient.request_ids])


def erase(engine: Engine, request_id: int) -> int:
    """Unsubscribe: erase the address of that request from every request holding it (and
    the consent with it); return how many requests held it (0: already erased)."""
    with engine.begin() as connection:
        email = connection.execute(select(db.requests.c.email).where(
            db.requests.c.id == request_id)).scalar_one_or_none()
        if not email:
            return 0
        same = func.lower(func.trim(db.requests.c.email)) == email.strip().lower()
        return int(connection.execute(update(db.requests).where(same).values(
            email=None, consent_at=None)).rowcount)


# --- The message ------------------------------------------------------------------------------


def message(recipient: Recipient, edition: str, site_url: str, kit_url: str, secret: str,
            sender: str, note: str = "") -> EmailMessage:
    """The plain-text French e-mail for one address, with its own unsubscribe link."""
    base = site_url.rstrip("/") + "/" + kit_url.strip("/") + "/"
    link = f"{base}{UNSUBSCRIBE}?{TOKEN}={unsubscribe_token(secret, recipient.request_ids[-1])}"
    name = parseaddr(sender)[0] or "Mieux-être & Travail"
    lines = [
        "Bonjour,",
        "",
        f"Une nouvelle édition du kit « {KIT_TITLE} » est en ligne : {edition}.",
        *(["", note.strip()] if note.strip() else []),
        "",
        "Vous pouvez la télécharger gratuitement ici, après le court formulaire habituel :",
        base,
        "",
        ("Vous recevez ce message parce qu'en téléchargeant le kit, vous avez demandé à être "
         "prévenu de ses nouvelles éditions. Nous n'écrivons qu'une fois par édition."),
        "",
        "Pour ne plus rien recevoir et effacer votre adresse de nos fichiers :",
        link,
        "",
        name,
    ]
    mail = EmailMessage()
    mail["Subject"] = typeset(f"Nouvelle édition du kit « {KIT_TITLE} »")
    mail["From"] = sender
    mail["To"] = Address(addr_spec=recipient.email) if recipient.email.isascii() \
        else recipient.email
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2])
    # One-click unsubscribe from the mail program (RFC 8058): a POST to the same link.
    mail["List-Unsubscribe"] = f"<{link}>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content("\n".join(line if line.startswith("http") else typeset(line)
                               for line in lines))
    return mail


def preview(mail: EmailMessage) -> str:
    """A message as the dry run prints it: its headers, then its text, readable."""
    headers = "".join(f"{name}: {mail[name]}\n" for name in
                      ("From", "To", "Subject", "List-Unsubscribe"))
    return f"----------\n{headers}\n{mail.get_content()}"


# --- Sending ----------------------------------------------------------------------------------


@contextmanager
def smtp(settings: SmtpSettings, timeout: float = 30) -> Iterator[smtplib.SMTP]:
    """A logged-in connection to the association's mail server; failures as NotifyError."""
    where = f"{settings.host}:{settings.port}"
    try:
        if settings.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port,
                                                    timeout=timeout,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        with client:
            if settings.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.user and settings.password:
                client.login(settings.user, settings.password)
            yield client
    except smtplib.SMTPAuthenticationError:
        raise NotifyError(f"le serveur de messagerie {where} refuse l'identifiant ou le mot de "
                          "passe (SMTP_USER, SMTP_PASSWORD)") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise NotifyError(f"le serveur de messagerie {where} ne répond pas comme prévu "
                          f"({type(exc).__name__} : {exc}) ; vérifiez SMTP_HOST, SMTP_PORT et "
                          "SMTP_SECURITY") from None


def notify(engine: Engine, edition: str, site_url: str, kit_url: str, secret: str,
           sender: str, settings: SmtpSettings | None, note: str = "",
           say: Callable[[str], None] = print) -> int:
    """Send `edition`'s message to every address not yet told; `settings` None: a dry run
    that prints each message instead. Returns how many addresses were (or would be) told."""
    recipients = pending(engine, edition)
    if settings is None:
        for recipient in recipients:
            mail = message(recipient, edition, site_url, kit_url, secret, sender, note)
            say(preview(mail))
        say(typeset(f"Essai : {len(recipients)} message(s) seraient envoyés pour "
                    f"« {edition} » ; rien n'a été envoyé."))
        return len(recipients)
    if not recipients:
        say(typeset(f"Personne à prévenir pour « {edition} » : tout a déjà été envoyé."))
        return 0
    with smtp(settings) as client:
        for recipient in recipients:
            client.send_message(message(recipient, edition, site_url, kit_url, secret, sender,
                                        note))
            mark_told(engine, recipient, edition)  # at once: a failure later resends nothing
    say(typeset(f"{len(recipients)} message(s) envoyé(s) pour « {edition} »."))
    return len(recipients)
