"""The SQLite side of :class:`~storyline.store.vectors.VectorStore`, as a mixin of
:class:`~storyline.store.sqlite.SQLiteStore` (kept apart to keep ``sqlite.py`` short).

Vectors live in ``article_vectors`` (migration 0003) as float32 blobs, one row per
``(model, article)``; reading a model's vectors streams them in chunks ordered by the
primary key, so building an index over a million vectors never holds more than one chunk of
rows beside the growing matrix. Document frequencies come from ``articles_fts_vocab``, an
``fts5vocab`` view of the full-text index that costs no storage.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from storyline.model import Article, RelatedLink, utcnow
from storyline.store.sqlite_rows import article_from_row, time_text, to_json
from storyline.store.vectors import FloatMatrix, FloatVector

__all__ = ["SQLiteVectorsMixin"]

_MAX_IDS = 500


class SQLiteVectorsMixin:
    """Vector cache, batch reads and term statistics on the store's connections."""

    if TYPE_CHECKING:
        path: Path

        def _read(self, action: str) -> AbstractContextManager[sqlite3.Connection]: ...

        def _write(self, action: str) -> AbstractContextManager[sqlite3.Connection]: ...

        def _require_schema(self) -> None: ...

        def _related(
            self, conn: sqlite3.Connection, ids: list[str]
        ) -> dict[str, list[RelatedLink]]: ...

    def put_vectors(self, model: str, items: Sequence[tuple[str, FloatVector]]) -> int:
        """Store (or replace) vectors of stored articles in one transaction; returns how many.

        Vectors are checked first (one dimension, finite values), so a bad batch changes
        nothing; ids that are not stored articles are skipped.
        """
        if not items:
            return 0
        rows = []
        dim = None
        for article_id, vector in items:
            array = np.ascontiguousarray(vector, dtype="<f4").reshape(-1)
            if dim is None:
                dim = array.size
            if array.size != dim or dim == 0 or not np.isfinite(array).all():
                raise ValueError(
                    f"vector of {article_id!r} for {model!r} has {array.size} values (expected "
                    f"{dim}) or non-finite ones; nothing was stored"
                )
            rows.append((model, article_id, dim, array.tobytes()))
        self._require_schema()
        created = time_text(utcnow())
        with self._write(f"storing {len(rows)} vectors") as conn:
            before = conn.total_changes
            conn.executemany(
                "INSERT INTO article_vectors (model, article_id, dim, vector, created_at) "
                "SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM articles WHERE id = ?2) "
                "ON CONFLICT (model, article_id) DO UPDATE SET dim = excluded.dim, "
                "vector = excluded.vector, created_at = excluded.created_at",
                [(*row, created) for row in rows],
            )
            return conn.total_changes - before

    def get_vectors(self, model: str, article_ids: Sequence[str]) -> dict[str, FloatVector]:
        """The cached vectors of these articles (missing ones are left out)."""
        found: dict[str, FloatVector] = {}
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return found
        self._require_schema()
        with self._read("reading vectors") as conn:
            for start in range(0, len(ids), _MAX_IDS):
                chunk = to_json(ids[start : start + _MAX_IDS])
                for row in conn.execute(
                    "SELECT article_id, vector FROM article_vectors WHERE model = ? AND "
                    "article_id IN (SELECT value FROM json_each(?))",
                    (model, chunk),
                ):
                    found[row[0]] = np.frombuffer(row[1], dtype="<f4").astype(np.float32)
        return found

    def iter_vectors(
        self, model: str, *, batch: int = 20_000
    ) -> Iterator[tuple[list[str], FloatMatrix]]:
        """Every vector of ``model`` as (ids, matrix) chunks, each read in a short transaction."""
        self._require_schema()
        last = ""
        while True:
            with self._read("reading vectors") as conn:
                rows = conn.execute(
                    "SELECT article_id, dim, vector FROM article_vectors WHERE model = ? AND "
                    "article_id > ? ORDER BY article_id LIMIT ?",
                    (model, last, batch),
                ).fetchall()
            if not rows:
                return
            dim = int(rows[0][1])
            matrix = np.frombuffer(b"".join(r[2] for r in rows if r[1] == dim), dtype="<f4")
            ids = [r[0] for r in rows if r[1] == dim]
            yield ids, matrix.reshape(len(ids), dim).astype(np.float32)
            if len(rows) < batch:
                return
            last = rows[-1][0]

    def iter_vector_ids(self, model: str, *, batch: int = 100_000) -> Iterator[list[str]]:
        """The ids of every vector of ``model`` in chunks, without reading the vectors."""
        self._require_schema()
        last = ""
        while True:
            with self._read("reading vector ids") as conn:
                ids = [
                    row[0]
                    for row in conn.execute(
                        "SELECT article_id FROM article_vectors WHERE model = ? AND "
                        "article_id > ? ORDER BY article_id LIMIT ?",
                        (model, last, batch),
                    )
                ]
            if ids:
                yield ids
            if len(ids) < batch:
                return
            last = ids[-1]

    def count_vectors(self, model: str) -> int:
        """How many articles have a vector of ``model``."""
        self._require_schema()
        with self._read("counting vectors") as conn:
            row = conn.execute("SELECT count(*) FROM article_vectors WHERE model = ?", (model,))
            return int(row.fetchone()[0])

    def ids_without_vectors(self, model: str, *, limit: int = 1000) -> list[str]:
        """Up to ``limit`` stored article ids without a vector of ``model``, oldest first."""
        self._require_schema()
        with self._read("finding articles without vectors") as conn:
            rows = conn.execute(
                "SELECT a.id FROM articles AS a WHERE NOT EXISTS (SELECT 1 FROM article_vectors "
                "AS v WHERE v.model = ? AND v.article_id = a.id) ORDER BY a.seq LIMIT ?",
                (model, limit),
            ).fetchall()
        return [row[0] for row in rows]

    def get_articles(self, article_ids: Sequence[str]) -> dict[str, Article]:
        """Several articles by id, from one snapshot (missing ids are left out)."""
        ids = list(dict.fromkeys(article_ids))
        found: dict[str, Article] = {}
        if not ids:
            return found
        self._require_schema()
        with self._read("reading articles") as conn:
            for start in range(0, len(ids), _MAX_IDS):
                chunk = ids[start : start + _MAX_IDS]
                rows = conn.execute(
                    "SELECT * FROM articles WHERE id IN (SELECT value FROM json_each(?))",
                    (to_json(chunk),),
                ).fetchall()
                links = self._related(conn, [row["id"] for row in rows]) if rows else {}
                for row in rows:
                    found[row["id"]] = article_from_row(row, links.get(row["id"], []))
        return found

    def term_document_counts(self, terms: Iterable[str]) -> dict[str, int]:
        """Document frequencies from the full-text index (unseen terms are left out)."""
        wanted = list(dict.fromkeys(terms))
        counts: dict[str, int] = {}
        if not wanted:
            return counts
        self._require_schema()
        with self._read("reading term statistics") as conn:
            for term in wanted:
                row = conn.execute(
                    "SELECT doc FROM articles_fts_vocab WHERE term = ?", (term,)
                ).fetchone()
                if row is not None:
                    counts[term] = int(row[0])
        return counts
