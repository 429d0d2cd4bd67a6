"""The PostgreSQL store: the same :class:`~storyline.store.base.Store` for servers and teams.

Opened by ``postgresql://user:password@host:port/database`` (psycopg 3, extra ``[postgres]``).
Same logical schema and migration numbers as SQLite (``pg_migrations/`` holds the PostgreSQL
SQL of each numbered migration); the query code of the dedup, vector, entity, event and
source mixins is shared with the SQLite store and runs through
:mod:`storyline.store.pg_dialect`. What differs lives here: connections, transactions,
bulk loading with ``COPY``, full-text search with ``tsvector`` and the maintenance commands.

Concurrency: a poller and several web workers may use one database at once.

* Connections come from a ``psycopg_pool.ConnectionPool`` (checked before each use, so a
  restarted server is reconnected to transparently).
* Reads run in ``REPEATABLE READ READ ONLY`` transactions: every query of a read (an article
  and its links) sees one snapshot, and readers never wait for writers (MVCC).
* Every write transaction first takes one transaction-scoped advisory lock,
  ``pg_advisory_xact_lock(WRITE_LOCK)``, exactly like SQLite's ``BEGIN IMMEDIATE``: writers of
  all processes take turns, so the read-modify-write steps of the shared code (the next event
  sequence number, an article's version count, an event's counts after a merge) can never
  interleave and lose an update. Upserts use ``ON CONFLICT``, so a row inserted by another
  process is never a failure. ``lock_timeout`` bounds the wait (the store's ``timeout``).
* Commits are durable (``synchronous_commit`` stays on): when ``add_articles`` returns, the
  batch survives a server crash; a crashed or restarted server costs only the batch in flight,
  which is rolled back whole (:class:`~storyline.store.base.BatchError`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from importlib import resources
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit, urlunsplit

from storyline.errors import ConfigError, StorageError
from storyline.model import Article
from storyline.store.base import AddResult, BatchError
from storyline.store.migrate import (
    Migration,
    check_not_newer,
    latest_version,
    load_migrations,
)
from storyline.store.pg_dialect import PgConnection, row_factory
from storyline.store.postgres_search import PostgresSearchMixin
from storyline.store.sqlite_articles import SQLiteArticlesMixin, SQLiteSchemaMixin
from storyline.store.sqlite_dedup import SQLiteDedupMixin
from storyline.store.sqlite_entities import SQLiteEntitiesMixin
from storyline.store.sqlite_errors import unencodable_text
from storyline.store.sqlite_events import SQLiteEventsMixin
from storyline.store.sqlite_sources import SQLiteSourcesMixin
from storyline.store.sqlite_vectors import SQLiteVectorsMixin

if TYPE_CHECKING:
    import sqlite3

    import psycopg
    from psycopg_pool import ConnectionPool

__all__ = ["ARTICLE_COLUMNS", "WRITE_LOCK", "PostgresStore", "pg_migrations", "redact"]

#: The advisory lock every write transaction takes (any fixed 64-bit number; "Storylin").
WRITE_LOCK = 0x53746F72796C696E
ARTICLE_COLUMNS = (
    "id",
    "title",
    "text",
    "source_id",
    "url",
    "canonical_url",
    "lead",
    "published",
    "published_how",
    "fetched",
    "author",
    "site_name",
    "language",
    "origin",
    "credits",
    "boilerplate",
    "fingerprints",
    "duplicate_of",
    "syndicated_from",
    "entities",
    "vector_id",
    "stored_at",
)
_COLS = ", ".join(ARTICLE_COLUMNS)
_INCOMING = (
    "CREATE TEMP TABLE IF NOT EXISTS storyline_incoming (n INTEGER, "
    + ", ".join(f"{c} {'BIGINT' if c == 'vector_id' else 'TEXT'}" for c in ARTICLE_COLUMNS)
    + ") ON COMMIT DELETE ROWS"
)


def pg_migrations() -> list[Migration]:
    """The PostgreSQL migrations (same numbers and names as the SQLite ones)."""
    return load_migrations(resources.files("storyline.store").joinpath("pg_migrations"))


def redact(url: str) -> str:
    """``url`` without its password, for messages and ``Store.url``-based display."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def _clean_text(value: Any) -> Any:
    """PostgreSQL text cannot hold NUL characters (SQLite's can): store U+FFFD instead."""
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "\ufffd")
    return value


class PostgresStore(
    PostgresSearchMixin,
    SQLiteSchemaMixin,
    SQLiteArticlesMixin,
    SQLiteVectorsMixin,
    SQLiteDedupMixin,
    SQLiteEntitiesMixin,
    SQLiteSourcesMixin,
    SQLiteEventsMixin,
):
    """The :class:`~storyline.store.base.Store` on a PostgreSQL database (module docstring).

    Opening does not create tables: call :meth:`migrate` (``storyline db init``) once.
    ``timeout`` bounds waiting for a connection and for the write lock, in seconds;
    ``pool_size`` is the most connections this process opens.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        pool_size: int = 8,
        migrations: Sequence[Migration] | None = None,
    ) -> None:
        try:
            import psycopg
            from psycopg_pool import ConnectionPool
        except ImportError as error:
            raise ConfigError(
                f"{redact(url)}: the PostgreSQL store needs psycopg 3: "
                "pip install 'storyline[postgres]'"
            ) from error
        self._psycopg = psycopg
        if url.startswith("postgres://"):
            url = "postgresql://" + url.removeprefix("postgres://")
        self.url = redact(url)
        self.path = self.url  # type: ignore[assignment]  # what shared code puts in messages
        self.timeout = timeout
        self._migrations = list(pg_migrations() if migrations is None else migrations)
        self._latest = latest_version(self._migrations)
        self._closed = False
        self._ready = False
        self._terms: tuple[float, int, dict[str, int]] | None = None
        self._terms_lock = threading.Lock()
        self._pool: ConnectionPool[Any] = ConnectionPool(
            url,
            min_size=1,
            max_size=max(2, pool_size),
            kwargs={"autocommit": True, "row_factory": row_factory},
            check=ConnectionPool.check_connection,
            timeout=timeout,
            open=False,
            name="storyline",
        )
        try:
            with self._translate("opening the database"):
                self._pool.open(wait=True, timeout=timeout)
                version = self.schema_version()
            check_not_newer(version, self._migrations, self.url)
        except BaseException:
            self._pool.close()
            raise
        self._ready = version == self._latest

    # -- connections and transactions ---------------------------------------------------

    @contextmanager
    def _translate(self, action: str) -> Iterator[None]:
        """Turn psycopg errors into :class:`StorageError` messages that say what to do."""
        psycopg = self._psycopg
        try:
            yield
        except StorageError:
            raise
        except UnicodeEncodeError as error:
            raise unencodable_text(action, error) from error
        except psycopg.errors.LockNotAvailable as error:
            raise StorageError(
                f"{self.url}: {action}: the database is locked: another Storyline process "
                f"held the write lock for more than {self.timeout:g} s; wait for it to "
                f"finish or stop it, then retry ({error})"
            ) from error
        except psycopg.errors.DiskFull as error:
            raise StorageError(
                f"{self.url}: {action}: the database server's disk is full: free space on it "
                f"and retry; the failed transaction was rolled back ({error})"
            ) from error
        except psycopg.errors.UndefinedTable as error:
            raise StorageError(
                f"{self.url}: {action}: a table is missing: run `storyline db migrate --db "
                f"{self.url}` ({error})"
            ) from error
        except psycopg.errors.IntegrityError as error:
            raise StorageError(
                f"{self.url}: {action}: a record was rejected by a database constraint ({error})"
            ) from error
        except psycopg.errors.InsufficientPrivilege as error:
            raise StorageError(
                f"{self.url}: {action}: permission denied: grant the user rights on the "
                f"database (it must own it, or be allowed to CREATE in it) ({error})"
            ) from error
        except self._pool_timeout() as error:
            raise StorageError(
                f"{self.url}: {action}: no database connection within {self.timeout:g} s: "
                "is the PostgreSQL server running and reachable, and are the host, port, "
                f"user and password in the URL right? ({error})"
            ) from error
        except psycopg.OperationalError as error:
            raise StorageError(
                f"{self.url}: {action}: the database server is not reachable or went away: "
                "check that PostgreSQL is running and the URL is right, then retry; an "
                f"unfinished transaction was rolled back ({error})"
            ) from error
        except psycopg.Error as error:
            raise StorageError(f"{self.url}: {action}: {error}") from error

    @staticmethod
    def _pool_timeout() -> type[Exception]:
        from psycopg_pool import PoolTimeout

        return PoolTimeout

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError(f"{self.url}: the store is closed")

    @contextmanager
    def _transaction(self, action: str, begin: str, *, lock: bool) -> Iterator[PgConnection]:
        self._check_open()
        with self._translate(action), self._pool.connection(timeout=self.timeout) as conn:
            conn.execute(begin)
            try:
                if lock:
                    timeout_ms = max(1, int(self.timeout * 1000))
                    conn.execute(f"SET LOCAL lock_timeout = {timeout_ms}")
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                yield PgConnection(conn)
                conn.execute("COMMIT")
            except BaseException:
                if not conn.broken:
                    with suppress(self._psycopg.Error):
                        conn.execute("ROLLBACK")
                raise

    @contextmanager
    def _read(self, action: str) -> Iterator[sqlite3.Connection]:
        """A read-only transaction: every query in it sees one snapshot; never blocks."""
        begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        with self._transaction(action, begin, lock=False) as conn:
            # The shared mixins are typed against sqlite3; PgConnection speaks that subset.
            yield cast("sqlite3.Connection", conn)

    @contextmanager
    def _write(self, action: str) -> Iterator[sqlite3.Connection]:
        """A write transaction holding the store's write lock; rolled back whole on error."""
        with self._transaction(action, "BEGIN", lock=True) as conn:
            yield cast("sqlite3.Connection", conn)

    # -- schema hooks (SQLiteSchemaMixin) ---------------------------------------------------

    _ENGINE = "PostgreSQL"
    _HOME = "database"
    _FOREIGN_TABLES_SQL = (
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
        "AND tablename <> 'schema_migrations' ORDER BY tablename"
    )

    @staticmethod
    def _version_on(conn: sqlite3.Connection) -> int:
        return _schema_version_on(conn)

    @staticmethod
    def _apply_statement(conn: sqlite3.Connection, statement: str) -> None:
        cast(PgConnection, conn).conn.execute(statement.encode())  # DDL as written

    def _translating(self, action: str) -> AbstractContextManager[None]:
        return self._translate(action)

    # -- articles -------------------------------------------------------------------------

    def _add_batch(
        self, batch: list[Article], number: int, done: AddResult
    ) -> tuple[list[str], list[str]]:
        """COPY one batch into a staging table, then insert the new ids in one statement."""
        rows: list[tuple[Any, ...]] = [
            (n, *(_clean_text(params[c]) for c in ARTICLE_COLUMNS))
            for n, params in enumerate(self._batch_params(batch, number, done))
        ]
        try:
            with self._write(f"adding articles (batch {number})") as wrapped:
                conn = cast(PgConnection, wrapped).conn
                new = self._copy_articles(conn, rows)
                inserted: list[str] = []
                skipped: list[str] = []
                links: list[tuple[Any, ...]] = []
                for article in batch:
                    if article.id in new:
                        new.discard(article.id)
                        inserted.append(article.id)
                        links.extend(
                            (article.id, n, _clean_text(link.title), _clean_text(link.snippet),
                             _clean_text(link.url))
                            for n, link in enumerate(article.related)
                        )  # fmt: skip
                    else:
                        skipped.append(article.id)
                if links:
                    with conn.cursor().copy(
                        "COPY related_links (article_id, position, title, snippet, url) FROM STDIN"
                    ) as copy:
                        for link_row in links:
                            copy.write_row(link_row)
        except StorageError as error:
            raise BatchError(
                f"{error}; batch {number} was rolled back, {len(done.inserted)} articles "
                "of earlier batches stay committed",
                AddResult(list(done.inserted), list(done.skipped)),
                number,
            ) from error
        return inserted, skipped

    @staticmethod
    def _copy_articles(conn: psycopg.Connection[Any], rows: list[tuple[Any, ...]]) -> set[str]:
        """Stage rows with COPY and insert those whose id is new; returns the inserted ids."""
        conn.execute(_INCOMING)
        with conn.cursor().copy(f"COPY storyline_incoming (n, {_COLS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor = conn.execute(
            f"INSERT INTO articles ({_COLS}) SELECT {_COLS} FROM storyline_incoming "  # noqa: S608 - fixed column list
            "ORDER BY n ON CONFLICT (id) DO NOTHING RETURNING id"
        )
        inserted = {row[0] for row in cursor.fetchall()}
        conn.execute("TRUNCATE storyline_incoming")
        return inserted

    # -- maintenance ----------------------------------------------------------------------

    def integrity_check(self) -> list[str]:
        """Check what PostgreSQL does not enforce itself: the search index against the text,
        and rows that refer to missing articles through columns without foreign keys."""
        problems: list[str] = []
        with self._read("checking the database") as conn:
            stale = conn.execute(
                "SELECT count(*) FROM articles WHERE search IS DISTINCT FROM "
                "(setweight(to_tsvector(storyline_ts_config(language), left(title, 10000)), 'A')"
                " || setweight(to_tsvector(storyline_ts_config(language), left(text, 500000)),"
                " 'B'))"
            ).fetchone()[0]
            if stale:
                problems.append(f"search index: {stale} articles are indexed with old text")
            orphans = conn.execute(
                "SELECT count(*) FROM article_events e WHERE NOT EXISTS "
                "(SELECT 1 FROM articles a WHERE a.id = e.article_id)"
            ).fetchone()[0]
            if orphans:
                problems.append(f"events: {orphans} assignments refer to missing articles")
        return problems

    def stats(self) -> dict[str, int]:
        """Counts of what the store holds, plus the database's size on the server."""
        self._require_schema()
        with self._read("counting") as conn:
            row = conn.execute(
                "SELECT (SELECT count(*) FROM articles), "
                "(SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL), "
                "(SELECT count(*) FROM related_links), (SELECT count(*) FROM sources), "
                "(SELECT coalesce(sum(documents), 0) FROM line_stat_sources), "
                "(SELECT count(*) FROM line_stat_lines), pg_database_size(current_database())"
            ).fetchone()
            version = _schema_version_on(conn)
        return {
            "schema_version": version,
            "articles": int(row[0]),
            "duplicates": int(row[1]),
            "related_links": int(row[2]),
            "sources": int(row[3]),
            "boilerplate_documents": int(row[4]),
            "boilerplate_lines": int(row[5]),
            "database_bytes": int(row[6]),
            "wal_bytes": 0,
        }

    def wait_until_reachable(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for the server to answer (after a restart); True if it did."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                self.count_articles()
                return True
            except StorageError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.2)

    def close(self) -> None:
        """Close every connection of the pool; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._pool.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PostgresStore({self.url!r})"


def _schema_version_on(conn: sqlite3.Connection) -> int:
    """The highest applied migration, 0 when the bookkeeping table does not exist yet."""
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0])
