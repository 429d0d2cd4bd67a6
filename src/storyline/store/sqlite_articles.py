"""What both stores do the same way: the schema's life cycle, articles, sources and
boilerplate line statistics, as mixins of :class:`~storyline.store.sqlite.SQLiteStore` and
:class:`~storyline.store.postgres.PostgresStore`.

The queries are written once, in the SQL both databases accept; the PostgreSQL store runs
them through its dialect adapter (:mod:`storyline.store.pg_dialect`), as it runs the other
``sqlite_*`` mixins. A back end supplies its connections (``_read``, ``_write``), how one
batch of articles is written (``_add_batch``) and a few schema hooks (see
:class:`SQLiteSchemaMixin`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from storyline.errors import StorageError
from storyline.model import Article, RelatedLink, Source, utcnow
from storyline.store.base import AddResult, BatchError, SearchHit
from storyline.store.migrate import (
    MIGRATIONS_TABLE_SQL,
    Migration,
    check_not_newer,
    pending_migrations,
)
from storyline.store.sqlite_rows import (
    PAGE,
    SELECT_LINKS,
    UPSERT_SOURCE,
    article_from_row,
    article_params,
    source_from_row,
    source_params,
    time_text,
    to_json,
)

__all__ = ["SQLiteArticlesMixin", "SQLiteSchemaMixin"]


class SQLiteSchemaMixin:
    """Schema version, migrations and the "never migrated" check.

    A back end names itself (``_ENGINE``, and ``_HOME``: what a user should give Storyline
    of its own), lists other programs' tables (``_FOREIGN_TABLES_SQL``), reads the applied
    version (``_version_on``), runs one DDL statement (``_apply_statement``) and turns its
    driver's errors into :class:`StorageError` (``_translating``).
    """

    _ENGINE: ClassVar[str]
    _HOME: ClassVar[str]
    _FOREIGN_TABLES_SQL: ClassVar[str]

    if TYPE_CHECKING:
        path: Path
        _migrations: list[Migration]
        _latest: int
        _ready: bool

        def _read(self, action: str) -> AbstractContextManager[sqlite3.Connection]: ...

        def _write(self, action: str) -> AbstractContextManager[sqlite3.Connection]: ...

        def _version_on(self, conn: sqlite3.Connection) -> int: ...

        def _apply_statement(self, conn: sqlite3.Connection, statement: str) -> None: ...

        def _translating(self, action: str) -> AbstractContextManager[None]: ...

    def schema_version(self) -> int:
        """The schema version the database is at (0 for an empty database)."""
        with self._read("reading the schema version") as conn:
            return self._version_on(conn)

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

    def migrate(self) -> int:
        """Apply pending migrations, each in its own transaction; returns the schema version.

        Safe to call repeatedly and from several processes at once: the version is read again
        inside each write transaction (under the write lock), so a migration is never applied
        twice. Refuses a database that already holds tables of some other program.
        """
        while True:
            with self._write("migrating the database") as conn:
                conn.execute(MIGRATIONS_TABLE_SQL)
                current = self._version_on(conn)
                check_not_newer(current, self._migrations, str(self.path))
                pending = pending_migrations(self._migrations, current)
                if not pending:
                    break
                if current == 0:
                    self._refuse_foreign(conn)
                migration = pending[0]
                with self._translating(
                    f"applying migration {migration.version:04d}_{migration.name}"
                ):
                    for statement in migration.statements():
                        self._apply_statement(conn, statement)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, time_text(utcnow())),
                )
        self._ready = current == self._latest
        return current

    def _refuse_foreign(self, conn: sqlite3.Connection) -> None:
        names = [row[0] for row in conn.execute(self._FOREIGN_TABLES_SQL)]
        if names:
            raise StorageError(
                f"{self.path}: this {self._ENGINE} database already holds tables that are not "
                f"Storyline's ({', '.join(names[:5])}); give Storyline a {self._HOME} of its own"
            )


class SQLiteArticlesMixin:
    """Articles, sources and boilerplate line statistics, read and written the same way by
    both back ends."""

    if TYPE_CHECKING:
        path: Path

        def _read(self, action: str) -> AbstractContextManager[sqlite3.Connection]: ...

        def _write(self, action: str) -> AbstractContextManager[sqlite3.Connection]: ...

        def _require_schema(self) -> None: ...

        def _check_open(self) -> None: ...

        def _add_batch(
            self, batch: list[Article], number: int, done: AddResult
        ) -> tuple[list[str], list[str]]: ...

    # -- articles -------------------------------------------------------------------------

    def _batch_params(
        self, batch: list[Article], number: int, done: AddResult
    ) -> list[dict[str, Any]]:
        """Each article's column values, checked before the batch's transaction begins: an
        article that cannot be stored fails the batch as :class:`BatchError` naming it."""
        stored_at = time_text(utcnow()) or ""
        out = []
        for article in batch:
            try:
                out.append(article_params(article, stored_at))
            except (AttributeError, TypeError, ValueError) as error:
                name = getattr(article, "id", repr(article)[:60])
                raise BatchError(
                    f"{self.path}: adding articles (batch {number}): article {name} cannot be "
                    f"stored ({error}); the batch was not written, {len(done.inserted)} "
                    "articles of earlier batches were",
                    AddResult(list(done.inserted), list(done.skipped)),
                    number,
                ) from error
        return out

    def add_articles(self, articles: Iterable[Article], *, batch_size: int = 500) -> AddResult:
        """Insert new articles, ``batch_size`` per transaction; already stored ids are skipped.

        A failed batch is rolled back whole and raised as :class:`BatchError`, whose
        ``committed`` holds what the earlier (committed) batches did. How one batch is
        written is the back end's ``_add_batch`` (row by row on SQLite, ``COPY`` on PostgreSQL).
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
        a slow consumer never pins an old snapshot (which would stop SQLite's WAL from being
        checkpointed). Articles committed while iterating may appear at the end.
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
