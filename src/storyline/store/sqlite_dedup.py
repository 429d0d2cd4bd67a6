"""The SQLite side of duplicate detection, as a mixin of
:class:`~storyline.store.sqlite.SQLiteStore` (kept apart to keep ``sqlite.py`` short).

The MinHash LSH index lives in two tables of migration 0002 (``dedup_fingerprints``, one row
per article; ``dedup_bands``, one row per LSH bucket and article), so it survives restarts
and grows one article at a time. :meth:`SQLiteDedupMixin.add_deduped` writes a batch of
new articles, their fingerprint rows, band rows, matches, re-named originals and revisions
in **one transaction**: after a crash (even ``kill -9``) the index and the articles agree,
because either all of a batch is committed or none of it is.

A duplicate check is one indexed lookup per band bucket (``bucket IN (...)`` on the
``WITHOUT ROWID`` primary key) plus a primary-key read per candidate, all from one snapshot.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storyline.dedup.compare import Match
from storyline.dedup.fingerprints import (
    DEFAULT_PARAMS,
    Fingerprint,
    LSHParams,
    band_keys,
    fingerprint_from_article,
)
from storyline.dedup.index import DedupChanges, Revision
from storyline.dedup.scope import Scope, ScopeMode
from storyline.errors import StorageError
from storyline.model import Article, utcnow
from storyline.store.base import AddResult, BatchError
from storyline.store.sqlite_rows import (
    INSERT_ARTICLE,
    INSERT_LINK,
    article_params,
    time_text,
    time_value,
    to_json,
)

__all__ = ["SQLiteDedupMixin", "Version"]

_UPSERT_FP = (
    "INSERT INTO dedup_fingerprints (article_id, source_id, url_key, canonical_key, text_hash, "
    "tokens, shingles, signature, facts, fact_sketch, title_key, published, seen, group_id, "
    "wire, wire_source) VALUES "
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (article_id) DO UPDATE SET "
    "source_id = excluded.source_id, url_key = excluded.url_key, "
    "canonical_key = excluded.canonical_key, text_hash = excluded.text_hash, "
    "tokens = excluded.tokens, shingles = excluded.shingles, signature = excluded.signature, "
    "facts = excluded.facts, fact_sketch = excluded.fact_sketch, "
    "title_key = excluded.title_key, published = excluded.published, "
    "group_id = excluded.group_id, wire = excluded.wire, wire_source = excluded.wire_source "
    "RETURNING fp"
)
_EXACT_LIMIT = 64


class Version:
    """One stored version of an article (``storyline dedup versions``)."""

    __slots__ = ("article_id", "seen", "text", "title", "url", "version")

    def __init__(
        self, article_id: str, version: int, title: str, text: str, url: str | None, seen: str
    ) -> None:
        self.article_id = article_id
        self.version = version
        self.title = title
        self.text = text
        self.url = url
        self.seen = seen


def _fp_from_row(row: sqlite3.Row) -> Fingerprint:
    return Fingerprint(
        article_id=row["article_id"],
        title_key=row["title_key"],
        tokens=int(row["tokens"]),
        shingles=int(row["shingles"]),
        signature=row["signature"],
        facts=int(row["facts"]),
        fact_sketch=row["fact_sketch"] or b"",
        text_hash=row["text_hash"],
        url_key=row["url_key"],
        canonical_key=row["canonical_key"],
        source_id=row["source_id"],
        published=time_value(row["published"]),
        seen=time_value(row["seen"]),
        group_id=row["group_id"] if row["group_id"] != row["article_id"] else "",
        wire=row["wire"],
        wire_source=bool(row["wire_source"]),
    )


def _fp_params(fp: Fingerprint, seen: str) -> tuple[Any, ...]:
    return (
        fp.article_id,
        fp.source_id,
        fp.url_key,
        fp.canonical_key,
        fp.text_hash,
        fp.tokens,
        fp.shingles,
        fp.signature,
        fp.facts,
        fp.fact_sketch,
        fp.title_key,
        time_text(fp.published),
        time_text(fp.seen) or seen,
        fp.group,
        fp.wire,
        int(fp.wire_source),
    )


class SQLiteDedupMixin:
    """:class:`~storyline.dedup.index.FingerprintIndex` and dedup writes on the store."""

    if TYPE_CHECKING:
        path: Path

        def _read(self, action: str) -> AbstractContextManager[sqlite3.Connection]: ...

        def _write(self, action: str) -> AbstractContextManager[sqlite3.Connection]: ...

        def _require_schema(self) -> None: ...

        def get_article(self, article_id: str) -> Article | None: ...

    dedup_params: LSHParams = DEFAULT_PARAMS

    # -- reading ------------------------------------------------------------------------

    def dedup_candidates(
        self, fp: Fingerprint, params: LSHParams, *, limit: int
    ) -> list[Fingerprint]:
        """Stored fingerprints that may be copies of ``fp`` (see ``FingerprintIndex``)."""
        self._require_schema()
        keys = [k for k in (fp.url_key, fp.canonical_key) if k]
        with self._read("looking up duplicate candidates") as conn:
            self._check_scheme(conn, params)
            rows = conn.execute(
                "SELECT * FROM dedup_fingerprints WHERE article_id = ?", (fp.article_id,)
            ).fetchall()
            if keys:
                rows += conn.execute(
                    "SELECT * FROM dedup_fingerprints WHERE url_key IN "
                    "(SELECT value FROM json_each(?1)) UNION SELECT * FROM dedup_fingerprints "
                    "WHERE canonical_key IN (SELECT value FROM json_each(?1)) LIMIT ?2",
                    (to_json(keys), _EXACT_LIMIT),
                ).fetchall()
            if fp.text_hash:
                rows += conn.execute(
                    "SELECT * FROM dedup_fingerprints WHERE text_hash = ? ORDER BY fp LIMIT ?",
                    (fp.text_hash, _EXACT_LIMIT),
                ).fetchall()
            if fp.signature is not None:
                rows += conn.execute(
                    "SELECT f.* FROM (SELECT fp, count(*) AS hits FROM dedup_bands WHERE bucket "
                    "IN (SELECT value FROM json_each(?)) GROUP BY fp ORDER BY hits DESC, fp "
                    "LIMIT ?) AS b JOIN dedup_fingerprints AS f ON f.fp = b.fp "
                    "ORDER BY b.hits DESC, b.fp",
                    (to_json(band_keys(fp.signature, params)), limit),
                ).fetchall()
        found: dict[str, Fingerprint] = {}
        for row in rows:
            if row["article_id"] not in found:
                found[row["article_id"]] = _fp_from_row(row)
        return list(found.values())

    def dedup_group(self, group_id: str) -> list[Fingerprint]:
        """The members of a duplicate group, in the order they were seen."""
        self._require_schema()
        with self._read("reading a duplicate group") as conn:
            rows = conn.execute(
                "SELECT * FROM dedup_fingerprints WHERE group_id = ? ORDER BY fp", (group_id,)
            ).fetchall()
        return [_fp_from_row(row) for row in rows]

    def dedup_fingerprint(self, article_id: str) -> Fingerprint | None:
        """One article's stored fingerprint, or ``None``."""
        self._require_schema()
        with self._read("reading a fingerprint") as conn:
            row = conn.execute(
                "SELECT * FROM dedup_fingerprints WHERE article_id = ?", (article_id,)
            ).fetchone()
        return None if row is None else _fp_from_row(row)

    def dedup_matches(self, article_id: str) -> list[tuple[str, float, str]]:
        """Stored matches of an article either way round: (other id, score, signal)."""
        self._require_schema()
        with self._read("reading matches") as conn:
            rows = conn.execute(
                "SELECT other_id, score, signal FROM dedup_matches WHERE article_id = ?1 "
                "UNION SELECT article_id, score, signal FROM dedup_matches WHERE other_id = ?1 "
                "ORDER BY 2 DESC, 1",
                (article_id,),
            ).fetchall()
        return [(row[0], float(row[1]), row[2]) for row in rows]

    def dedup_group_heads(self, *, limit: int = 20) -> list[tuple[str, int]]:
        """Groups with copies, largest first: (group id, members)."""
        self._require_schema()
        with self._read("listing duplicate groups") as conn:
            rows = conn.execute(
                "SELECT group_id, count(*) FROM dedup_fingerprints GROUP BY group_id "
                "HAVING count(*) > 1 ORDER BY 2 DESC, min(fp) LIMIT ?",
                (limit,),
            ).fetchall()
        return [(row[0], int(row[1])) for row in rows]

    def dedup_scope(self, user: str = "") -> Scope:
        """A user's dedup scope ('' is the local user), with every source's category."""
        self._require_schema()
        with self._read("reading the dedup scope") as conn:
            rows = conn.execute(
                "SELECT source_id, mode FROM dedup_scope WHERE user_id = ?", (user,)
            ).fetchall()
            categories = {
                row[0]: row[1] for row in conn.execute("SELECT id, category FROM sources")
            }
        default = ScopeMode.GLOBAL
        sources: dict[str, ScopeMode] = {}
        for source_id, mode in rows:
            if source_id == "":
                default = ScopeMode(mode)
            else:
                sources[source_id] = ScopeMode(mode)
        return Scope(default, sources, categories)

    def set_dedup_scope(
        self, mode: ScopeMode | None, *, source_id: str = "", user: str = ""
    ) -> None:
        """Set the default mode (``source_id`` '') or one source's; ``None`` removes it."""
        self._require_schema()
        with self._write("saving the dedup scope") as conn:
            if mode is None:
                conn.execute(
                    "DELETE FROM dedup_scope WHERE user_id = ? AND source_id = ?",
                    (user, source_id),
                )
            else:
                conn.execute(
                    "INSERT INTO dedup_scope (user_id, source_id, mode) VALUES (?, ?, ?) "
                    "ON CONFLICT (user_id, source_id) DO UPDATE SET mode = excluded.mode",
                    (user, source_id, ScopeMode(mode).value),
                )

    def article_versions(self, article_id: str) -> list[Version]:
        """The stored versions of an article, oldest first (empty if never revised)."""
        self._require_schema()
        with self._read("reading article versions") as conn:
            rows = conn.execute(
                "SELECT article_id, version, title, text, url, seen FROM article_versions "
                "WHERE article_id = ? ORDER BY version",
                (article_id,),
            ).fetchall()
        return [Version(*row) for row in rows]

    def dedup_stats(self) -> dict[str, int]:
        """Counts: fingerprints, band rows, groups, duplicates, syndicated, revised."""
        self._require_schema()
        with self._read("counting dedup rows") as conn:
            row = conn.execute(
                "SELECT (SELECT count(*) FROM dedup_fingerprints), "
                "(SELECT count(*) FROM dedup_bands), "
                "(SELECT count(DISTINCT duplicate_of) FROM articles "
                "WHERE duplicate_of IS NOT NULL), "
                "(SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL), "
                "(SELECT count(*) FROM articles WHERE syndicated_from IS NOT NULL), "
                "(SELECT count(DISTINCT article_id) FROM article_versions), "
                "(SELECT count(*) FROM articles AS a WHERE NOT EXISTS "
                "(SELECT 1 FROM dedup_fingerprints AS f WHERE f.article_id = a.id))"
            ).fetchone()
        names = (
            "fingerprints",
            "band_rows",
            "groups",
            "duplicates",
            "syndicated",
            "revised",
            "unindexed",
        )
        return {name: int(value) for name, value in zip(names, row, strict=True)}

    def iter_fingerprints(self, *, batch: int = 5000) -> Iterator[Fingerprint]:
        """Every stored fingerprint in the order seen, page by page."""
        self._require_schema()
        last = 0
        while True:
            with self._read("reading fingerprints") as conn:
                rows = conn.execute(
                    "SELECT * FROM dedup_fingerprints WHERE fp > ? ORDER BY fp LIMIT ?",
                    (last, batch),
                ).fetchall()
            yield from (_fp_from_row(row) for row in rows)
            if len(rows) < batch:
                return
            last = rows[-1]["fp"]

    def _check_scheme(self, conn: sqlite3.Connection, params: LSHParams) -> None:
        row = conn.execute("SELECT value FROM dedup_meta WHERE key = 'scheme'").fetchone()
        if row is not None and row[0] != params.name:
            raise StorageError(
                f"{self.path}: the duplicate index was built with {row[0]}, this Storyline "
                f"uses {params.name}; run `storyline dedup index --rebuild`"
            )

    # -- writing ------------------------------------------------------------------------

    def _index(
        self, conn: sqlite3.Connection, fp: Fingerprint, seen: str, params: LSHParams
    ) -> None:
        """Insert or replace one fingerprint row and its band rows."""
        old = conn.execute(
            "SELECT fp FROM dedup_fingerprints WHERE article_id = ?", (fp.article_id,)
        ).fetchone()
        if old is not None:
            conn.execute("DELETE FROM dedup_bands WHERE fp = ?", (old[0],))
        number = conn.execute(_UPSERT_FP, _fp_params(fp, seen)).fetchone()[0]
        if fp.signature is not None:
            conn.executemany(
                "INSERT OR IGNORE INTO dedup_bands (bucket, fp) VALUES (?, ?)",
                [(key, number) for key in band_keys(fp.signature, params)],
            )

    def add_deduped(
        self,
        articles: Sequence[Article],
        changes: DedupChanges,
        *,
        params: LSHParams = DEFAULT_PARAMS,
        update_existing: bool = False,
    ) -> AddResult:
        """Store staged articles with their fingerprints and ``changes``, in one transaction.

        New ids are inserted (with related links); ids already stored are skipped, unless
        ``update_existing`` (an index rebuild), which re-writes their ``duplicate_of``,
        ``syndicated_from`` and ``fingerprints``. A failure rolls the whole batch back and
        raises :class:`~storyline.store.base.BatchError`.
        """
        self._require_schema()
        stored_at = time_text(utcnow()) or ""
        try:
            rows = [(a, article_params(a, stored_at)) for a in articles]
            prints = [(a, fingerprint_from_article(a, params)) for a in articles]
        except (AttributeError, TypeError, ValueError) as error:
            raise BatchError(
                f"{self.path}: adding deduplicated articles: an article cannot be stored "
                f"({error}); nothing of the batch was written",
                AddResult(),
                0,
            ) from error
        result = AddResult()
        try:
            with self._write(f"adding {len(rows)} deduplicated articles") as conn:
                self._claim_scheme(conn, params)
                for (article, row), (_, fp) in zip(rows, prints, strict=True):
                    if conn.execute(INSERT_ARTICLE, row).rowcount == 0:
                        result.skipped.append(article.id)
                        if not update_existing:
                            continue
                        conn.execute(
                            "UPDATE articles SET duplicate_of = ?, syndicated_from = ?, "
                            "fingerprints = ? WHERE id = ?",
                            (
                                article.duplicate_of,
                                article.syndicated_from,
                                row["fingerprints"],
                                article.id,
                            ),
                        )
                    else:
                        result.inserted.append(article.id)
                        conn.executemany(
                            INSERT_LINK,
                            [
                                (article.id, n, link.title, link.snippet, link.url)
                                for n, link in enumerate(article.related)
                            ],
                        )
                    if fp is not None:
                        self._index(conn, fp, stored_at, params)
                self._apply(conn, changes, stored_at, params)
        except StorageError as error:
            if isinstance(error, BatchError):
                raise
            raise BatchError(
                f"{error}; the batch was rolled back (articles and duplicate index alike)",
                AddResult(),
                0,
            ) from error
        return result

    def apply_dedup(self, changes: DedupChanges) -> None:
        """Write matches, re-named originals and revisions in one transaction."""
        if not changes:
            return
        self._require_schema()
        stored_at = time_text(utcnow()) or ""
        with self._write("recording duplicates") as conn:
            self._apply(conn, changes, stored_at, self.dedup_params)

    def _claim_scheme(self, conn: sqlite3.Connection, params: LSHParams) -> None:
        self._check_scheme(conn, params)
        conn.execute(
            "INSERT INTO dedup_meta (key, value) VALUES ('scheme', ?) ON CONFLICT DO NOTHING",
            (params.name,),
        )

    def _apply(
        self, conn: sqlite3.Connection, changes: DedupChanges, stored_at: str, params: LSHParams
    ) -> None:
        conn.executemany(
            "INSERT INTO dedup_matches (article_id, other_id, score, signal) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (article_id, other_id) DO UPDATE SET score = excluded.score, "
            "signal = excluded.signal",
            [_match_row(m) for m in changes.matches],
        )
        conn.executemany(
            "UPDATE articles SET syndicated_from = ? WHERE id = ?",
            [(value, article_id) for article_id, value in changes.syndicated_from.items()],
        )
        for revision in changes.revisions:
            self._revise(conn, revision, stored_at, params)

    def _revise(
        self, conn: sqlite3.Connection, revision: Revision, stored_at: str, params: LSHParams
    ) -> None:
        """Keep the stored text as a version, then make the article the new version."""
        row = conn.execute(
            "SELECT title, text, url, coalesce(fetched, stored_at) FROM articles WHERE id = ?",
            (revision.article_id,),
        ).fetchone()
        if row is None:
            return
        count = conn.execute(
            "SELECT count(*) FROM article_versions WHERE article_id = ?", (revision.article_id,)
        ).fetchone()[0]
        insert = (
            "INSERT INTO article_versions (article_id, version, title, text, url, seen) "
            "VALUES (?, ?, ?, ?, ?, ?)"
        )
        if count == 0:
            conn.execute(insert, (revision.article_id, 1, row[0], row[1], row[2], row[3]))
            count = 1
        new = revision.article
        conn.execute(
            insert,
            (
                revision.article_id,
                count + 1,
                new.title,
                new.text,
                new.url,
                time_text(new.fetched) or stored_at,
            ),
        )
        conn.execute(
            "UPDATE articles SET title = ?, text = ?, lead = ?, fingerprints = ? WHERE id = ?",
            (new.title, new.text, new.lead, to_json(dict(new.fingerprints)), revision.article_id),
        )
        self._index(conn, revision.fingerprint, stored_at, params)

    def reset_dedup(self) -> None:
        """Forget the duplicate index, matches and marks (before ``dedup index --rebuild``);
        article versions are kept."""
        self._require_schema()
        with self._write("clearing the duplicate index") as conn:
            for table in ("dedup_bands", "dedup_fingerprints", "dedup_matches", "dedup_meta"):
                conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            conn.execute(
                "UPDATE articles SET duplicate_of = NULL, syndicated_from = NULL "
                "WHERE duplicate_of IS NOT NULL OR syndicated_from IS NOT NULL"
            )


def _match_row(match: Match) -> tuple[str, str, float, str]:
    return (match.article_id, match.other_id, match.score, match.signal)
