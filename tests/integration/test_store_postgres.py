"""What only the PostgreSQL store has to prove, on a real server the session starts itself:
one migration story with SQLite, clear errors, several processes writing at once without lost
updates, a server killed mid-ingest, and ``storyline db copy`` from SQLite, resumably.

The behaviour both stores share is tested once, parametrised over both back ends
(tests/unit/test_store_sqlite.py, test_dedup_store.py, test_enrich_store.py,
test_events_store.py).
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psycopg
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyline.cli import cli
from storyline.errors import ConfigError, StorageError
from storyline.link.events import Assignment
from storyline.model import Article, RelatedLink, Source, SourceKind
from storyline.pipeline import Pipeline, PipelineOptions
from storyline.store import BatchError, Store, open_store
from storyline.store.copy import TABLES
from storyline.store.migrate import load_migrations
from storyline.store.postgres import WRITE_LOCK, PostgresStore, pg_migrations, redact
from storyline.store.sqlite import SQLiteStore
from tests.pg import PgServer


def article(n: int, **fields: object) -> Article:
    values: dict[str, object] = {
        "id": f"a{n:06d}",
        "title": f"Title {n}",
        "text": f"Body of article number {n}. Common words here.",
        "related": [RelatedLink(f"link {n}", url=f"https://example.org/{n}")],
    }
    values.update(fields)
    return Article(**values)  # type: ignore[arg-type]


# -- one migration story -----------------------------------------------------------------------


def test_both_back_ends_have_the_same_numbered_migrations() -> None:
    sqlite = [(m.version, m.name) for m in load_migrations()]
    postgres = [(m.version, m.name) for m in pg_migrations()]
    assert sqlite == postgres and len(sqlite) >= 6


def test_open_store_by_url_migrate_and_refuse_unmigrated(pg_url: str) -> None:
    store = open_store(pg_url)
    assert isinstance(store, PostgresStore) and isinstance(store, Store)
    assert store.schema_version() == 0
    with pytest.raises(StorageError, match="storyline db init"):
        store.count_articles()
    latest = len(pg_migrations())
    # Two migrators at once (two processes starting together): each migration runs once.
    other = PostgresStore(pg_url)
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda s=s: results.append(s.migrate())) for s in (store, other)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results == [latest, latest]
    with psycopg.connect(pg_url) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
    assert sorted(versions) == list(range(1, latest + 1))
    store.close()
    other.close()


def test_a_database_of_another_program_is_refused(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id int)")
    with PostgresStore(pg_url) as store, pytest.raises(StorageError, match="invoices"):
        store.migrate()


def test_passwords_never_show_and_unreachable_servers_say_what_to_check() -> None:
    assert redact("postgresql://ann:s3cret@db:5433/news") == "postgresql://ann:***@db:5433/news"
    with pytest.raises(StorageError) as raised:
        PostgresStore("postgresql://ann:s3cret@127.0.0.1:9/news", timeout=1)
    assert "s3cret" not in str(raised.value) and "running" in str(raised.value)
    with pytest.raises(ConfigError, match="unknown store URL scheme"):
        open_store("mysql://x/y")


def test_a_held_write_lock_times_out_with_a_clear_error_and_reads_go_on(
    pg_migrated_url: str,
) -> None:
    with PostgresStore(pg_migrated_url, timeout=0.3) as store:
        store.add_articles([article(1)])
        with psycopg.connect(pg_migrated_url) as other:
            other.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            with pytest.raises(BatchError, match="locked: another Storyline process"):
                store.add_articles([article(2)])
            assert store.count_articles() == 1
        assert store.add_articles([article(2)]).inserted == ["a000002"]


def test_search_uses_the_articles_language_and_titles_by_trigram(pg_migrated_url: str) -> None:
    with PostgresStore(pg_migrated_url) as store:
        store.add_articles(
            [
                Article("en", "Elections in Oslo", "Voters elected a new council.", language="en"),
                Article("nb", "Valget i Bergen", "Velgerne stemte i valgene i går.", language="nb"),
                Article("de", "Wahlen in Köln", "Die Wähler wählten gestern.", language="de"),
                Article("xx", "Elections elsewhere", "No language given.", language=None),
            ]
        )
        # Stemming in the article's own language: "election" finds "Elections" (English),
        # "valg" finds "valgene" (Norwegian); the simple configuration matches exact words.
        assert {h.article_id for h in store.search("election")} == {"en"}
        assert {h.article_id for h in store.search("elections")} == {"en", "xx"}
        assert [h.article_id for h in store.search("valg")] == ["nb"]
        assert [h.article_id for h in store.search("wahl")] == ["de"]
        # Document frequencies of folded, unstemmed words, as SQLite's vocabulary gives them.
        assert store.term_document_counts(["elections", "koln", "nope"]) == {
            "elections": 2,
            "koln": 1,
        }
        # pg_trgm on titles: typos still find the title.
        assert store.search_titles("Electons in Olso")[0][0] == "en"
        with psycopg.connect(pg_migrated_url) as conn:
            configs = dict(
                conn.execute("SELECT id, storyline_ts_config(language)::text FROM articles")
            )
        assert configs == {
            "en": "storyline_english",
            "nb": "storyline_norwegian",
            "de": "storyline_german",
            "xx": "storyline_simple",
        }


PIECES = ["a", "b", "æ", "OR", "AND", "NOT", "-", '"', "*", "!", "&", "|", "<->", ":", "(", ")"]
PIECES += ["'", "\\", "\x00", "\ud800", "ø", " ", "%s", "%(x)s", "$1", "::", ";", "?", "?1"]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(PIECES), max_size=25).map("".join) | st.text(max_size=200))
def test_any_input_is_a_valid_search_on_postgres(pg_search_store: PostgresStore, text: str) -> None:
    hits = pg_search_store.search(text)
    assert all(hit.article_id in {"p1", "p2"} for hit in hits)


@pytest.fixture(scope="module")
def pg_search_store(pg_server: PgServer) -> Iterator[PostgresStore]:
    url = pg_server.new_database(migrated=True)
    with PostgresStore(url) as store:
        store.add_articles(
            [Article("p1", "a b æ", "or and not"), Article("p2", "Søt nyhet", "øya 1 2 3")]
        )
        yield store
    pg_server.drop_database(url)


# -- several processes, one database -----------------------------------------------------------


def _writer(url: str, worker: int, rounds: int) -> None:
    """One Storyline process: ingest, count boilerplate lines, record event assignments."""
    with PostgresStore(url) as store:
        for k in range(rounds):
            # Overlapping ids: both processes try to add articles 0..rounds-1.
            store.add_articles([article(k), article(10_000 * (worker + 1) + k)])
            store.observe_lines("shared", f"w{worker}-d{k}", ["boiler", f"w{worker}"])
            # Read-modify-write inside: the next sequence number is max(seq) + 1.
            own = f"a{10_000 * (worker + 1) + k:06d}"
            store.save_clustering([Assignment(own, f"e{worker}", "s", 1.0, k == 0)], [], [], [])


def test_two_processes_writing_at_once_lose_no_update(pg_migrated_url: str) -> None:
    rounds = 40
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(pg_migrated_url, w, rounds)) for w in (0, 1)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(180)
        assert process.exitcode == 0
    with PostgresStore(pg_migrated_url) as store:
        assert store.count_articles() == 3 * rounds  # shared ids stored once
        assert store.document_count("shared") == 2 * rounds
        assert store.line_counts("shared", ["boiler", "w0", "w1"]) == {
            "boiler": 2 * rounds,
            "w0": rounds,
            "w1": rounds,
        }
        with psycopg.connect(pg_migrated_url) as conn:
            seqs = [r[0] for r in conn.execute("SELECT seq FROM article_events")]
        # Without the write lock, two processes read the same max(seq) and reuse numbers.
        assert sorted(seqs) == list(range(1, 2 * rounds + 1))


# -- a server killed mid-ingest ----------------------------------------------------------------


def test_killing_the_server_mid_ingest_loses_nothing_committed(
    pg_server: PgServer, pg_migrated_url: str
) -> None:
    total, batch = 3000, 50
    committed: list[str] = []
    failures: list[str] = []
    done = threading.Event()

    def ingest() -> None:
        with PostgresStore(pg_migrated_url, timeout=5) as store:
            pending = [article(n) for n in range(total)]
            while pending:
                chunk = pending[:batch]
                try:
                    result = store.add_articles(chunk, batch_size=batch)
                except StorageError as error:  # the server is gone: wait, resume the batch
                    failures.append(str(error))
                    store.wait_until_reachable(60)
                    continue
                committed.extend(result.inserted)
                pending = pending[batch:]
        done.set()

    thread = threading.Thread(target=ingest)
    thread.start()
    deadline = time.monotonic() + 60
    while len(committed) < 500 and time.monotonic() < deadline:
        time.sleep(0.01)
    pg_server.stop("immediate")  # a crash: no shutdown checkpoint
    at_kill = list(committed)
    time.sleep(1)
    pg_server.start()
    thread.join(120)
    assert done.is_set() and failures, "the ingest should have met the dead server"
    assert "not reachable" in failures[0] or "went away" in failures[0]
    with PostgresStore(pg_migrated_url) as store:
        stored = {a.id for a in store.iter_articles()}
        assert set(at_kill) <= stored  # nothing committed before the crash is lost
        assert stored == {f"a{n:06d}" for n in range(total)}  # and the ingest resumed
        assert store.count_articles() == total
        assert store.stats()["related_links"] == total
        assert store.integrity_check() == []


# -- storyline db copy -------------------------------------------------------------------------


def _table_counts(url: str) -> dict[str, int]:
    store = open_store(url)
    try:
        counts = {}
        for table, _ in TABLES:
            with store._read("count") as conn:  # type: ignore[attr-defined]
                counts[table] = int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
        return counts
    finally:
        store.close()


def test_db_copy_sqlite_to_postgres_is_complete_and_resumable(
    tmp_path: Path, pg_url: str, seeds: dict[str, Path]
) -> None:
    src_url = f"sqlite:///{tmp_path / 'a.db'}"
    with SQLiteStore(src_url) as src:
        src.migrate()
        src.upsert_source(Source("nrk", SourceKind.FEED, "https://nrk.no/rss"))
        pipeline = Pipeline(src, PipelineOptions(embed=False, events=False))
        report = pipeline.ingest_paths(sorted(seeds.values()))
        assert report.inserted == 2 and report.enriched == 2
        src.add_articles(article(n) for n in range(300))
        ids = [a.id for a in src.iter_articles()][:5]
        src.save_clustering([Assignment(i, "e1", "s1", 0.9, False) for i in ids], [], [], [])
        src.put_vectors("m", [(i, np.ones(4, dtype=np.float32) / 2) for i in ids])
        src.observe_lines("nrk", "d1", ["x", "y"])
        expected = {h.article_id for h in src.search("common")}
    before = _table_counts(src_url)
    assert before["entities"] > 0 and before["dedup_fingerprints"] > 0

    runner = CliRunner()
    # Interrupted after the first pages (as if killed): what was committed stays.
    with PostgresStore(pg_url) as dst:
        dst.migrate()
        calls = 0

        def stop_after_two(table: str, rows: int) -> None:
            nonlocal calls
            calls += 1
            if calls == 2:
                raise KeyboardInterrupt

        from storyline.store.copy import copy_store

        with SQLiteStore(src_url) as src, pytest.raises(KeyboardInterrupt):
            copy_store(src, dst, page=100, progress=stop_after_two)
        assert dst.count_articles() == 100  # sources, then one page of articles
    result = runner.invoke(cli, ["db", "copy", src_url, pg_url, "--page", "100"])
    assert result.exit_code == 0, result.output
    assert "articles: +100" in result.output and "rows were already there" in result.output
    assert _table_counts(pg_url) == before
    again = runner.invoke(cli, ["db", "copy", src_url, pg_url, "--no-progress"])
    assert again.exit_code == 0 and again.output.startswith("copied 0 rows"), again.output
    with PostgresStore(pg_url) as dst:
        assert {h.article_id for h in dst.search("common")} == expected
        assert dst.get_vectors("m", ids)[ids[0]].tolist() == [0.5] * 4
        assert dst.line_counts("nrk", ["x"]) == {"x": 1}
        # Sequences moved past the copied keys: new rows get fresh numbers.
        assert dst.add_articles([article(999_999)]).inserted == ["a999999"]
    # A destination with other articles is refused rather than mixed.
    other = f"sqlite:///{tmp_path / 'other.db'}"
    with SQLiteStore(other) as store:
        store.migrate()
        store.add_articles([article(5, id="zzz")])
    refused = runner.invoke(cli, ["db", "copy", src_url, other])
    assert refused.exit_code == 1 and "not a copy" in refused.output


def test_db_migrate_on_postgres(pg_url: str) -> None:
    result = CliRunner().invoke(cli, ["db", "migrate", "--db", pg_url])
    assert result.exit_code == 0, result.output
    assert f"schema version 0 -> {len(pg_migrations())}" in result.output
    again = CliRunner().invoke(cli, ["db", "migrate", "--db", pg_url])
    assert f"-> {len(pg_migrations())}" in again.output
