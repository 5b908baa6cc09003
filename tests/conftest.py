from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fixture_kit import write_kit

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def kit_dir(tmp_path: Path) -> Path:
    """The small fixture kit, written afresh in a temporary project folder."""
    return write_kit(tmp_path)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository's site, built once per test session with `mkdocs build --strict`."""
    from test_site import mkdocs

    site = tmp_path_factory.mktemp("repository") / "site"
    run = mkdocs(ROOT, "--site-dir", str(site))
    assert run.returncode == 0, run.stderr
    return site
