"""Shared fixtures: the shared evaluation data, the seed documents, and a PostgreSQL server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg import PgServer, PgUnavailable

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


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A real PostgreSQL 15 server on 127.0.0.1 for the whole session (see tests/pg.py)."""
    try:
        server = PgServer()
    except PgUnavailable as error:
        pytest.fail(str(error))
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    url = pg_server.new_database()
    yield url
    pg_server.drop_database(url)


@pytest.fixture
def pg_migrated_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh PostgreSQL database at the latest schema for one test, dropped afterwards."""
    url = pg_server.new_database(migrated=True)
    yield url
    pg_server.drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database URL of each back end: tests using it run on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        from storyline.store.sqlite import SQLiteStore

        url = f"sqlite:///{tmp_path / 'store.db'}"
        with SQLiteStore(url) as opened:
            opened.migrate()
        return url
    return str(request.getfixturevalue("pg_migrated_url"))
