"""Signed, timed tokens: download links and form tokens (itsdangerous, HMAC-SHA1 + salt).

Neither needs a cookie nor a server-side session: the signature proves the server made the
token, its timestamp how old it is.

Why the form token is not tied to a cookie, as CSRF tokens often are: the site sets no cookie
(its privacy policy says so) and the form acts on no one's behalf, since there is no session
or account a forged post could use. What the token must prove is that a submission follows a
form this server wrote, recently (2 hours); and one token stores one request at most, which
the database remembers across restarts (store.store_once). Cross-site posts are refused besides,
from the browser's Fetch metadata and Origin (security.cross_site).
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import int_to_bytes
from itsdangerous.signer import HMACAlgorithm, Signer

Clock = Callable[[], float]
ISSUED_KEPT = 256  # download tokens remembered as made (Tokens.check_download)


class Refusal(Enum):
    """Why a token was not accepted."""

    MISSING = "missing"
    INVALID = "invalid"  # forged, altered, cut short, or signed with another key
    EXPIRED = "expired"


@dataclass(frozen=True)
class Checked:
    value: Any = None
    issued: datetime | None = None
    refusal: Refusal | None = None


class _SHA1(HMACAlgorithm):
    """HMAC-SHA1 as itsdangerous computes it, byte for byte, at a fraction of the cost: its
    default digest is a Python function, which sends `hmac` down its slow pure-Python path
    on every token; here the key's HMAC is set up once and copied for each message."""

    def __init__(self) -> None:
        super().__init__(hashlib.sha1)
        self._keyed: dict[bytes, Any] = {}

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        keyed = self._keyed.get(key)
        if keyed is None:
            keyed = self._keyed[key] = hmac.new(key, digestmod=hashlib.sha1)
        mac = keyed.copy()
        mac.update(value)
        return mac.digest()


class _ClockedSigner(TimestampSigner):
    """A timestamp signer whose clock can be set, so that tests can make old tokens; its
    derived key is worked out once (itsdangerous derives it again for every token)."""

    clock: Clock = time.time

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.algorithm = _SHA1()
        self._derived: dict[bytes | None, bytes] = {}

    def get_timestamp(self) -> int:
        return int(self.clock())

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        cache_key = secret_key if secret_key is None else bytes(
            secret_key, "utf-8") if isinstance(secret_key, str) else secret_key
        derived = self._derived.get(cache_key)
        if derived is None:
            derived = self._derived[cache_key] = super().derive_key(secret_key)
        return derived


class _Serializer(URLSafeTimedSerializer):
    """One signer for every token of a kind, instead of a new one (and its key) each time."""

    _signer: Signer | None = None

    def make_signer(self, salt: str | bytes | None = None) -> Signer:
        if salt is not None and salt != self.salt:
            return super().make_signer(salt)
        if self._signer is None:
            self._signer = super().make_signer(salt)
        return self._signer


# itsdangerous's JSON (its _CompactJSON), with one encoder for every token instead of a new one.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def _base64(data: bytes) -> bytes:
    """itsdangerous's base64_encode (URL-safe, no padding), without its three layers."""
    return binascii.b2a_base64(data, newline=False).translate(_URL_SAFE).rstrip(b"=")


class Nonces:
    """Random nonces as secrets.token_urlsafe(size) gives them, drawn from the operating
    system `batch` at a time: one getrandom system call per kit page was a tenth of what its
    token cost. Safe to share between threads: no two calls ever get the same bytes."""

    def __init__(self, size: int = 12, batch: int = 256) -> None:
        self.size, self.batch = size, batch
        self._pool = b""
        self._at = 0
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            at = self._at
            if at + self.size > len(self._pool):
                self._pool, at = secrets.token_bytes(self.size * self.batch), 0
            self._at = at + self.size
            drawn = self._pool[at:at + self.size]
        return _base64(drawn).decode("ascii")


class _Kind:
    def __init__(self, secret: str, salt: str, lifetime: timedelta, clock: Clock) -> None:
        signer = type("Signer", (_ClockedSigner,), {"clock": staticmethod(clock)})
        self._serializer = _Serializer(secret, salt=salt, signer=signer)
        self.lifetime = lifetime
        self._clock = clock
        self._mac = hmac.new(self._serializer.make_signer().derive_key(),
                             digestmod=hashlib.sha1)
        self._stamp: tuple[int, bytes] = (-1, b"")

    def make(self, value: Any) -> str:
        return self.issue(value)[0]

    def issue(self, value: Any) -> tuple[str, int]:
        """The token itsdangerous's dumps(value) gives, byte for byte (tests/test_tokens.py),
        made in one step: the payload, its time and the HMAC-SHA1 of both with itsdangerous's
        derived key, each in URL-safe base64, joined by dots. Its layers (eight conversions
        to bytes, a signer's look-ups, the time encoded anew each time) were most of the
        cost of a kit page's token. Tokens are still read by itsdangerous (check)."""
        payload = _base64(_JSON.encode(value).encode("utf-8"))
        now = int(self._clock())
        if now != self._stamp[0]:
            self._stamp = (now, _base64(int_to_bytes(now)))
        signed = payload + b"." + self._stamp[1]
        mac = self._mac.copy()
        mac.update(signed)
        return (signed + b"." + _base64(mac.digest())).decode("ascii"), now

    def age(self, issued: int) -> int:
        """Seconds since `issued`, as itsdangerous counts them (whole seconds of the clock)."""
        return int(self._clock()) - issued

    def check(self, token: str | None) -> Checked:
        if not token:
            return Checked(refusal=Refusal.MISSING)
        try:
            value, issued = self._serializer.loads(
                token, max_age=int(self.lifetime.total_seconds()), return_timestamp=True)
        except SignatureExpired:
            return Checked(refusal=Refusal.EXPIRED)
        except BadData:
            return Checked(refusal=Refusal.INVALID)
        return Checked(value, issued)


class Tokens:
    """The two kinds of token the server hands out."""

    def __init__(self, secret: str, link_lifetime: timedelta, form_lifetime: timedelta,
                 clock: Clock = time.time) -> None:
        # Different salts: a form token can never pass for a download link, or the reverse.
        self._download = _Kind(secret, "kit-download", link_lifetime, clock)
        self._form = _Kind(secret, "kit-form", form_lifetime, clock)
        # The download tokens made lately, as made: the download page, then the kit's files,
        # ask for the one the form's answer just gave (a check was 4 % of a submission, cProfile).
        self._issued: OrderedDict[str, tuple[int, Checked]] = OrderedDict()
        self._nonces = Nonces()

    def download(self, request_id: int) -> str:
        """A download link's token, naming the stored request it was given for."""
        token, second = self._download.issue(request_id)
        self._issued[token] = (second, Checked(request_id, datetime.fromtimestamp(second, UTC)))
        if len(self._issued) > ISSUED_KEPT:
            self._issued.popitem(last=False)
        return token

    def check_download(self, token: str | None) -> Checked:
        issued = self._issued.get(token) if token else None
        if issued is not None and 0 <= self._download.age(issued[0]) <= \
                self._download.lifetime.total_seconds():
            return issued[1]  # made here: its signature is ours; its age is checked as below
        checked = self._download.check(token)
        if checked.refusal is None and not isinstance(checked.value, int):
            return Checked(refusal=Refusal.INVALID)
        return checked

    def expiry(self, issued: datetime) -> datetime:
        """When a download link issued at `issued` stops working."""
        return issued.astimezone(UTC) + self._download.lifetime

    def form(self) -> str:
        """A form token: a random nonce, signed, so that a submission shows where it came from."""
        return self._form.make(self._nonces.next())

    def check_form(self, token: str | None) -> Checked:
        checked = self._form.check(token)
        if checked.refusal is None and not isinstance(checked.value, str):
            return Checked(refusal=Refusal.INVALID)
        return checked
