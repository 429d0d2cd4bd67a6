"""The duplicate index in the store (SQLite and PostgreSQL): written with the articles, kept
across restarts, grown one batch at a time, and the scope, versions and rebuild around it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storyline.dedup import Deduplicator, ScopeMode
from storyline.dedup.fingerprints import LSHParams
from storyline.errors import StorageError
from storyline.model import Article
from storyline.pipeline import Pipeline, PipelineOptions
from storyline.store.postgres import PostgresStore
from storyline.store.sqlite import SQLiteStore
from tests.pg import open_any, raw_execute

T0 = datetime(2024, 8, 21, 12, tzinfo=UTC)


@pytest.fixture
def text(seeds: dict[str, Path]) -> str:
    return seeds["000"].read_text("utf-8").strip().removeprefix("(CNN) — ")


@pytest.fixture
def db(store_url: str) -> str:
    """A migrated database of each back end (every test runs on SQLite and PostgreSQL)."""
    return store_url


def art(
    aid: str, title: str, text: str, *, source: str = "s", minutes: int = 0, **kw: object
) -> Article:
    moment = T0 + timedelta(minutes=minutes)
    return Article(
        id=aid, title=title, text=text, source_id=source, published=moment, fetched=moment, **kw
    )  # type: ignore[arg-type]


def store_all(
    store: SQLiteStore | PostgresStore, articles: list[Article], batch_size: int = 2
) -> Pipeline:
    pipeline = Pipeline(
        store, PipelineOptions(embed=False, enrich=False, events=False, batch_size=batch_size)
    )
    pipeline.store_articles(articles)
    return pipeline


def test_duplicates_are_stored_marked_and_indexed(db: str, text: str) -> None:
    with open_any(db) as store:
        report = Pipeline(
            store, PipelineOptions(embed=False, enrich=False, events=False)
        ).store_articles(
            [
                art("a", "Biden and Netanyahu talk", text, source="p1", minutes=5),
                art(
                    "b",
                    "Biden call",
                    "WASHINGTON (AP) — " + text + "\nRead more »",
                    source="p2",
                    minutes=9,
                ),
                art(
                    "c",
                    "Other",
                    "A different story entirely about salmon farming quotas in Norway.",
                    source="p1",
                ),
            ]
        )
        assert (report.inserted, report.duplicates) == (3, 1)
        b = store.get_article("b")
        assert b is not None and b.duplicate_of == "a" and b.syndicated_from == "a"
        assert store.dedup_stats()["fingerprints"] == 3
        assert store.dedup_stats()["band_rows"] > 80
        # Dateline and read-more line aside, the texts are the same.
        assert [(o, s) for o, _, s in store.dedup_matches("b")] == [("a", "exact-text")]
        assert store.dedup_group_heads() == [("a", 2)]
        assert store.stats()["duplicates"] == 1


def test_the_index_survives_a_restart_and_grows(db: str, text: str) -> None:
    with open_any(db) as store:
        store_all(store, [art("a", "Biden and Netanyahu talk", text)])
    with open_any(db) as store:
        # A new process: only the stored index can know about "a".
        store_all(
            store, [art("b", "Ceasefire call", text[: len(text) * 2 // 3], source="p2", minutes=3)]
        )
        store_all(store, [art("c", "Ceasefire call", text + "\nLes mer »", source="p3", minutes=4)])
        assert store.get_article("b").duplicate_of == "a"  # type: ignore[union-attr]
        assert store.get_article("c").duplicate_of == "a"  # type: ignore[union-attr]
        assert [fp.article_id for fp in store.dedup_group("a")] == ["a", "b", "c"]


def test_a_late_original_renames_the_stored_group(db: str, text: str) -> None:
    with open_any(db) as store:
        store_all(
            store, [art("copy", "Biden call", text + "\nRead more »", source="p1", minutes=60)]
        )
        store_all(store, [art("orig", "Biden call", text, source="p0", minutes=1)])
        assert store.get_article("copy").syndicated_from == "orig"  # type: ignore[union-attr]
        assert store.get_article("orig").syndicated_from is None  # type: ignore[union-attr]


def test_a_revision_keeps_versions_and_updates_the_article(db: str, text: str) -> None:
    url = "https://news.example/world/biden-call"
    with open_any(db) as store:
        store_all(store, [art("a", "Biden calls Netanyahu", text, url=url)])
        report = Pipeline(
            store, PipelineOptions(embed=False, enrich=False, events=False)
        ).store_articles(
            [
                art(
                    "a",
                    "UPDATED: Biden calls Netanyahu",
                    text + "\nUpdate: it lasted an hour.",
                    url=url,
                )
            ]
        )
        assert (report.revisions, report.inserted, report.duplicates) == (1, 0, 0)
        versions = store.article_versions("a")
        assert [v.version for v in versions] == [1, 2]
        assert versions[0].title == "Biden calls Netanyahu" and "lasted an hour" in versions[1].text
        stored = store.get_article("a")
        assert (
            stored is not None
            and stored.title.startswith("UPDATED")
            and stored.duplicate_of is None
        )
        assert store.search("lasted hour")[0].article_id == "a"
        assert store.integrity_check() == []


def test_scope_is_kept_per_user_and_source(db: str, text: str) -> None:
    with open_any(db) as store:
        store.set_dedup_scope(ScopeMode.CATEGORY)
        store.set_dedup_scope(ScopeMode.OFF, source_id="raw")
        store.set_dedup_scope(ScopeMode.OFF, user="bob")
        scope = store.dedup_scope()
        assert scope.default is ScopeMode.CATEGORY and dict(scope.sources) == {"raw": ScopeMode.OFF}
        assert store.dedup_scope("bob").default is ScopeMode.OFF
        store.set_dedup_scope(None, source_id="raw")
        assert dict(store.dedup_scope().sources) == {}
        store.set_dedup_scope(ScopeMode.OFF, source_id="p2")
        store_all(
            store,
            [art("a", "t", text, source="p1"), art("b", "t", text + "\nRead more", source="p2")],
        )
        assert store.get_article("b").duplicate_of is None  # type: ignore[union-attr]


def test_another_fingerprint_scheme_is_refused(db: str, text: str) -> None:
    with open_any(db) as store:
        store_all(store, [art("a", "t", text)])
        other = LSHParams(bands=20, rows=6)
        stage = Deduplicator(store)
        with pytest.raises(StorageError, match="dedup index --rebuild"):
            store.dedup_candidates(stage.check(art("b", "t", text)).fingerprint, other, limit=5)


def test_reset_clears_index_and_marks(db: str, text: str) -> None:
    with open_any(db) as store:
        store_all(store, [art("a", "t", text), art("b", "t", text + "\nRead more")])
        store.reset_dedup()
        stats = store.dedup_stats()
        assert (stats["fingerprints"], stats["duplicates"], stats["unindexed"]) == (0, 0, 2)


def test_deleting_an_article_drops_its_index_rows(db: str, text: str) -> None:
    with open_any(db) as store:
        store_all(store, [art("a", "t", text), art("b", "t", text + "\nRead more")])
    raw_execute(db, "DELETE FROM articles WHERE id = 'b'")
    with open_any(db) as store:
        assert store.dedup_fingerprint("b") is None and store.dedup_matches("a") == []
