"""The request server fuzzed on every route (Hypothesis), over a raw socket so that nothing is
tidied on the way: any method, path, query, header, content type and body; then requests
that are not even valid HTTP. Never a 5xx; every 4xx is our page (the site's HTML, through our
security headers), never Starlette's bare text; redirects stay on the site; no kit file leaves
without a download token; and nothing is ever stored.

tests/test_server.py fuzzes the form's fields (validation, and one POST route); this file
fuzzes what carries them."""

from __future__ import annotations

import json
import re
import socket
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, quote_from_bytes, unquote_plus

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from kitbuilder.render.form import DEPARTMENTS
from kitbuilder.server import db, forms
from kitbuilder.server.tokens import Tokens
from test_server import SECRET, VALID, form_token, running, settings_for, site  # noqa: F401

ROUTES = ["/", "/index.html", "/404.html", "/sitemap.xml", "/assets/", "/absente",
          "/kit", "/kit/", "/kit/index.html", "/kit/demande", "/kit/telechargement",
          "/kit/fichiers/", "/kit/fichiers/kit-test.zip", "/kit/fichiers/fiche-suivi.docx",
          "/kit/fichiers/recit-1-matin.mp3", "/kit/fichiers/recit-1-matin.vtt",
          "/kit/guide/", "/kit/guide", "/kit/recit/matin/", "/kit/fiches/suivi/index.html",
          "/assets/kitbuilder/kit.css"]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]
FIELDS = ["function", "establishment_type", "department", "establishment", "email", "consent",
          "website", "csrf_token"]
# The uvicorn answer to a request its HTTP parser refuses: the app never sees it.
PROTOCOL_REFUSAL = b"Invalid HTTP request received."


@dataclass
class Live:
    host: str
    port: int
    engine: Engine

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def fresh_token(self) -> str:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            return form_token(client.get("/kit/").text)


@pytest.fixture(scope="module")
def live(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:  # noqa: F811
    settings = settings_for(site, tmp_path_factory.mktemp("fuzz"), rate_limit=1_000_000)
    with running(settings) as url:
        host, port = url.removeprefix("http://").split(":")
        engine = db.connect(settings.database_url)
        yield Live(host, int(port), engine)
        assert db.count(engine) == 0  # over the whole module as well
        engine.dispose()


# --- A raw HTTP/1.1 exchange -----------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


def exchange(live: Live, request: bytes, *, half_close: bool = False) -> Answer | None:
    """Send the bytes as they are; read until the server closes. None: closed unanswered.

    `half_close` tells the server that nothing more is coming, so that a request cut short is
    closed at once rather than awaited; uvicorn takes it for a disconnection, so a complete
    request is sent without it (with « Connection: close »)."""
    data = b""
    with socket.create_connection((live.host, live.port), timeout=15) as sock:
        try:
            sock.sendall(request)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # refused before the end of the request: its answer may be waiting
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass  # what was read before the reset is still looked at
    while data.startswith(b"HTTP/1.1 1"):  # « 100 Continue » before the real answer
        data = data.partition(b"\r\n\r\n")[2]
    if not data:
        return None
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = _dechunk(body)
    elif "content-length" in headers:
        body = body[:int(headers["content-length"])]
    return Answer(int(status_line.split()[1]), headers, body)


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size, _, data = data.partition(b"\r\n")
        length = int(size.split(b";")[0] or b"0", 16)
        if not length:
            break
        out, data = out + data[:length], data[length + 2:]
    return out


def check(live: Live, method: str, answer: Answer | None, *, http_valid: bool) -> str:
    """What every answer must be; returns a word for Hypothesis's statistics."""
    assert db.count(live.engine) == 0, "a fuzzed request was stored"
    if answer is None:
        assert not http_valid, "the server closed a valid HTTP request without an answer"
        return "closed"
    assert answer.status < 500, answer
    assert b"Traceback" not in answer.body
    assert b"PK\x03\x04" not in answer.body, "a kit file without a download token"
    if 300 <= answer.status < 400:
        location = answer.headers.get("location", "")
        assert location.startswith(("/", f"http://{live.host}:{live.port}/")), location
        assert not location.startswith("//"), location
    if answer.status >= 400:
        # uvicorn's own refusal, before the app sees anything. To a HEAD it understood, it
        # sends no body, as HEAD answers have none.
        refusals = (PROTOCOL_REFUSAL, b"") if method == "HEAD" else (PROTOCOL_REFUSAL,)
        if not http_valid and answer.status == 400 and answer.body in refusals:
            return "refused by the HTTP parser"
        # Our page: the site's HTML, through our own middleware (its CSP), never bare text.
        assert answer.headers.get("content-type", "").startswith("text/html"), answer
        assert "content-security-policy" in answer.headers, answer
        if method != "HEAD":
            assert re.search(rb"<title>[^<]*Test</title>", answer.body), answer.body[:300]
    return str(answer.status)


# --- Strategies: well-formed HTTP ----------------------------------------------------------

ODD = st.sampled_from(["\x00", "\x1b", "\x7f", "\u200b", "\u202e", "\ufeff", "\ufffd", "😀",
                       "é", "e\u0301", "ﷺ", "..", "../", "%", "%%", "%zz", "+", "&", "=", ";",
                       "#", "?", "/", "\\", '"', "'", "<script>", "\r\n", " ", ""])
ODD_TEXT = st.lists(st.one_of(ODD, st.text(max_size=5)), max_size=5).map("".join)
# Any bytes, percent-encoded: valid or invalid UTF-8, NUL, encoded slashes and dots.
ENCODED = st.one_of(st.binary(max_size=20).map(lambda b: quote_from_bytes(b, safe="")),
                    ODD_TEXT.map(lambda t: quote(t, safe="")),
                    st.sampled_from(["%2e%2e", "%2F", "%00", "%ff%fe", "%c0%ae", "%ED%A0%80",
                                     "%E2%80%AE", "%", "%2", "%zz", ".", "..", "", "x" * 300]))
PATHS = st.one_of(
    st.sampled_from(ROUTES),
    st.tuples(st.sampled_from(ROUTES), st.lists(ENCODED, min_size=1, max_size=4))
    .map(lambda r: r[0].rstrip("/") + "/" + "/".join(r[1])),
    st.sampled_from(["*", "//kit/fichiers/kit-test.zip", "/kit//fichiers//kit-test.zip",
                     "http://127.0.0.1/kit/", "/" + "a/" * 2000, "/kit/" + "%2e%2e/" * 50]))
QUERY_NAMES = st.one_of(st.sampled_from(["jeton", "motif", "csrf_token", "", "a[]", "jeton"]),
                        ENCODED)
QUERY_VALUES = st.one_of(ENCODED, st.sampled_from([
    "absent", "invalide", "expire", "MQ.abc.def", "x" * 8000, "%ff", "a%00b"]))
QUERIES = st.one_of(
    st.just(""),
    st.lists(st.tuples(QUERY_NAMES, QUERY_VALUES), max_size=4).map(
        lambda pairs: "?" + "&".join(f"{n}={v}" for n, v in pairs)),
    st.sampled_from(["?", "??", "?&&&", "?=", "?%", "?a=1&a=2&a=3", "?" + "a=b&" * 2000]))
# Header values HTTP allows: visible ASCII, spaces, and bytes 0x80-0xFF (obs-text).
HEADER_TEXT = st.binary(max_size=60).map(
    lambda b: bytes(c if 0x20 <= c <= 0x7E or c >= 0x80 else 0x2E for c in b).strip())
HEADERS = st.lists(st.tuples(
    st.sampled_from(["Origin", "Sec-Fetch-Site", "Referer", "Cookie", "Range", "If-Range",
                     "If-None-Match", "If-Modified-Since", "Accept", "Accept-Encoding",
                     "Accept-Language", "X-Forwarded-For", "X-Forwarded-Proto", "Forwarded",
                     "User-Agent", "Authorization", "Expect", "Content-Encoding",
                     "X-Un-En-Tete"]),
    st.one_of(HEADER_TEXT, st.sampled_from([
        b"cross-site", b"same-origin", b"null", b"https://evil.example", b"bytes=0-10",
        b"bytes=abc", b"bytes=-5", b"bytes=99999999-", b"bytes=5-1", b"items=0-1",
        b"bytes=" + b"0-1," * 300, b"gzip", b"*", b"100-continue", b"\xff\xfe",
        "é".encode(), b"x" * 8000]))),
    max_size=5)


def _form_value(name: str) -> st.SearchStrategy[str]:
    """A field's value, percent-encoded or not; never a request that could be stored: the
    département is never a valid one (the consent box is optional since issue 14)."""
    valid = {"function": "direction", "establishment_type": "ehpad", "consent": "oui",
             "establishment": "Les Tilleuls", "email": "a@b.fr"}
    choices = [ODD_TEXT.map(lambda t: quote(t, safe="")), ENCODED, ODD_TEXT]
    if name in valid:
        choices.append(st.just(valid[name]))
    codes = {code for code, _ in DEPARTMENTS}
    return st.one_of(choices).filter(
        lambda v: name != "department" or (v not in codes and unquote_plus(v) not in codes))


@st.composite
def form_fields(draw: st.DrawFn) -> list[tuple[str, str]]:
    # The form token now and then twice, or the honeypot filled: refused before the rest.
    names = draw(st.lists(st.one_of(st.sampled_from(FIELDS[:-2] * 4 + FIELDS[-2:]), ENCODED),
                          max_size=8))
    return [(name, draw(_form_value(name))) for name in names]


BODY_KINDS = {  # kind: the Content-Type that goes with it
    "urlencoded": "application/x-www-form-urlencoded", "raw text": "application/x-www-form-"
    "urlencoded", "multipart": "multipart/form-data; boundary={boundary}", "bytes": None,
    "json": "application/json", "oversized": "application/x-www-form-urlencoded", "none": None}


@st.composite
def bodies(draw: st.DrawFn, token: str | None,
           form: bool = False) -> tuple[bytes, str | None]:
    """A body and the Content-Type it is sent with (None: no such header): most often the
    type that goes with the body, else another one. For the `form`, mostly form bodies."""
    fields = draw(form_fields())
    if token is not None:
        fields.insert(draw(st.integers(0, len(fields))), ("csrf_token", token))
    kind = draw(st.sampled_from(sorted(BODY_KINDS) + ["urlencoded"] * 4 + ["multipart"] * 2
                                if form else sorted(BODY_KINDS)))
    boundary = draw(st.sampled_from(["frontiere", "x" * 70, "é", ""]))
    if kind == "urlencoded":
        body = "&".join(f"{n}={v}" for n, v in fields).encode("utf-8", "surrogatepass")
    elif kind == "raw text":  # not percent-encoded, in some charset
        body = "&".join(f"{n}={v}" for n, v in fields).encode(
            draw(st.sampled_from(["utf-8", "latin-1", "utf-16"])), "replace")
    elif kind == "multipart":
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{n}"'
                 + ('; filename="a.txt"' if draw(st.booleans()) and i == 0 else "")
                 + f"\r\n\r\n{v}\r\n" for i, (n, v) in enumerate(fields)]
        ending = draw(st.sampled_from([f"--{boundary}--\r\n", "", f"--{boundary}"]))
        body = ("".join(parts) + ending).encode("utf-8", "replace")
    elif kind == "bytes":
        body = draw(st.binary(max_size=600))
    elif kind == "json":
        body = json.dumps(dict(fields)).encode()
    elif kind == "oversized":
        body = b"establishment=" + b"E" * 9000
    else:
        body = b""
    matching = BODY_KINDS[kind]
    content_type = draw(st.one_of(*[st.just(matching and matching.format(boundary=boundary))]
                                  * (3 if form else 1), st.sampled_from([
        None, "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=latin-1", "multipart/form-data",
        "multipart/form-data; boundary=autre", f'multipart/form-data; boundary="{boundary}"',
        "text/plain", "application/json", "text/html; charset=utf-16", "", "*/*",
        "application/x-www-form-urlencoded; charset=\xe9"])))
    return body, content_type


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    content_type: str | None

    def encode(self, live: Live) -> bytes:
        lines = [f"{self.method} {self.target} HTTP/1.1".encode("latin-1"),
                 f"Host: {live.host}:{live.port}".encode(), b"Connection: close"]
        lines += [name + b": " + value for name, value in self.headers]
        if self.content_type is not None:
            lines.append(b"Content-Type: " + self.content_type.encode("latin-1"))
        if self.body or self.method not in ("GET", "HEAD", "OPTIONS", "DELETE"):
            lines.append(b"Content-Length: " + str(len(self.body)).encode())
        return b"\r\n".join(lines) + b"\r\n\r\n" + self.body

    def __repr__(self) -> str:  # bodies and headers may be long: what matters, shortened
        return (f"Request({self.method} {self.target[:200]!r} headers={self.headers!r:.300} "
                f"content_type={self.content_type!r} body={self.body[:300]!r}"
                f"{'…' if len(self.body) > 300 else ''})")


FRESH = "JETON-FRAIS"  # replaced by a real form token just before sending


FRESH = "JETON-FRAIS"  # replaced by a real form token just before sending
TOKENS = {None: None, "fresh": FRESH, "forged": "bonjour.abc.def",
          "download": Tokens(SECRET, timedelta(days=7), timedelta(hours=2)).download(1),
          "expired": Tokens(SECRET, timedelta(days=7), timedelta(hours=2),
                            clock=lambda: 0).form()}
ODD_METHODS = ["PROPFIND", "TRACE", "get", "Post", "M" * 50]


@st.composite
def requests(draw: st.DrawFn) -> Request:
    """Half the time the form's route, where most is at stake, most often with a real form
    token; else any method on any path."""
    if draw(st.booleans()):
        method, path = "POST", "/kit/demande"
        token = draw(st.sampled_from(["fresh"] * 6 + [None, "forged", "download", "expired"]))
        body, content_type = draw(bodies(TOKENS[token], form=True))
    else:
        method = draw(st.sampled_from(METHODS * 3 + ODD_METHODS))
        path = draw(PATHS)
        if method in ("GET", "HEAD") and draw(st.booleans()):
            body, content_type = b"", None
        else:
            body, content_type = draw(bodies(TOKENS[draw(st.sampled_from(sorted(
                TOKENS, key=str)))]))
    headers = tuple((name.encode(), value) for name, value in draw(HEADERS))
    return Request(method, path + draw(QUERIES), headers, body, content_type)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(request=requests())
def test_any_well_formed_request_gets_our_page_and_stores_nothing(live: Live,
                                                                 request: Request) -> None:
    if FRESH.encode() in request.body:
        request = replace(request, body=request.body.replace(FRESH.encode(),
                                                             live.fresh_token().encode()))
    raw = request.encode(live)
    # uvicorn's parser (h11) may refuse a head over 16 kB: such a request is not « valid ».
    small = len(raw.partition(b"\r\n\r\n")[0]) < 15 * 1024
    answer = exchange(live, raw)
    event(f"{request.method} -> {check(live, request.method, answer, http_valid=small)}")


# --- Every route, every method: all of them, every run -------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_every_route_answers_every_method_with_our_page(live: Live, method: str) -> None:
    seen = set()
    for path in ROUTES:
        body = b"a=b" if method in ("POST", "PUT", "PATCH") else b""
        answer = exchange(live, Request(method, path, (), body,
                                        "application/x-www-form-urlencoded").encode(live))
        seen.add(check(live, method, answer, http_valid=True))
        assert answer is not None
        if answer.status == 405:  # says what the address takes
            assert "GET" in answer.headers["allow"], (path, answer.headers)
    assert method in ("GET", "HEAD", "POST") or seen == {"405"}, seen


# --- Not even valid HTTP -------------------------------------------------------------------


class Raw(bytes):
    """Bytes whose repr, printed by Hypothesis for a failing case, stays readable."""

    def __repr__(self) -> str:
        shown = bytes.__repr__(self[:400])
        return shown + (f"… ({len(self)} bytes)" if len(self) > 400 else "")


@st.composite
def broken_requests(draw: st.DrawFn, live: Live) -> Raw:
    """Bytes an HTTP parser should refuse, or may: controls and raw non-ASCII in the request
    line, header names and values; huge or countless headers; lying or double Content-Length;
    broken chunked bodies; other versions; no Host or a strange one; plain garbage."""
    host = f"Host: {live.host}:{live.port}".encode()
    method = draw(st.sampled_from(METHODS)).encode()
    path = draw(st.sampled_from(ROUTES)).encode()
    junk = draw(st.binary(min_size=1, max_size=40))
    kind = draw(st.sampled_from(["target", "header name", "header value", "huge header",
                                 "many headers", "content-length", "chunked", "version",
                                 "host", "garbage"]))
    head = [method + b" " + path + b" HTTP/1.1", host, b"Connection: close"]
    body = b""
    if kind == "target":
        head[0] = method + b" " + path + junk + b" HTTP/1.1"
    elif kind == "header name":
        head.append(junk + b": x")
    elif kind == "header value":
        head.append(b"X-Valeur: " + junk)
    elif kind == "huge header":
        head.append(b"X-Enorme: " + b"a" * draw(st.sampled_from([20_000, 100_000, 1_000_000])))
    elif kind == "many headers":
        head += [b"X-%d: %s" % (i, b"b" * 100) for i in range(draw(st.integers(100, 3000)))]
    elif kind == "content-length":
        body = draw(st.binary(max_size=50))
        head.append(b"Content-Type: application/x-www-form-urlencoded")
        head += draw(st.sampled_from([
            [b"Content-Length: abc"], [b"Content-Length: -1"], [b"Content-Length: 1e3"],
            [b"Content-Length: " + str(len(body)).encode()] * 2,
            [b"Content-Length: 0", b"Content-Length: " + str(len(body)).encode()],
            [b"Content-Length: 99999999999999999999999"]]))
        if head[-1] == b"Content-Length: 99999999999999999999999":
            body = b""
    elif kind == "chunked":
        head += [b"Content-Type: application/x-www-form-urlencoded",
                 b"Transfer-Encoding: " + draw(st.sampled_from([b"chunked", b"gzip, chunked",
                                                                b"chunked, chunked", b"x"]))]
        body = draw(st.sampled_from([b"zz\r\n", b"5\r\nabc\r\n0\r\n\r\n", b"-1\r\n",
                                     b"3\r\na=b\r\n", b"FFFFFFFFFFFFFFFF\r\nx\r\n0\r\n\r\n",
                                     b"3;" + b"x" * 20_000 + b"\r\na=b\r\n0\r\n\r\n"]))
        if head[-1] == b"Transfer-Encoding: x":
            head.append(b"Content-Length: " + str(len(body)).encode())
    elif kind == "version":
        head[0] = method + b" " + path + b" " + draw(st.sampled_from(
            [b"HTTP/2.0", b"HTTP/0.9", b"HTTP/1.2", b"http/1.1", b"HTTP/1", b"", junk]))
    elif kind == "host":
        head[1] = draw(st.sampled_from([b"", b"Host:", b"Host: evil.example",
                                        b"Host: " + junk, b"Host: a\r\nHost: b",
                                        b"Host: [::1", b"Host: " + b"h" * 5000]))
    else:
        return Raw(junk + b"\r\n\r\n")
    return Raw(b"\r\n".join(part for part in head if part) + b"\r\n\r\n" + body)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_broken_http_is_refused_without_an_error(live: Live, data) -> None:
    raw = data.draw(broken_requests(live), label="request")
    method = raw.split(b" ", 1)[0].decode("latin-1")
    event(check(live, method, exchange(live, raw, half_close=True), http_valid=False))


# --- A real form token, sent the wrong way -------------------------------------------------


def test_a_valid_token_with_a_mangled_body_stores_nothing(live: Live) -> None:
    """Everything right but how it is sent: the request must not be stored."""
    encoded = "&".join(f"{n}={quote(v)}" for n, v in VALID.items())
    cases = {  # body, content type: expected status
        "json": (lambda t: json.dumps({**VALID, "csrf_token": t}).encode(), "application/json",
                 403),
        "text/plain": (lambda t: f"{encoded}&csrf_token={t}".encode(), "text/plain", 403),
        "no content type": (lambda t: f"{encoded}&csrf_token={t}".encode(), None, 403),
        "fields in the query": (lambda t: b"", "application/x-www-form-urlencoded", 403),
        "field sent twice": (lambda t: f"{encoded}&consent=oui&csrf_token={t}".encode(),
                             "application/x-www-form-urlencoded", 422),
        "a file": (lambda t: (
            f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{t}\r\n'
            '--b\r\nContent-Disposition: form-data; name="email"; filename="x.txt"\r\n\r\n'
            "x\r\n--b--\r\n").encode(), "multipart/form-data; boundary=b", 400),
        "oversized": (lambda t: f"{encoded}&csrf_token={t}&x={'y' * 9000}".encode(),
                      "application/x-www-form-urlencoded", 413),
    }
    for case, (body, content_type, status) in cases.items():
        token = live.fresh_token()
        target = "/kit/demande" + (f"?{encoded}&csrf_token={token}"
                                   if case == "fields in the query" else "")
        answer = exchange(live, Request("POST", target, (), body(token), content_type)
                          .encode(live))
        check(live, "POST", answer, http_valid=True)
        assert answer is not None and answer.status == status, (case, answer)


def _access_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "kitbuilder.server.access"]


def test_the_access_log_tells_a_broken_body_from_a_server_error(live: Live, caplog) -> None:
    """uvicorn answers a broken chunked body itself (400) and the app never answers: the log
    must say so, not record a 500 that would send the administrator looking for a bug."""
    raw = (b"POST /kit/demande HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
           b"Content-Type: application/x-www-form-urlencoded\r\n"
           b"Transfer-Encoding: chunked\r\n\r\nzz\r\n")
    with caplog.at_level("INFO", logger="kitbuilder.server.access"):
        answer = exchange(live, raw, half_close=True)
        # uvicorn's own warning arrives first; wait for the access line itself.
        deadline = time.monotonic() + 5
        while not _access_lines(caplog) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert answer is not None and answer.status == 400
    lines = _access_lines(caplog)
    assert lines == [lines[0]] and lines[0].startswith("POST /kit/demande - (interrompue)"), lines


# --- Tidying a field's text ------------------------------------------------------------------


def _clean_text_by_each_character(value: str) -> tuple[str, bool]:
    """forms._clean_text without its shortcut for text with nothing to remove."""
    value = unicodedata.normalize("NFC", value)
    kept = "".join(c for c in value
                   if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co") or c in "\t\n\r")
    return " ".join(kept.split()), len(kept) != len(value)


@given(st.one_of(st.text(max_size=40), ODD_TEXT))
@settings(max_examples=500, deadline=None)
def test_a_fields_text_is_tidied_alike_with_the_shortcut_or_without(value: str) -> None:
    assert forms._clean_text(value) == _clean_text_by_each_character(value)
