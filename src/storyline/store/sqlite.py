"""The SQLite store: the embedded default, one file, safe to share between threads.

Concurrency follows SQLite's WAL model (and datasette's design): **one writer, many readers**.

* One writer connection, guarded by a lock. Every write runs on it inside ``BEGIN IMMEDIATE``
  ... ``COMMIT``, so writes from threads of this process queue on the lock, and a writer in
  another process makes us wait up to ``timeout`` seconds (SQLite's busy timeout).
* One read connection per thread, opened on first use and marked ``query_only``. In WAL mode
  readers never wait for the writer: each read sees the last committed state, and multi-query
  reads (an article and its related links) run in one read transaction, so they see one
  snapshot.

``synchronous=NORMAL`` in WAL mode never corrupts the database and loses nothing when the
process crashes; only a power cut or OS crash can lose the last committed transactions.
Every ``sqlite3`` error leaves this module as a :class:`StorageError` saying what to do (see
:mod:`storyline.store.sqlite_errors`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from itertools import islice
from types import TracebackType

from storyline.errors import StorageError
from storyline.model import Article, RelatedLink, Source, utcnow
from storyline.store.base import AddResult, BatchError, SearchHit
from storyline.store.migrate import (
    MIGRATIONS_TABLE_SQL,
    Migration,
    check_not_newer,
    latest_version,
    load_migrations,
    pending_migrations,
)
from storyline.store.query import parse_query, to_fts5
from storyline.store.sqlite_dedup import SQLiteDedupMixin
from storyline.store.sqlite_entities import SQLiteEntitiesMixin
from storyline.store.sqlite_errors import error_code, storage_error, translate
from storyline.store.sqlite_events import SQLiteEventsMixin
from storyline.store.sqlite_rows import (
    FTS_CHECK,
    INSERT_ARTICLE,
    INSERT_LINK,
    PAGE,
    SEARCH,
    SELECT_LINKS,
    TITLE_WEIGHT,
    UPSERT_SOURCE,
    article_from_row,
    article_params,
    schema_version_on,
    source_from_row,
    source_params,
    sqlite_path,
    time_text,
    to_json,
)
from storyline.store.sqlite_sources import SQLiteSourcesMixin
from storyline.store.sqlite_vectors import SQLiteVectorsMixin

__all__ = ["SQLiteStore", "sqlite_path"]


def _damage_as_problem(
    label: str, conn: sqlite3.Connection, sql: str, problems: list[str]
) -> list[sqlite3.Row]:
    """Run a check; if SQLite reports damage instead of rows, record it as a problem."""
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.DatabaseError as error:
        if error_code(error) not in {"SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_IOERR"}:
            raise
        problems.append(f"{label}: {error}")
        return []


class _Reader:
    """Holds one thread's read connection; when the thread ends, the connection is closed."""

    __slots__ = ("__weakref__", "conn")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn


class SQLiteStore(
    SQLiteVectorsMixin,
    SQLiteDedupMixin,
    SQLiteEntitiesMixin,
    SQLiteSourcesMixin,
    SQLiteEventsMixin,
):
    """The :class:`~storyline.store.base.Store` on one SQLite file (see the module docstring).

    Opening does not create tables: call :meth:`migrate` (``storyline db init``) once. Opening
    checks that the file is an SQLite database of a schema version this code knows.
    ``timeout`` is how long a write waits for another writer before giving up, in seconds.
    ``migrations`` replaces the packaged migrations (for tests and tools).
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        migrations: Sequence[Migration] | None = None,
    ) -> None:
        self.url = url
        self.path = sqlite_path(url)
        self.timeout = timeout
        self._migrations = list(load_migrations() if migrations is None else migrations)
        self._latest = latest_version(self._migrations)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._readers: weakref.WeakSet[_Reader] = weakref.WeakSet()
        self._readers_lock = threading.Lock()
        self._closed = False
        self._ready = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise storage_error(error, self.path.parent, "creating the database folder") from error
        self._writer = self._connect(writer=True)
        try:
            with translate(self.path, "opening the database", timeout=timeout):
                version = schema_version_on(self._writer)
            check_not_newer(version, self._migrations, str(self.path))
        except BaseException:
            self._writer.close()
            raise
        self._ready = version == self._latest

    # -- connections and transactions ---------------------------------------------------

    def _connect(self, *, writer: bool) -> sqlite3.Connection:
        """Open and configure a connection; the writer also switches the file to WAL mode."""
        action = "opening the database" if writer else "opening a read connection"
        with translate(self.path, action, timeout=self.timeout):
            conn = sqlite3.connect(
                self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
            )
            try:
                conn.row_factory = sqlite3.Row
                if writer:
                    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                    if str(mode).lower() != "wal":
                        raise StorageError(
                            f"{self.path}: SQLite could not switch the database to WAL mode "
                            f"(it stays in {mode!r} mode); keep the database on a local disk, "
                            "not a network share"
                        )
                    conn.execute("PRAGMA synchronous = NORMAL")
                    conn.execute("PRAGMA foreign_keys = ON")
                else:
                    conn.execute("PRAGMA query_only = ON")
            except BaseException:
                conn.close()
                raise
        return conn

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError(f"{self.path}: the store is closed")

    def _require_schema(self) -> None:
        """Fail clearly on a database that was never migrated, instead of "no such table"."""
        if self._ready:
            return
        version = self.schema_version()
        check_not_newer(version, self._migrations, str(self.path))
        if version < self._latest:
            state = (
                "has no Storyline tables yet"
                if version == 0
                else f"is at schema version {version}, this Storyline needs {self._latest}"
            )
            raise StorageError(
                f"{self.path}: the database {state}: run `storyline db init` "
                "(or call Store.migrate()) first"
            )
        self._ready = True

    def _reader(self) -> sqlite3.Connection:
        """This thread's read connection, opened on first use."""
        reader: _Reader | None = getattr(self._local, "reader", None)
        if reader is None:
            reader = _Reader(self._connect(writer=False))
            with self._readers_lock:
                if self._closed:
                    reader.conn.close()
                    self._check_open()
                self._readers.add(reader)
            self._local.reader = reader
        return reader.conn

    @contextmanager
    def _read(self, action: str) -> Iterator[sqlite3.Connection]:
        """A read transaction on this thread's connection: every query in it sees one snapshot."""
        self._check_open()
        conn = self._reader()
        with translate(self.path, action, timeout=self.timeout):
            began = not conn.in_transaction
            if began:
                conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if began and conn.in_transaction:
                    conn.execute("COMMIT")

    @contextmanager
    def _write(self, action: str) -> Iterator[sqlite3.Connection]:
        """A write transaction on the one writer connection; rolled back whole on any error."""
        self._check_open()
        if not self._lock.acquire(timeout=self.timeout):
            raise StorageError(
                f"{self.path}: {action}: another thread of this process held the write lock "
                f"for more than {self.timeout:g} s; retry, or raise the store's timeout"
            )
        try:
            self._check_open()
            conn = self._writer
            with translate(self.path, action, timeout=self.timeout):
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    # The original error matters; SQLite may already have rolled back.
                    if conn.in_transaction:
                        with suppress(sqlite3.Error):
                            conn.execute("ROLLBACK")
                    raise
        finally:
            self._lock.release()

    # -- schema ---------------------------------------------------------------------------

    def schema_version(self) -> int:
        """The schema version the database is at (0 for an empty database)."""
        with self._read("reading the schema version") as conn:
            return schema_version_on(conn)

    def migrate(self) -> int:
        """Apply pending migrations, each in its own transaction; returns the schema version.

        Safe to call repeatedly and from several processes at once: the version is read again
        inside each write transaction, so a migration is never applied twice. Refuses a file
        that already holds tables of some other program.
        """
        while True:
            with self._write("migrating the database") as conn:
                conn.execute(MIGRATIONS_TABLE_SQL)
                current = schema_version_on(conn)
                check_not_newer(current, self._migrations, str(self.path))
                pending = pending_migrations(self._migrations, current)
                if not pending:
                    break
                if current == 0:
                    self._refuse_foreign(conn)
                migration = pending[0]
                with translate(
                    self.path, f"applying migration {migration.version:04d}_{migration.name}"
                ):
                    for statement in migration.statements():
                        conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, time_text(utcnow())),
                )
        self._ready = current == self._latest
        return current

    def _refuse_foreign(self, conn: sqlite3.Connection) -> None:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name"
            )
        ]
        if names:
            raise StorageError(
                f"{self.path}: this SQLite database already holds tables that are not "
                f"Storyline's ({', '.join(names[:5])}); give Storyline a file of its own"
            )

    # -- articles -------------------------------------------------------------------------

    def add_articles(self, articles: Iterable[Article], *, batch_size: int = 500) -> AddResult:
        """Insert new articles, ``batch_size`` per transaction; already stored ids are skipped.

        A failed batch is rolled back whole and raised as :class:`BatchError`, whose
        ``committed`` holds what the earlier (committed) batches did.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._check_open()
        self._require_schema()
        result = AddResult()
        iterator = iter(articles)
        number = 0
        while batch := list(islice(iterator, batch_size)):
            inserted, skipped = self._add_batch(batch, number, result)
            result.inserted.extend(inserted)
            result.skipped.extend(skipped)
            number += 1
        return result

    def _add_batch(
        self, batch: list[Article], number: int, done: AddResult
    ) -> tuple[list[str], list[str]]:
        """Write one batch in one transaction; returns (inserted ids, skipped ids)."""
        where = f"{self.path}: adding articles (batch {number})"
        stored_at = time_text(utcnow()) or ""
        rows = []
        for article in batch:
            try:
                rows.append((article, article_params(article, stored_at)))
            except (AttributeError, TypeError, ValueError) as error:
                name = getattr(article, "id", repr(article)[:60])
                raise BatchError(
                    f"{where}: article {name} cannot be stored ({error}); the batch was not "
                    f"written, {len(done.inserted)} articles of earlier batches were",
                    AddResult(list(done.inserted), list(done.skipped)),
                    number,
                ) from error
        inserted: list[str] = []
        skipped: list[str] = []
        current: str | None = None
        try:
            with self._write(f"adding articles (batch {number})") as conn:
                for article, params in rows:
                    current = article.id
                    if conn.execute(INSERT_ARTICLE, params).rowcount == 0:
                        skipped.append(article.id)
                        continue
                    inserted.append(article.id)
                    conn.executemany(
                        INSERT_LINK,
                        [
                            (article.id, position, link.title, link.snippet, link.url)
                            for position, link in enumerate(article.related)
                        ],
                    )
        except StorageError as error:
            at = "" if current is None else f" at article {current!r}"
            raise BatchError(
                f"{error}; batch {number} was rolled back{at}, {len(done.inserted)} articles "
                "of earlier batches stay committed",
                AddResult(list(done.inserted), list(done.skipped)),
                number,
            ) from error
        return inserted, skipped

    def _related(self, conn: sqlite3.Connection, ids: list[str]) -> dict[str, list[RelatedLink]]:
        links: dict[str, list[RelatedLink]] = {}
        for row in conn.execute(SELECT_LINKS, (to_json(ids),)):
            links.setdefault(row["article_id"], []).append(
                RelatedLink(title=row["title"], snippet=row["snippet"], url=row["url"])
            )
        return links

    def get_article(self, article_id: str) -> Article | None:
        """One article by id, or ``None``; the article and its links come from one snapshot."""
        self._require_schema()
        with self._read("reading an article") as conn:
            row = conn.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
            if row is None:
                return None
            links = self._related(conn, [article_id]).get(article_id, [])
        return article_from_row(row, links)

    def has_article(self, article_id: str) -> bool:
        """Whether an article with this id is stored."""
        self._require_schema()
        with self._read("looking up an article") as conn:
            found = conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,))
            return found.fetchone() is not None

    def iter_articles(self, *, source_id: str | None = None) -> Iterator[Article]:
        """All articles (of one source, if given) in insertion order, streamed page by page.

        Each page is read in its own short read transaction (keyset pagination on ``seq``), so
        a slow consumer never pins an old snapshot, which would stop the WAL from being
        checkpointed. Articles committed while iterating may appear at the end.
        """
        self._require_schema()
        last = 0
        while True:
            with self._read("reading articles") as conn:
                if source_id is None:
                    cursor = conn.execute(
                        "SELECT * FROM articles WHERE seq > ? ORDER BY seq LIMIT ?", (last, PAGE)
                    )
                else:
                    cursor = conn.execute(
                        "SELECT * FROM articles WHERE source_id = ? AND seq > ? "
                        "ORDER BY seq LIMIT ?",
                        (source_id, last, PAGE),
                    )
                rows = cursor.fetchall()
                links = self._related(conn, [row["id"] for row in rows]) if rows else {}
            for row in rows:
                yield article_from_row(row, links.get(row["id"], []))
            if len(rows) < PAGE:
                return
            last = rows[-1]["seq"]

    def count_articles(self) -> int:
        """How many articles are stored."""
        self._require_schema()
        with self._read("counting articles") as conn:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])

    def search(self, query: str, *, limit: int = 20, copies: bool = False) -> list[SearchHit]:
        """Full-text search, best first (BM25, title matches weigh more); never a syntax error.

        The input is parsed by :func:`storyline.store.query.parse_query`: plain words are
        ANDed, "quoted phrases", ``OR`` and ``-excluded`` terms work, everything else is text.

        Readers want one copy of a story, not five: unless ``copies`` is true, hits that are
        duplicates of one original fold into one hit, shown as the original (its id, title and
        the best snippet among the copies), with ``copies`` counting the stored copies.
        """
        expression = to_fts5(parse_query(query))
        if expression is None or limit < 1:
            return []
        self._require_schema()
        # Fetch more rows than asked for when folding, so folded copies do not starve the page.
        fetch = limit if copies else min(limit * 5, limit + 500)
        with self._read("searching") as conn:
            rows = conn.execute(SEARCH, (TITLE_WEIGHT, expression, fetch)).fetchall()
            if copies:
                return [
                    SearchHit(article_id=row[0], title=row[1], snippet=row[2], score=-float(row[3]))
                    for row in rows
                ]
            best: dict[str, sqlite3.Row] = {}
            for row in rows:
                best.setdefault(row["story"], row)
                if len(best) >= limit:
                    break
            return self._fold_hits(conn, list(best.values()))

    def _fold_hits(self, conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[SearchHit]:
        """Search hits shown as their stories' originals, with the number of copies each has."""
        stories = [row["story"] for row in rows]
        wanted = json.dumps(stories)  # one parameter, unpacked by SQLite's json_each
        titles: dict[str, str] = {}
        counts: dict[str, int] = {}
        if stories:
            for story, title in conn.execute(
                "SELECT id, title FROM articles WHERE id IN (SELECT value FROM json_each(?))",
                (wanted,),
            ):
                titles[story] = title
            for story, count in conn.execute(
                "SELECT duplicate_of, count(*) FROM articles "
                "WHERE duplicate_of IN (SELECT value FROM json_each(?)) GROUP BY duplicate_of",
                (wanted,),
            ):
                counts[story] = int(count)
        return [
            SearchHit(
                article_id=row["story"],
                title=titles.get(row["story"], row["title"]),
                snippet=row[2],
                score=-float(row[3]),
                copies=counts.get(row["story"], 0),
            )
            for row in rows
        ]

    # -- sources --------------------------------------------------------------------------

    def upsert_source(self, source: Source) -> None:
        """Insert a source or update the stored one with the same id."""
        self._require_schema()
        params = source_params(source)
        with self._write(f"saving source {source.id}") as conn:
            conn.execute(UPSERT_SOURCE, params)

    def get_source(self, source_id: str) -> Source | None:
        """One source by id, or ``None``."""
        self._require_schema()
        with self._read("reading a source") as conn:
            row = conn.execute("SELECT * FROM sources WHERE id = ?", (source_id,)).fetchone()
        return None if row is None else source_from_row(row)

    def list_sources(self) -> list[Source]:
        """All sources, by id."""
        self._require_schema()
        with self._read("listing sources") as conn:
            rows = conn.execute("SELECT * FROM sources ORDER BY id").fetchall()
        return [source_from_row(row) for row in rows]

    # -- boilerplate line statistics --------------------------------------------------------

    def line_counts(self, source_id: str, hashes: Iterable[str]) -> dict[str, int]:
        """In how many observed documents of a source each line hash occurred (0 if never)."""
        wanted = list(dict.fromkeys(hashes))
        counts = dict.fromkeys(wanted, 0)
        if not wanted:
            return counts
        self._require_schema()
        with self._read("reading line statistics") as conn:
            for row in conn.execute(
                "SELECT line_hash, documents FROM line_stat_lines WHERE source_id = ? "
                "AND line_hash IN (SELECT value FROM json_each(?))",
                (source_id, to_json(wanted)),
            ):
                counts[row[0]] = int(row[1])
        return counts

    def document_count(self, source_id: str) -> int:
        """How many distinct documents of a source were observed for boilerplate learning."""
        self._require_schema()
        with self._read("reading line statistics") as conn:
            row = conn.execute(
                "SELECT documents FROM line_stat_sources WHERE source_id = ?", (source_id,)
            ).fetchone()
        return 0 if row is None else int(row[0])

    def observe_lines(self, source_id: str, doc_key: str, hashes: Iterable[str]) -> bool:
        """Count each distinct line hash of one document once; False if ``doc_key`` was seen.

        The document key, the document counter and the line counters change in one
        transaction, so a crash can never count a document twice or half.
        """
        distinct = list(dict.fromkeys(hashes))
        self._require_schema()
        with self._write("recording line statistics") as conn:
            added = conn.execute(
                "INSERT INTO line_stat_documents (source_id, doc_key) VALUES (?, ?) "
                "ON CONFLICT DO NOTHING",
                (source_id, doc_key),
            ).rowcount
            if not added:
                return False
            conn.execute(
                "INSERT INTO line_stat_sources (source_id, documents) VALUES (?, 1) "
                "ON CONFLICT (source_id) DO UPDATE SET documents = line_stat_sources.documents + 1",
                (source_id,),
            )
            conn.executemany(
                "INSERT INTO line_stat_lines (source_id, line_hash, documents) VALUES (?, ?, 1) "
                "ON CONFLICT (source_id, line_hash) DO UPDATE SET "
                "documents = line_stat_lines.documents + 1",
                [(source_id, line_hash) for line_hash in distinct],
            )
        return True

    # -- maintenance ----------------------------------------------------------------------

    def integrity_check(self) -> list[str]:
        """SQLite's ``integrity_check``, foreign keys, and the search index against the articles.

        The first two run in a read transaction, so writers carry on meanwhile; the FTS5 check
        is a command written as an INSERT and runs on the writer. Damage is reported as
        problems, not raised: this is what ``storyline db check`` prints.
        """
        problems: list[str] = []
        with self._read("checking the database") as conn:
            rows = _damage_as_problem("integrity", conn, "PRAGMA integrity_check", problems)
            problems.extend(f"integrity: {r[0]}" for r in rows if r[0] != "ok")
            rows = _damage_as_problem("foreign key", conn, "PRAGMA foreign_key_check", problems)
            problems.extend(
                f"foreign key: a {r[0]} row refers to a missing {r[2]} row"
                + ("" if r[1] is None else f" (rowid {r[1]})")
                for r in rows
            )
            fts = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'articles_fts'"
            ).fetchone()
        if fts is not None:
            before = len(problems)
            with self._write("checking the search index") as conn:
                _damage_as_problem("search index", conn, FTS_CHECK, problems)
            if len(problems) > before:
                problems.append(
                    "search index: rebuild it with: sqlite3 DATABASE.db "
                    "\"INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')\""
                )
        return problems

    def stats(self) -> dict[str, int]:
        """Counts of what the store holds, plus the sizes of the database and WAL files."""
        self._require_schema()
        with self._read("counting") as conn:
            row = conn.execute(
                "SELECT (SELECT count(*) FROM articles), "
                "(SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL), "
                "(SELECT count(*) FROM related_links), (SELECT count(*) FROM sources), "
                "(SELECT coalesce(sum(documents), 0) FROM line_stat_sources), "
                "(SELECT count(*) FROM line_stat_lines)"
            ).fetchone()
            version = schema_version_on(conn)
        wal = self.path.with_name(self.path.name + "-wal")
        return {
            "schema_version": version,
            "articles": int(row[0]),
            "duplicates": int(row[1]),
            "related_links": int(row[2]),
            "sources": int(row[3]),
            "boilerplate_documents": int(row[4]),
            "boilerplate_lines": int(row[5]),
            "database_bytes": self.path.stat().st_size if self.path.exists() else 0,
            "wal_bytes": wal.stat().st_size if wal.exists() else 0,
        }

    def close(self) -> None:
        """Close every connection (waiting for a running write); safe to call twice."""
        with self._readers_lock:
            if self._closed:
                return
            self._closed = True
            readers = list(self._readers)
        for reader in readers:
            reader.conn.close()
        with self._lock:
            with suppress(sqlite3.Error):  # only a hint for the query planner
                self._writer.execute("PRAGMA optimize")
            self._writer.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({self.url!r})"
