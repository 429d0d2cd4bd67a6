"""Shared fixtures: where the shared evaluation data and the seed documents live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STORYLINE_SHARED", REPO.parent / "shared"))
SEEDS = REPO / "src" / "storyline" / "examples"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``: the public evaluation sets (never copied into the repo)."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.fail(f"shared evaluation data not found at {path}; set STORYLINE_SHARED")
    return path


@pytest.fixture(scope="session")
def seeds() -> dict[str, Path]:
    """The seed documents shipped in the package, by their number ("000", "003")."""
    return {p.name[:3]: p for p in sorted(SEEDS.glob("*.txt"))}
