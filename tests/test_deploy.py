"""The deployment examples, for real: the nginx configuration run on loopback ports with the
app down (every restart), and the systemd unit judged by `systemd-analyze security`."""

from __future__ import annotations

import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
NGINX_EXAMPLE = ROOT / "deploy" / "nginx.conf.example"
UNIT_EXAMPLE = ROOT / "deploy" / "kitbuilder.service.example"
NAME = "mieux-etre-travail.example.org"
VISITOR = "127.0.0.2"  # the address the visitor's requests come from
TOKEN = "MQ.secret-download-token.signature"


def _nginx() -> str:
    found = os.environ.get("KITBUILDER_TEST_NGINX") or shutil.which("nginx") or str(
        ROOT / ".cache" / "nginx" / "usr" / "sbin" / "nginx")
    if not Path(found).is_file():
        pytest.skip("nginx is missing: ./scripts/test unpacks Debian's (no service)")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int, Path]]:
    """The example, as written, in front of an app that is down: (http port, https port,
    folder of its logs)."""
    nginx = _nginx()
    root = tmp_path_factory.mktemp("nginx")
    logs = root / "logs"
    logs.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN={NAME}", "-addext", f"subjectAltName=DNS:{NAME}",
                    "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    http_port, https_port, app_port = _free_port(), _free_port(), _free_port()
    site = NGINX_EXAMPLE.read_text()
    for before, after in {"listen 80;": f"listen 127.0.0.1:{http_port};",
                          "listen 443 ssl": f"listen 127.0.0.1:{https_port} ssl",
                          f"/etc/letsencrypt/live/{NAME}/fullchain.pem": str(root / "cert.pem"),
                          f"/etc/letsencrypt/live/{NAME}/privkey.pem": str(root / "key.pem"),
                          "/var/log/nginx/": f"{logs}/",
                          "127.0.0.1:8000": f"127.0.0.1:{app_port}"}.items():
        assert before in site, before
        site = site.replace(before, after)
    site = re.sub(r"^\s*listen \[::\].*$", "", site, flags=re.MULTILINE)  # loopback IPv4 only
    mime = Path(nginx).parent.parent.parent / "etc" / "nginx" / "mime.types"
    (root / "nginx.conf").write_text(
        f"worker_processes 1;\npid {root}/nginx.pid;\nerror_log {logs}/main.error.log;\n"
        "events { worker_connections 256; }\n"
        f"http {{\n  {'include ' + str(mime) + ';' if mime.is_file() else ''}\n"
        f"  client_body_temp_path {root}/body; proxy_temp_path {root}/proxy;\n"
        f"  fastcgi_temp_path {root}/fastcgi; uwsgi_temp_path {root}/uwsgi;\n"
        f"  scgi_temp_path {root}/scgi;\n  access_log {logs}/main.access.log;\n"
        f"{site}\n}}\n")
    check = subprocess.run([nginx, "-t", "-p", str(root), "-c", str(root / "nginx.conf")],
                           capture_output=True, text=True, timeout=30, check=False)
    assert check.returncode == 0, check.stderr
    with (root / "nginx.stderr").open("wb") as stderr:
        server = subprocess.Popen([nginx, "-p", str(root), "-c", str(root / "nginx.conf"),
                                   "-g", "daemon off;"], stderr=stderr)
    deadline = time.monotonic() + 10
    while not (root / "nginx.pid").exists():
        assert server.poll() is None and time.monotonic() < deadline, \
            (root / "nginx.stderr").read_text()
        time.sleep(0.05)
    try:
        yield http_port, https_port, logs
    finally:
        server.terminate()
        server.wait(10)


def _tls(port: int, **context: object) -> ssl.SSLSocket:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    for name, value in context.items():
        getattr(ctx, name)(value) if callable(getattr(ctx, name)) else setattr(ctx, name, value)
    sock = socket.create_connection(("127.0.0.1", port), timeout=5,
                                    source_address=(VISITOR, 0))
    return ctx.wrap_socket(sock, server_hostname=NAME)


def test_with_the_app_down_no_log_holds_the_visitors_address_or_token(
        proxy: tuple[int, int, Path]) -> None:
    _, https_port, logs = proxy
    for path in (f"/kit/fichiers/kit.zip?jeton={TOKEN}", f"/kit/telechargement?jeton={TOKEN}",
                 "/kit/"):
        with _tls(https_port) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {NAME}\r\nConnection: close\r\n\r\n"
                         .encode())
            answer = sock.recv(200)
        assert answer.startswith(b"HTTP/1.1 502"), answer
    time.sleep(0.3)
    written = {p.name: p.read_text(errors="replace") for p in logs.iterdir()}
    assert "GET /kit/telechargement" in written["mieux-etre-travail.access.log"]
    for name, text in written.items():
        assert VISITOR not in text and TOKEN not in text and "jeton" not in text, (name, text)


def test_the_port_80_redirect_names_the_site_not_the_host_a_client_sent(
        proxy: tuple[int, int, Path]) -> None:
    http_port, _, _ = proxy
    answer = httpx.get(f"http://127.0.0.1:{http_port}/kit/?a=1", headers={"host": "evil.example"},
                       follow_redirects=False, timeout=5)
    assert answer.status_code == 301
    assert answer.headers["location"] == f"https://{NAME}/kit/?a=1"


def test_tls_refuses_old_versions_weak_suites_and_unknown_names(
        proxy: tuple[int, int, Path]) -> None:
    _, https_port, _ = proxy
    with _tls(https_port) as sock:
        assert sock.version() in ("TLSv1.2", "TLSv1.3")
    with _tls(https_port, maximum_version=ssl.TLSVersion.TLSv1_2,
              set_ciphers="ECDHE-RSA-AES128-GCM-SHA256") as sock:
        assert sock.cipher()[0] == "ECDHE-RSA-AES128-GCM-SHA256"
    for weak in ("AES128-SHA", "ECDHE-RSA-AES128-SHA", "AES256-GCM-SHA384",
                 "ECDHE-RSA-AES256-SHA384"):
        with pytest.raises(ssl.SSLError):
            _tls(https_port, maximum_version=ssl.TLSVersion.TLSv1_2, set_ciphers=weak).close()
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", https_port), timeout=5) as raw, \
            pytest.raises(ssl.SSLError):
        ctx.wrap_socket(raw, server_hostname="autre.example").close()


def test_the_example_limits_connections_and_form_posts_and_buffers_the_app() -> None:
    text = NGINX_EXAMPLE.read_text()
    for directive in ("limit_conn kit_connections", "limit_req zone=kit_form",
                      "proxy_buffering on;", "client_header_timeout", "client_body_timeout",
                      "send_timeout", "max_conns="):
        assert directive in text, directive
    assert "proxy_buffering off" not in text


def test_the_systemd_unit_is_sandboxed_and_makes_var_before_it_starts(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is missing")
    unit = tmp_path / "kitbuilder.service"
    shutil.copyfile(UNIT_EXAMPLE, unit)
    run = subprocess.run([analyze, "security", "--offline=yes", unit.name], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60, check=False)
    score = re.search(r"Overall exposure level for kitbuilder.service: ([\d.]+)", run.stdout)
    assert score, run.stdout + run.stderr
    assert float(score[1]) <= 2.0, run.stdout
    text = UNIT_EXAMPLE.read_text()
    var = re.search(r"^ReadWritePaths=(\S+)$", text, re.MULTILINE)[1]
    assert re.search(rf"^ExecStartPre=\+/usr/bin/install -d .*{re.escape(var)}$", text,
                     re.MULTILINE)
    assert re.search(r"^LimitNOFILE=\d{4,}$", text, re.MULTILINE)
