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

import sqlite3
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from types import TracebackType

from storyline.errors import StorageError
from storyline.model import Article
from storyline.store.base import AddResult, BatchError, SearchHit
from storyline.store.migrate import (
    Migration,
    check_not_newer,
    latest_version,
    load_migrations,
)
from storyline.store.query import parse_query, to_fts5
from storyline.store.sqlite_articles import SQLiteArticlesMixin, SQLiteSchemaMixin
from storyline.store.sqlite_dedup import SQLiteDedupMixin
from storyline.store.sqlite_entities import SQLiteEntitiesMixin
from storyline.store.sqlite_errors import error_code, storage_error, translate
from storyline.store.sqlite_events import SQLiteEventsMixin
from storyline.store.sqlite_rows import (
    FTS_CHECK,
    INSERT_ARTICLE,
    INSERT_LINK,
    SEARCH,
    TITLE_WEIGHT,
    schema_version_on,
    sqlite_path,
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
    SQLiteSchemaMixin,
    SQLiteArticlesMixin,
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

    # -- schema hooks (SQLiteSchemaMixin) ---------------------------------------------------

    _ENGINE = "SQLite"
    _HOME = "file"
    _FOREIGN_TABLES_SQL = (
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name"
    )

    @staticmethod
    def _version_on(conn: sqlite3.Connection) -> int:
        return schema_version_on(conn)

    @staticmethod
    def _apply_statement(conn: sqlite3.Connection, statement: str) -> None:
        conn.execute(statement)

    def _translating(self, action: str) -> AbstractContextManager[None]:
        return translate(self.path, action)

    # -- articles -------------------------------------------------------------------------

    def _add_batch(
        self, batch: list[Article], number: int, done: AddResult
    ) -> tuple[list[str], list[str]]:
        """Write one batch in one transaction; returns (inserted ids, skipped ids)."""
        rows = list(zip(batch, self._batch_params(batch, number, done), strict=True))
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
