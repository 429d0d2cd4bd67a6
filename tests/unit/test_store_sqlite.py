"""The stores on real databases: round trips, batches, search, errors, threads.

No mocks: tests taking the ``store`` fixture run twice, on a real SQLite file under
``tmp_path`` and on a real PostgreSQL 15 server the session starts (tests/pg.py). Tests of
SQLite's own machinery (WAL, file permissions, a damaged FTS5 index) take ``sqlite_store``.
Where a test needs to break something (a lock held elsewhere, a full disk, a damaged index)
it does so with a second, raw connection or a documented limit, the way it happens for users.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyline.errors import BadInputError, ConfigError, StorageError
from storyline.model import Article, Credit, RelatedLink, Source, SourceKind
from storyline.store import BatchError, SearchHit, Store, open_store
from storyline.store.migrate import Migration, load_migrations, split_statements
from storyline.store.postgres import PostgresStore
from storyline.store.query import parse_query, to_fts5
from storyline.store.sqlite import SQLiteStore

#: The schema version a fresh database migrates to (migrations are numbered without gaps).
LATEST = len(load_migrations())


def article(n: int, **fields: object) -> Article:
    values: dict[str, object] = {
        "id": f"a{n:05d}",
        "title": f"Title {n}",
        "text": f"Body of article number {n}. Common words here.",
    }
    values.update(fields)
    return Article(**values)  # type: ignore[arg-type]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "news.db"


AnyStore = SQLiteStore | PostgresStore


def open_any(url: str) -> AnyStore:
    return SQLiteStore(url) if url.startswith("sqlite:") else PostgresStore(url)


@pytest.fixture
def store(store_url: str) -> Iterator[AnyStore]:
    """A migrated store of each back end (the test runs once per back end)."""
    with open_any(store_url) as opened:
        yield opened


@pytest.fixture
def sqlite_store(db: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(f"sqlite:///{db}") as opened:
        opened.migrate()
        yield opened


def raw(db: Path) -> sqlite3.Connection:
    """A second connection, as another process would have."""
    return sqlite3.connect(db, isolation_level=None, timeout=5)


# -- opening ---------------------------------------------------------------------------------


def test_url_forms_open_the_named_file_and_create_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for url, path in [
        ("sqlite:///rel/dir/a.db", tmp_path / "rel/dir/a.db"),
        (f"sqlite:///{tmp_path}/abs/b.db", tmp_path / "abs/b.db"),  # sqlite:////tmp/...
        ("bare/c.db", tmp_path / "bare/c.db"),
    ]:
        opened = open_store(url)
        assert isinstance(opened, SQLiteStore) and isinstance(opened, Store)
        assert opened.path == path and opened.url == url
        assert opened.migrate() == LATEST
        opened.close()
        assert path.is_file()


@pytest.mark.parametrize(
    "url", ["sqlite://host/x.db", "sqlite:x.db", ":memory:", "sqlite:///:memory:", "sqlite:///"]
)
def test_unusable_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError, match=r"sqlite:///|in-memory"):
        SQLiteStore(url)


def test_opens_in_wal_mode_with_normal_sync_and_foreign_keys(sqlite_store: SQLiteStore) -> None:
    store = sqlite_store
    assert raw(store.path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._writer.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert store._writer.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store._writer.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000


# -- schema and migrations -------------------------------------------------------------------


def test_unmigrated_store_says_to_run_db_init_and_migrate_is_idempotent(db: Path) -> None:
    opened = SQLiteStore(str(db))
    assert opened.schema_version() == 0
    for call in (
        opened.count_articles,
        lambda: opened.add_articles([article(1)]),
        lambda: opened.get_article("x"),
        lambda: opened.search("word"),
        lambda: opened.observe_lines("s", "d", ["h"]),
    ):
        with pytest.raises(StorageError, match="storyline db init"):
            call()
    assert opened.migrate() == LATEST
    assert opened.migrate() == LATEST
    assert opened.add_articles([article(1)]).inserted == ["a00001"]
    rows = raw(db).execute("SELECT version, name FROM schema_migrations").fetchall()
    assert rows[0] == (1, "initial") and [r[0] for r in rows] == list(range(1, LATEST + 1))
    opened.close()


def test_schema_newer_than_the_code_is_refused(db: Path) -> None:
    with SQLiteStore(str(db)) as opened:
        opened.migrate()
    raw(db).execute("INSERT INTO schema_migrations VALUES (999, 'future', '2099-01-01')")
    with pytest.raises(StorageError, match=r"schema version 999.*upgrade Storyline") as error:
        SQLiteStore(str(db))
    assert str(db) in str(error.value)


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(db: Path) -> None:
    junk = b"This is a text file, not a database.\n" * 200
    db.write_bytes(junk)
    with pytest.raises(StorageError, match="not an SQLite database") as error:
        SQLiteStore(str(db))
    assert str(db) in str(error.value)
    assert db.read_bytes() == junk


def test_migrate_refuses_a_database_of_another_program(db: Path) -> None:
    raw(db).execute("CREATE TABLE invoices (id INTEGER)")
    opened = SQLiteStore(str(db))
    with pytest.raises(StorageError, match=r"not Storyline's \(invoices\)"):
        opened.migrate()
    tables = {r[0] for r in raw(db).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"invoices"}
    opened.close()


def test_a_failing_migration_is_rolled_back_whole(db: Path) -> None:
    good = load_migrations()
    broken = Migration(LATEST + 1, "broken", "CREATE TABLE half_done (x);\nCREATE TABLE oops (;\n")
    opened = SQLiteStore(str(db), migrations=[*good, broken])
    with pytest.raises(StorageError, match=f"{LATEST + 1:04d}_broken"):
        opened.migrate()
    assert opened.schema_version() == LATEST
    names = {r[0] for r in raw(db).execute("SELECT name FROM sqlite_master")}
    assert "articles" in names and "half_done" not in names
    opened.close()


def test_migration_files_must_be_numbered_without_gaps(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("CREATE TABLE a (x);")
    (tmp_path / "0003_c.sql").write_text("CREATE TABLE c (x);")
    with pytest.raises(StorageError, match="without gaps"):
        load_migrations(tmp_path)
    (tmp_path / "0002_b.sql").write_text("CREATE TABLE b (x);")
    assert [m.version for m in load_migrations(tmp_path)] == [1, 2, 3]


def test_split_statements_keeps_triggers_strings_and_comments_whole() -> None:
    sql = (
        "-- a comment; with a semicolon\nCREATE TABLE t (x TEXT DEFAULT ';');\n"
        "CREATE TRIGGER g AFTER INSERT ON t BEGIN\n  SELECT 1;\n  SELECT 2;\nEND;\n"
        "INSERT INTO t VALUES ('a;b')\n-- trailing comment\n"
    )
    statements = split_statements(sql)
    assert len(statements) == 3
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")
    conn = sqlite3.connect(":memory:")
    for statement in statements:
        conn.execute(statement)
    assert conn.execute("SELECT x FROM t").fetchall() == [("a;b",)]


# -- articles --------------------------------------------------------------------------------


def full_article() -> Article:
    oslo = timezone(timedelta(hours=2))
    return Article(
        id="u0123456789abcdef",
        title="Tromsø får ny bru",
        text="Første avsnitt.\n\nAndre avsnitt med «sitat».",
        source_id="nrk",
        url="https://example.no/a?x=1",
        canonical_url="https://example.no/a",
        lead="Første avsnitt.",
        published=datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=oslo),
        published_how="html-meta",
        fetched=datetime(2024, 5, 1, 11, 0, tzinfo=UTC),
        author="Kari Nordmann",
        site_name="NRK",
        language="nb",
        origin="/data/a.html",
        credits=[Credit("Evan Vucci/AP"), Credit("Video: NTB", kind="video")],
        related=[RelatedLink("Les også", "Kort tekst", "https://example.no/b"), RelatedLink("Ny")],
        boilerplate=["Del artikkelen", "Annonse"],
        fingerprints={"sha1": "abc", "simhash": "0f0f"},
        duplicate_of="u1111111111111111",
        syndicated_from="NTB",
        entities=["Tromsø", "Statens vegvesen"],
        vector_id=42,
    )


def test_get_article_round_trips_every_field_in_utc(store: AnyStore) -> None:
    original = full_article()
    assert store.add_articles([original]).inserted == [original.id]
    loaded = store.get_article(original.id)
    assert loaded == original
    assert loaded is not None and loaded.published is not None and loaded.fetched is not None
    assert loaded.published.tzinfo == UTC and loaded.fetched.tzinfo == UTC
    assert loaded.published.hour == 10  # 12:30 at +02:00
    assert store.has_article(original.id) and not store.has_article("nope")
    assert store.get_article("nope") is None


def test_stored_shapes_are_iso_utc_text_and_json(sqlite_store: SQLiteStore) -> None:
    store = sqlite_store
    store.add_articles([full_article(), article(1, published=datetime(2024, 1, 2, 3, 4))])
    row = (
        raw(store.path)
        .execute("SELECT published, credits, fingerprints FROM articles ORDER BY seq")
        .fetchall()
    )
    assert row[0][0] == "2024-05-01T10:30:15.123456+00:00"
    assert row[1][0] == "2024-01-02T03:04:00.000000+00:00"  # naive is taken as UTC
    assert json.loads(row[0][1])[1] == {"text": "Video: NTB", "kind": "video"}
    assert json.loads(row[0][2]) == {"sha1": "abc", "simhash": "0f0f"}
    links = raw(store.path).execute("SELECT position, title, url FROM related_links").fetchall()
    assert links == [(0, "Les også", "https://example.no/b"), (1, "Ny", None)]


def test_re_adding_inserts_nothing(store: AnyStore) -> None:
    first = store.add_articles([article(n) for n in range(10)], batch_size=3)
    assert len(first.inserted) == 10 and first.skipped == []
    again = store.add_articles([article(n) for n in range(12)], batch_size=4)
    assert again.inserted == ["a00010", "a00011"]
    assert again.skipped == [f"a{n:05d}" for n in range(10)]
    assert store.count_articles() == 12
    twice = store.add_articles([article(50), article(50, title="Other")])
    assert (twice.inserted, twice.skipped) == (["a00050"], ["a00050"])
    assert store.get_article("a00050") == article(50)  # the first one wins, never updated


@pytest.mark.parametrize(
    "bad",
    [
        article(7, id=""),  # CHECK constraint
        article(7, title=None),  # NOT NULL
        article(7, fingerprints={"x": object()}),  # cannot be encoded, fails before SQL
    ],
    ids=["empty-id", "null-title", "unencodable"],
)
def test_a_bad_row_rolls_back_only_its_batch(store: AnyStore, bad: Article) -> None:
    articles = [article(n) for n in range(15)]
    articles[7] = bad
    with pytest.raises(BatchError) as raised:
        store.add_articles(articles, batch_size=5)
    assert raised.value.batch == 1
    assert raised.value.committed.inserted == [f"a{n:05d}" for n in range(5)]
    assert "rolled back" in str(raised.value) or "not written" in str(raised.value)
    ids = {a.id for a in store.iter_articles()}
    assert ids == {f"a{n:05d}" for n in range(5)}  # nothing of batches 1 and 2
    assert store.stats()["related_links"] == 0
    assert store.search("common") and len(store.search("common", limit=100)) == 5
    articles[7] = article(7)
    assert len(store.add_articles(articles, batch_size=5).inserted) == 10


def test_batch_size_must_be_positive(store: AnyStore) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        store.add_articles([article(1)], batch_size=0)


def test_iter_articles_streams_in_insertion_order(store: AnyStore) -> None:
    store.add_articles(article(n, source_id="even" if n % 2 else "odd") for n in range(450))
    stream = store.iter_articles()
    first = next(stream)
    # Articles committed after iteration started still arrive: pages are read lazily.
    store.add_articles([article(1000)])
    rest = [a.id for a in stream]
    assert [first.id, *rest] == [f"a{n:05d}" for n in [*range(450), 1000]]
    odd = [a.id for a in store.iter_articles(source_id="odd")]
    assert odd == [f"a{n:05d}" for n in range(0, 450, 2)]
    assert list(store.iter_articles(source_id="none")) == []
    assert store.count_articles() == 451


# -- search ----------------------------------------------------------------------------------


@pytest.fixture
def news(store: AnyStore) -> AnyStore:
    return fill_news(store)


def fill_news(store: AnyStore) -> AnyStore:
    store.add_articles(
        [
            Article("t1", "Climate summit opens in Oslo", "Leaders meet to talk."),
            Article("t2", "Football results", "Before the match: the climate was tense."),
            Article("t3", "Bergen weather", "Rain in Bergen, as usual. New York is dry."),
            Article("t4", "Opinion poll on the election", "The opinion poll shows a tie."),
            Article("t5", "Election night", "Results of the election in York."),
            Article("n1", "Blåbærsyltetøy fra Ærø", "Tromsø og Bodø får søt nyhet på øya."),
            Article("d1", "Müller gewinnt in Köln", "Die Straße war voller Fußballfans."),
        ]
    )
    return store


def ids(hits: list[SearchHit]) -> list[str]:
    return [hit.article_id for hit in hits]


def test_search_ranks_title_matches_first_and_marks_snippets(news: AnyStore) -> None:
    hits = news.search("climate")
    assert ids(hits) == ["t1", "t2"]
    assert hits[0].score > hits[1].score
    assert hits[0].title == "Climate summit opens in Oslo"
    assert "[climate]" in hits[1].snippet


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("election", {"t4", "t5"}),
        ("election poll", {"t4"}),
        ('"new york"', {"t3"}),
        ("york", {"t3", "t5"}),
        ("oslo OR bergen", {"t1", "t3"}),
        ("election -poll", {"t5"}),
        ('election -"opinion poll"', {"t5"}),
        ("ELECTION", {"t4", "t5"}),
        ("oslo or bergen", set()),  # lower-case "or" is a word
        ("-election", set()),  # exclusions alone match nothing
        ("", set()),
    ],
)
def test_search_query_language(news: AnyStore, query: str, expected: set[str]) -> None:
    assert set(ids(news.search(query))) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("blåbærsyltetøy", "n1"),
        ("BLÅBÆRSYLTETØY", "n1"),
        ("ærø", "n1"),
        ("tromsø", "n1"),
        ('"søt nyhet"', "n1"),
        ("Müller", "d1"),
        ("muller", "d1"),  # diacritics removed
        ("KÖLN", "d1"),
        ("straße", "d1"),
    ],
)
def test_search_non_english_text(news: AnyStore, query: str, expected: str) -> None:
    assert ids(news.search(query)) == [expected]


def test_an_article_and_its_links_are_read_in_one_snapshot(sqlite_store: SQLiteStore) -> None:
    store = sqlite_store
    store.add_articles([full_article()])
    statements: list[str] = []
    store._reader().set_trace_callback(statements.append)
    assert store.get_article(full_article().id) is not None
    assert statements[0] == "BEGIN" and statements[-1] == "COMMIT"
    assert sum("FROM related_links" in s for s in statements[1:-1]) == 1


def test_search_folds_copies_of_one_story_into_its_original(store: AnyStore) -> None:
    original = Article("w1", "Ceasefire talks resume", "Negotiators met in Cairo on Monday.")
    copy = Article("w2", "Talks on a ceasefire resume", "CAIRO (AP) Negotiators met in Cairo.")
    copy.duplicate_of = "w1"
    other = Article("w3", "Cairo traffic", "Traffic in Cairo was heavy on Monday.")
    store.add_articles([original, copy, other])
    # The copy ranks first (its title is shorter), but the story shows as its original.
    hits = store.search("cairo")
    assert ids(hits) == ["w1", "w3"] or ids(hits) == ["w3", "w1"]
    folded = next(hit for hit in hits if hit.article_id == "w1")
    assert folded.copies == 1 and folded.title == "Ceasefire talks resume"
    assert next(hit for hit in hits if hit.article_id == "w3").copies == 0
    # A hit only on the copy still finds the story, shown as its original.
    assert [(hit.article_id, hit.copies) for hit in store.search("AP")] == [("w1", 1)]
    assert sorted(ids(store.search("cairo", copies=True))) == ["w1", "w2", "w3"]
    assert len(store.search("cairo", limit=1)) == 1


def test_search_limit(news: AnyStore) -> None:
    assert len(news.search("the", limit=2)) == 2
    assert news.search("the", limit=0) == []


HOSTILE = [
    "'; DROP TABLE articles; --",
    "\"; DELETE FROM articles WHERE '1'='1",
    '"unbalanced',
    'unbalanced" quote',
    '"""',
    "NEAR(",
    "NEAR(climate summit, 2)",
    "*",
    "clim*",
    "^",
    "^climate",
    "title:foo",
    "text:climate",
    "{title text}: climate",
    "- climate",
    "--",
    "climate AND",
    "AND OR NOT",
    "OR climate OR",
    "( ) ((",
    "a\x00b \x00",
    "\ud800 lone surrogate",
    "x" * 10_000,
    "climate " * 3000,
    "ø" * 10_000,
    "🙂 😀 emoji",
    "\u202eright-to-left\u202c",
    "+climate +",
    "%_\\'",
    "rank:1 rowid:2",
    "\t\n\r\x0b",
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_never_fail_or_change_anything(news: AnyStore, query: str) -> None:
    hits = news.search(query)
    assert isinstance(hits, list)
    assert news.count_articles() == 7
    assert news.integrity_check() == []


def test_hostile_queries_still_find_their_words(news: AnyStore) -> None:
    assert ids(news.search("text:climate")) == []  # the words "text" and "climate"
    assert set(ids(news.search("^climate"))) == {"t1", "t2"}
    assert set(ids(news.search("NEAR(climate"))) == set()  # "near" AND "climate"
    assert ids(news.search("climate " * 3000)) == ["t1", "t2"]


PIECES = ["a", "b", "æ", "OR", "AND", "NOT", "NEAR", "-", '"', "*", "^", ":", "(", ")", "\x00"]
PIECES += ["{", "}", "+", " ", "title:", "ø", "\\", "'", ",", "OR -", ' "', "\ud800"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join) | st.text())
def test_any_input_is_a_valid_fts5_query(text: str) -> None:
    expression = to_fts5(parse_query(text))
    conn = _fts_probe()
    if expression is not None:
        conn.execute("SELECT * FROM f WHERE f MATCH ?", (expression,)).fetchall()


_PROBE: list[sqlite3.Connection] = []


def _fts_probe() -> sqlite3.Connection:
    if not _PROBE:
        conn = sqlite3.connect(":memory:")
        conn.execute("CREATE VIRTUAL TABLE f USING fts5(title, text)")
        conn.execute("INSERT INTO f VALUES ('a b', 'æ or and')")
        _PROBE.append(conn)
    return _PROBE[0]


def test_parser_output_is_quoted_and_grouped() -> None:
    assert to_fts5(parse_query('a b OR c "d e" -f -"g h"')) == (
        '(("a" AND ("b" OR "c") AND "d e") NOT "f") NOT "g h"'
    )
    assert to_fts5(parse_query("title:x NEAR( *")) == '"title:x" AND "NEAR("'
    assert to_fts5(parse_query("* ^ -- -x")) is None
    assert parse_query("a\x00b\x1fc") == parse_query("a b c")  # control characters separate
    assert len(parse_query(" ".join(f"w{n}" for n in range(100))).groups) == 32


# -- sources and line statistics ---------------------------------------------------------------


def test_sources_upsert_and_list(store: AnyStore) -> None:
    polled = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    store.upsert_source(Source("b", SourceKind.FEED, "https://b.example/rss"))
    store.upsert_source(Source("a", SourceKind.FILE, "/data/in", title="Inbox"))
    store.upsert_source(
        Source("b", SourceKind.FEED, "https://b.example/rss2", paused=True, last_polled=polled)
    )
    assert [s.id for s in store.list_sources()] == ["a", "b"]
    updated = store.get_source("b")
    assert updated == Source(
        "b", SourceKind.FEED, "https://b.example/rss2", paused=True, last_polled=polled
    )
    assert store.get_source("missing") is None


def test_observe_lines_counts_each_document_once(store: AnyStore) -> None:
    assert store.observe_lines("s", "doc1", ["h1", "h2", "h1"])
    assert store.observe_lines("s", "doc2", ["h1"])
    assert not store.observe_lines("s", "doc1", ["h1", "h3"])  # seen: counts unchanged
    assert store.observe_lines("other", "doc1", ["h1"])
    assert store.document_count("s") == 2 and store.document_count("nobody") == 0
    assert store.line_counts("s", ["h1", "h2", "h3", "h1"]) == {"h1": 2, "h2": 1, "h3": 0}
    assert store.line_counts("other", ["h1"]) == {"h1": 1}
    assert store.line_counts("s", []) == {}


# -- maintenance -----------------------------------------------------------------------------


def test_integrity_check_finds_a_damaged_search_index(sqlite_store: SQLiteStore) -> None:
    news = fill_news(sqlite_store)
    assert news.integrity_check() == []
    raw(news.path).execute("INSERT INTO articles_fts (rowid, title, text) VALUES (99, 'x', 'y')")
    problems = news.integrity_check()
    assert problems and problems[0].startswith("search index:")


def test_integrity_check_finds_broken_foreign_keys(sqlite_store: SQLiteStore) -> None:
    news = fill_news(sqlite_store)
    raw(news.path).execute("INSERT INTO related_links VALUES ('ghost', 0, 't', NULL, NULL)")
    assert news.integrity_check() == [
        "foreign key: a related_links row refers to a missing articles row"
    ]


def test_stats_count_what_is_stored(store: AnyStore) -> None:
    store.add_articles([full_article(), article(1)])
    store.upsert_source(Source("nrk", SourceKind.FEED, "https://nrk.no/rss"))
    store.observe_lines("nrk", "d", ["a", "b"])
    stats = store.stats()
    assert {k: v for k, v in stats.items() if not k.endswith("_bytes")} == {
        "schema_version": LATEST,
        "articles": 2,
        "duplicates": 1,
        "related_links": 2,
        "sources": 1,
        "boilerplate_documents": 1,
        "boilerplate_lines": 2,
    }
    assert stats["database_bytes"] + stats["wal_bytes"] > 0


def test_text_no_database_can_hold_is_refused_as_bad_input(store: AnyStore) -> None:
    store.add_articles([article(1)])
    bad = "x\ud800y"  # a lone surrogate: not valid Unicode, cannot be encoded as UTF-8
    for lookup in (store.get_article, lambda q: store.get_articles([q])):
        with pytest.raises(BadInputError, match="lone surrogates"):
            lookup(bad)
    with pytest.raises(BadInputError):
        store.add_articles([Article(id="bad", title=bad, text="Text.")])
    assert store.count_articles() == 1  # nothing stored, nothing lost


def test_closed_store_refuses_work(store: AnyStore) -> None:
    store.close()
    store.close()
    with pytest.raises(StorageError, match="closed"):
        store.count_articles()


# -- errors users meet -----------------------------------------------------------------------


def test_locked_database_names_the_other_writer_and_reads_go_on(db: Path) -> None:
    opened = SQLiteStore(str(db), timeout=0.2)
    opened.migrate()
    opened.add_articles([article(1)])
    other = raw(db)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO sources (id, kind, url) VALUES ('x', 'feed', 'u')")
    with pytest.raises(StorageError, match="locked: another process") as error:
        opened.add_articles([article(2)])
    assert str(db) in str(error.value)
    assert opened.count_articles() == 1  # readers do not wait for the writer
    assert opened.list_sources() == []  # and do not see its uncommitted work
    other.execute("COMMIT")
    assert opened.add_articles([article(2)]).inserted == ["a00002"]
    opened.close()


def test_full_disk_rolls_back_the_batch_and_says_so(sqlite_store: SQLiteStore) -> None:
    store = sqlite_store
    store.add_articles([article(1)])
    pages = store._writer.execute("PRAGMA page_count").fetchone()[0]
    store._writer.execute(f"PRAGMA max_page_count = {pages + 3}")  # a disk with 3 pages free
    big = [article(n, text="word " * 20_000) for n in range(2, 6)]
    with pytest.raises(StorageError, match="disk is full"):
        store.add_articles(big)
    assert store.count_articles() == 1
    store._writer.execute("PRAGMA max_page_count = 1073741823")
    assert len(store.add_articles(big).inserted) == 4


@pytest.fixture
def open_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder the unprivileged user running :func:`as_user` can reach."""
    if os.geteuid() != 0:
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="storyline-ro-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in folder.rglob("*"):
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(folder)


def as_user(action: Callable[[], object]) -> str:
    """Run ``action`` where file permissions apply; return the StorageError text or "".

    Root ignores permissions, so as root the action runs in a forked child as ``nobody``.
    """
    if os.geteuid() != 0:
        try:
            action()
        except StorageError as error:
            return str(error)
        return ""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        message = ""
        try:
            os.setgid(65534)
            os.setuid(65534)
            action()
        except StorageError as error:
            message = str(error)
        except BaseException as error:
            message = f"unexpected {type(error).__name__}: {error}"
        finally:
            os.write(write, message.encode() or b"-")
            os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.close(read)
    os.waitpid(pid, 0)
    return "" if data == b"-" else data.decode()


def open_and_migrate(path: Path) -> None:
    SQLiteStore(str(path)).migrate()


def test_read_only_folder_errors_say_what_to_fix(open_dir: Path) -> None:
    existing = open_dir / "ro" / "old.db"
    with SQLiteStore(str(existing)) as opened:
        opened.migrate()
    assert not existing.with_name("old.db-wal").exists()  # removed on close
    (open_dir / "ro").chmod(0o555)
    try:
        for path, expected in [
            (open_dir / "ro" / "new.db", "writable"),
            (existing, "writable"),
            (open_dir / "ro" / "sub" / "x.db", "creating the database folder"),
        ]:
            message = as_user(functools.partial(open_and_migrate, path))
            assert expected in message, message
            assert str(path.parent) in message
    finally:
        (open_dir / "ro").chmod(0o755)


# -- threads ---------------------------------------------------------------------------------


def test_one_writer_many_readers_see_only_whole_batches(store: AnyStore) -> None:
    batch, batches = 25, 30
    errors: list[BaseException] = []
    done = threading.Event()
    seen_counts: set[int] = set()

    def write() -> None:
        try:
            for k in range(batches):
                store.add_articles(
                    [
                        article(
                            k * batch + i,
                            text=f"shared batch{k} words",
                            related=[RelatedLink(f"r{j}") for j in range(3)],
                        )
                        for i in range(batch)
                    ],
                    batch_size=batch,
                )
        except BaseException as error:
            errors.append(error)
        finally:
            done.set()

    def read() -> None:
        try:
            last = 0
            while not done.is_set():
                count = store.count_articles()
                assert count % batch == 0 and count >= last, count
                last = count
                if count:
                    k = (count // batch) - 1
                    assert len(store.search(f"batch{k}", limit=100)) == batch
                    loaded = store.get_article(f"a{k * batch:05d}")
                    assert loaded is not None and len(loaded.related) == 3
                assert len(store.search("shared", limit=1000)) % batch == 0
                seen_counts.add(count)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write)] + [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert seen_counts & set(range(batch, batch * batches))  # reads ran while writing
    assert store.count_articles() == batch * batches


def test_reads_do_not_wait_for_a_running_write(store: AnyStore) -> None:
    inside, release = threading.Event(), threading.Event()
    order: list[str] = []

    def slow_write() -> None:
        with store._write("test") as conn:
            conn.execute("INSERT INTO sources (id, kind, url) VALUES ('s', 'feed', 'u')")
            inside.set()
            release.wait(10)
        order.append("first write committed")

    def second_write() -> None:
        store.upsert_source(Source("t", SourceKind.FEED, "u"))
        order.append("second write committed")

    writer = threading.Thread(target=slow_write)
    writer.start()
    assert inside.wait(10)
    waiting = threading.Thread(target=second_write)
    waiting.start()
    started = time.monotonic()
    assert store.list_sources() == []  # a read runs now, and sees the last commit
    assert time.monotonic() - started < 1
    assert order == []  # the second writer waits for the first
    release.set()
    writer.join(10)
    waiting.join(10)
    assert order == ["first write committed", "second write committed"]
    assert [s.id for s in store.list_sources()] == ["s", "t"]


def test_each_thread_reads_on_its_own_connection(sqlite_store: SQLiteStore) -> None:
    store = sqlite_store
    store.count_articles()
    mine = store._reader()
    together = threading.Barrier(3)
    seen: list[sqlite3.Connection] = []

    def read() -> None:
        store.count_articles()
        seen.append(store._reader())
        together.wait(10)

    threads = [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len({id(conn) for conn in [mine, store._writer, *seen]}) == 5
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        mine.execute("DELETE FROM articles")
    seen.clear()
    gc.collect()
    assert list(store._readers) == [store._local.reader]  # ended threads' readers are gone
