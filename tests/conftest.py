from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fixture_kit import write_kit  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def kit_dir(tmp_path: Path) -> Path:
    """The small fixture kit, written afresh in a temporary project folder."""
    return write_kit(tmp_path)
