"""The server's tokens are itsdangerous's own, byte for byte: server/tokens.py makes them in
one step (itsdangerous's derived key, its JSON, its base64; no zlib attempt, which our payloads
never pass) and reads them with itsdangerous, which changes how a token is made, never what it
is: tokens handed out before stay valid, and the reverse."""

from __future__ import annotations

import re
import secrets
import threading
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from kitbuilder.server.tokens import Nonces, Refusal, Tokens

SECRET = "a-secret-key-of-forty-characters-000000"
NOW = 1_796_000_000  # in 2026


class _AtNow(TimestampSigner):
    def get_timestamp(self) -> int:
        return NOW


def reference(salt: str) -> URLSafeTimedSerializer:
    """itsdangerous's serializer, untouched, as our tokens are made (salt, key, clock)."""
    return URLSafeTimedSerializer(SECRET, salt=salt, signer=_AtNow)


def tokens() -> Tokens:
    return Tokens(SECRET, timedelta(days=7), timedelta(hours=2), clock=lambda: NOW)


@pytest.mark.parametrize("request_id", [1, 42, 999_999, 2**40])
def test_a_download_token_is_the_one_itsdangerous_makes(request_id: int) -> None:
    made = tokens().download(request_id)
    assert made == reference("kit-download").dumps(request_id)
    assert reference("kit-download").loads(made) == request_id


def test_a_form_token_is_the_one_itsdangerous_makes() -> None:
    ours = tokens()
    for _ in range(200):  # random nonces: none is ever worth compressing
        made = ours.form()
        nonce = ours.check_form(made).value
        assert isinstance(nonce, str) and made == reference("kit-form").dumps(nonce)


@pytest.mark.parametrize("value", [0, "é", "naïve ß ✓", [1, "a"], {"b": None}])
def test_any_payload_too_short_to_compress_gives_itsdangerous_token(value: object) -> None:
    assert tokens()._form.make(value) == reference("kit-form").dumps(value)


def test_a_compressed_token_from_itsdangerous_is_still_read() -> None:
    """A payload zlib shortens is written plainly by us; itsdangerous's compressed form (a
    leading dot) is read all the same, and so is ours by itsdangerous."""
    value = "ab" * 100
    theirs = reference("kit-form").dumps(value)
    assert theirs.startswith(".")
    assert tokens().check_form(theirs).value == value
    ours = tokens()._form.make(value)
    assert not ours.startswith(".") and reference("kit-form").loads(ours) == value


def test_a_token_of_the_other_kind_or_key_is_refused() -> None:
    ours = tokens()
    assert ours.check_form(ours.download(7)).refusal is Refusal.INVALID
    assert ours.check_download(ours.form()).refusal is Refusal.INVALID
    other = URLSafeTimedSerializer(SECRET + "x", salt="kit-download", signer=_AtNow).dumps(7)
    assert ours.check_download(other).refusal is Refusal.INVALID


def test_a_download_token_made_here_is_known_as_made_and_still_expires() -> None:
    """The download page and the kit's files ask for the token the form's answer just gave:
    known as made, it is not verified again, but its age is checked all the same."""
    now = [float(NOW)]
    ours = Tokens(SECRET, timedelta(days=7), timedelta(hours=2), clock=lambda: now[0])
    made = ours.download(42)
    known, verified = ours.check_download(made), tokens().check_download(made)
    assert known == verified and known.value == 42 and known.refusal is None
    now[0] += 7 * 86400
    assert ours.check_download(made).refusal is None  # the last second of its week
    now[0] += 1
    assert ours.check_download(made).refusal is Refusal.EXPIRED
    now[0] = NOW - 1.0  # a clock set back: a token from the future, as itsdangerous says
    assert ours.check_download(made).refusal is Refusal.EXPIRED
    assert ours.check_download(made[:-2] + "xx").refusal is Refusal.INVALID


def test_only_the_latest_download_tokens_are_kept() -> None:
    ours = tokens()
    made = [ours.download(i) for i in range(1, 1000)]
    assert len(ours._issued) == 256 and made[-1] in ours._issued and made[0] not in ours._issued
    assert ours.check_download(made[0]).value == 1  # verified, as any other


def test_form_nonces_are_random_and_never_repeat_across_batches_and_threads() -> None:
    """The nonces come from the system 256 at a time: the same shape as
    secrets.token_urlsafe(12), none twice, over several batches drawn by four threads."""
    nonces = Nonces(batch=7)  # small batches: many refills
    drawn: list[str] = []

    def draw() -> None:
        drawn.extend(nonces.next() for _ in range(2000))

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(drawn) == 8000 and len(set(drawn)) == 8000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{16}", nonce) for nonce in drawn)
    assert len(secrets.token_urlsafe(12)) == 16
    # Random, not a counter: each of the 64 characters turns up in each position.
    assert all(len({nonce[i] for nonce in drawn}) == 64 for i in range(16))
