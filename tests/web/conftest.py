"""Shared fixtures of the web tests: one filled store and one running server per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storyline.store.sqlite import SQLiteStore
from storyline.web.app import create_app
from tests.web.corpus import build_store, serving

TOKEN = "test-token-0123456789"


@pytest.fixture(scope="session")
def web_store(
    tmp_path_factory: pytest.TempPathFactory, shared_data: Path, seeds: dict[str, Path]
) -> Iterator[SQLiteStore]:
    store = build_store(tmp_path_factory.mktemp("web") / "news.db", shared_data, seeds)
    yield store
    store.close()


@pytest.fixture(scope="session")
def server(web_store: SQLiteStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on 127.0.0.1 with one write token; yields its base URL."""
    prefs = tmp_path_factory.mktemp("prefs") / "web.json"
    app = create_app(web_store, tokens=[TOKEN], prefs_path=prefs)
    with serving(app) as base:
        yield base
