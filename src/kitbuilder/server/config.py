"""The request server's settings, and where its data and secret live by default."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from kitbuilder.server.page import SiteError

# The data live in the project's var/ (git-ignored), found from this file's place in the
# checkout (src/kitbuilder/server/config.py), never from the working directory: a server
# started from another folder must not quietly make a new key and an empty database.
PROJECT = Path(__file__).resolve().parents[3]
DATA = "var"
DATABASE_FILE = "requests.sqlite3"
SECRET_FILE = "secret.key"


def data_dir() -> Path:
    """The project's var/ folder; SiteError when this code does not run from a checkout."""
    if (PROJECT / "pyproject.toml").is_file() and (PROJECT / "mkdocs.yml").is_file():
        return PROJECT / DATA
    raise SiteError(f"kitbuilder n'est pas installé depuis le dépôt du site ({PROJECT}) : "
                    "donnez la base de données et la clé de signature (DATABASE_URL ou "
                    "--database-url, et SECRET_KEY)")


@dataclass(frozen=True)
class Limits:
    """How long and how many: the server's defences against descriptor exhaustion."""

    header_timeout: float = 10.0
    """Seconds for a request's headers to arrive (from the connection or the last answer)."""
    body_timeout: float = 15.0
    """Seconds for a request's whole body to arrive (the form is under 2 kB)."""
    write_timeout: float = 30.0
    """Seconds a client may stop reading an answer before it is abandoned."""
    keep_alive: float = 5.0
    """Seconds an idle connection stays open after an answer (uvicorn's keep-alive)."""
    max_connections: int = 500
    """Open connections at most; well under the usual limit of 1,024 descriptors."""
    max_header_bytes: int = 16 * 1024
    """Largest request line and headers, in bytes."""
    backlog: int = 64
    """Connections waiting to be accepted; the event loop also accepts up to this many at
    once, each holding a descriptor before the guards above can close an idle one."""


@dataclass(frozen=True)
class Settings:
    """Everything the app needs; one value per concern, with safe defaults."""

    site_dir: Path
    """The built site (`site/`), served as it is except the kit's files."""
    database_url: str
    """Any SQLAlchemy URL; SQLite by default."""
    secret_key: str
    """Signs download links and form tokens; changing it invalidates both."""
    kit_url: str = "kit"
    """The kit's folder in the site (the kit plugin's `url` option)."""
    link_lifetime: timedelta = timedelta(days=7)
    """How long a download link works."""
    form_lifetime: timedelta = timedelta(hours=2)
    """How long a form may stay open before it must be reloaded."""
    rate_limit: int = 10
    """Form submissions accepted per address (IPv6: per /64) in `rate_window`."""
    rate_window: float = 600.0
    """The rate limit's window, in seconds."""
    max_body: int = 8 * 1024
    """Largest request body accepted, in bytes; the form needs well under 2 kB."""
    retention_months: int = 36
    """Requests older than this are deleted at start-up and every day after."""
    limits: Limits = Limits()
    """Timeouts and the connection limit (see kitbuilder.server.connections)."""

    @property
    def kit_path(self) -> str:
        """The kit's URL path, « /kit/ »."""
        return "/" + self.kit_url.strip("/") + "/"


def database_url(explicit: str | None = None) -> str:
    """The URL given, else `DATABASE_URL`, else the project's SQLite file (var/)."""
    url = explicit or os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{data_dir() / DATABASE_FILE}"


def secret_key(path: Path | None = None) -> str:
    """`SECRET_KEY` from the environment, else the key in `path` (the project's
    var/secret.key), made once when missing."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = path or data_dir() / SECRET_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        # O_EXCL: if two processes start at once, one writes and the other reads its key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key + "\n")
    return key
