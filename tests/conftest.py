from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
# The story is voiced by espeak-ng in the tests, 400 times faster than Kokoro, the default;
# tests of Kokoro ask for it on a sentence or two (issue 13).
os.environ.setdefault("KITBUILDER_SPEECH_ENGINE", "espeak-ng")

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
