"""The request server's settings, and where its data and secret live by default."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

DATA_DIR = Path("var")  # git-ignored; relative to the working directory (the repository)
DEFAULT_DATABASE = DATA_DIR / "requests.sqlite3"
DEFAULT_SECRET_FILE = DATA_DIR / "secret.key"


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

    @property
    def kit_path(self) -> str:
        """The kit's URL path, « /kit/ »."""
        return "/" + self.kit_url.strip("/") + "/"


def database_url(explicit: str | None = None) -> str:
    """The URL given, else `DATABASE_URL`, else the local SQLite file (its folder created)."""
    url = explicit or os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{DEFAULT_DATABASE}"


def secret_key(path: Path = DEFAULT_SECRET_FILE) -> str:
    """`SECRET_KEY` from the environment, else the key in `path`, made once when missing."""
    if key := os.environ.get("SECRET_KEY"):
        return key
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
