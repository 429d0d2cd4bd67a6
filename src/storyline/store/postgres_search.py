"""Full-text search on PostgreSQL, as a mixin of :class:`~storyline.store.postgres.PostgresStore`.

Articles carry a stored ``tsvector`` (migration 0001) built with their language's text search
configuration; a query is parsed by :func:`storyline.store.query.parse_query` (the same
language as on SQLite) and rendered as a ``tsquery`` whose every term is matched in every
configuration (``storyline_term``), since the reader's language is unknown. Titles weigh five
times the text (``ts_rank`` weights); snippets come from ``ts_headline`` for the hits shown
only. ``pg_trgm`` finds titles despite typos, and document frequencies for similar news are
estimated from a sample (see :meth:`PostgresSearchMixin.term_document_counts`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, cast

from storyline.store.base import SearchHit
from storyline.store.pg_dialect import PgConnection, Row
from storyline.store.query import ParsedQuery, parse_query

if TYPE_CHECKING:
    import sqlite3

__all__ = ["TERM_SAMPLE", "TERM_STATS_SECONDS", "PostgresSearchMixin"]

#: Articles sampled to estimate document frequencies (see ``term_document_counts``).
TERM_SAMPLE = 20_000
#: How long estimated document frequencies are reused, in seconds.
TERM_STATS_SECONDS = 600.0
#: Title matches count this many times a match in the text (ts_rank weights D, C, B, A).
_WEIGHTS = "{0, 0, 0.2, 1.0}"
#: Title matches count this many times a match in the text (ts_rank weights D, C, B, A).
_WEIGHTS = "{0, 0, 0.2, 1.0}"
#: Ranks every match, keeps the best ``%s``, then makes snippets for those only.
_SEARCH = (
    "SELECT a.id, a.title, ts_headline(storyline_ts_config(a.language), a.text, q.q, "  # noqa: S608
    "'StartSel=[, StopSel=], MaxWords=24, MinWords=8, ShortWord=2, MaxFragments=1, "
    "FragmentDelimiter=…'), hit.rank, coalesce(a.duplicate_of, a.id) AS story "
    f"FROM (SELECT seq, ts_rank('{_WEIGHTS}', search, q.q) AS rank FROM articles, q "
    "WHERE search @@ q.q ORDER BY rank DESC, seq LIMIT %s) AS hit "
    "JOIN articles AS a ON a.seq = hit.seq, q ORDER BY hit.rank DESC, hit.seq"
)


def _tsquery(parsed: ParsedQuery) -> tuple[str, list[str]]:
    """SQL for the tsquery of a parsed query, and its parameters (one per term).

    Each term becomes ``storyline_term(%s)`` (a phrase in every configuration, see migration
    0001); groups are ORed, groups ANDed, exclusions ANDed as NOT. Only fixed SQL pieces are
    joined here; the user's words are bound parameters.
    """
    params: list[str] = []

    def term(text: str) -> str:
        params.append(text)
        return "storyline_term(%s)"

    expression = ""
    for group in parsed.groups:
        rendered = term(group[0].text)
        for other in group[1:]:
            rendered = f"tsquery_or({rendered}, {term(other.text)})"
        expression = rendered if not expression else f"tsquery_and({expression}, {rendered})"
    for excluded in parsed.excluded:
        expression = f"tsquery_and({expression}, tsquery_not({term(excluded.text)}))"
    return expression, params


class PostgresSearchMixin:
    """``search``, ``search_titles`` and ``term_document_counts`` on the store's connections."""

    _terms: tuple[float, int, dict[str, int]] | None
    _terms_lock: threading.Lock

    if TYPE_CHECKING:

        def _read(self, action: str) -> AbstractContextManager[sqlite3.Connection]: ...

        def _require_schema(self) -> None: ...

        def count_articles(self) -> int: ...

        def _fold_hits(
            self, conn: sqlite3.Connection, rows: list[sqlite3.Row]
        ) -> list[SearchHit]: ...

    def search(self, query: str, *, limit: int = 20, copies: bool = False) -> list[SearchHit]:
        """Full-text search, best first; the same query language and folding as SQLite.

        Articles are indexed in their language's text search configuration; each query term
        is matched in every configuration (the query's language is unknown), so "elections"
        finds an English article's "election" and a Norwegian article's "valget" matches
        "valg". Title matches weigh five times text matches (``ts_rank`` weights).
        """
        parsed = parse_query(query)
        if parsed.empty or limit < 1:
            return []
        self._require_schema()
        expression, terms = _tsquery(parsed)
        fetch = limit if copies else min(limit * 5, limit + 500)
        sql = f"WITH q AS (SELECT {expression} AS q) {_SEARCH}"
        with self._read("searching") as conn:
            pg = cast(PgConnection, conn).conn
            rows = pg.execute(sql.encode(), [*terms, fetch]).fetchall()
            if copies:
                return [
                    SearchHit(article_id=row[0], title=row[1], snippet=row[2], score=float(row[3]))
                    for row in rows
                ]
            best: dict[str, Row] = {}
            for row in rows:
                best.setdefault(row["story"], row)
                if len(best) >= limit:
                    break
            hits = self._fold_hits(conn, list(best.values()))  # type: ignore[arg-type]
        # _fold_hits negates SQLite's bm25 (lower is better); ts_rank is higher-is-better.
        for hit in hits:
            hit.score = -hit.score
        return hits

    def search_titles(self, text: str, *, limit: int = 20) -> list[tuple[str, str, float]]:
        """Articles whose title resembles ``text`` (pg_trgm trigram similarity), best first:
        (id, title, similarity in [0, 1]). Finds titles despite typos, unlike full-text
        search."""
        if not text.strip() or limit < 1:
            return []
        self._require_schema()
        with self._read("searching titles") as conn:
            rows = conn.execute(
                "SELECT id, title, similarity(title, ?) AS s FROM articles "
                "WHERE title % ? ORDER BY s DESC, seq LIMIT ?",
                (text[:500], text[:500], limit),
            ).fetchall()
        return [(row[0], row[1], float(row[2])) for row in rows]

    def term_document_counts(self, terms: Iterable[str]) -> dict[str, int]:
        """Document frequencies of folded words (unseen terms are left out), for BM25's IDF.

        SQLite reads them from its index's vocabulary for free; PostgreSQL has no such view
        (``ts_stat`` scans every document), and a similar-news query asks about hundreds of
        words. So the frequencies are estimated once from a sample of at most
        :data:`TERM_SAMPLE` articles (``TABLESAMPLE``, all of them in smaller stores), scaled
        to the store's size, and kept for :data:`TERM_STATS_SECONDS` or until the store grew
        by a fifth. IDF needs the order of magnitude, not the exact count (Robertson 2004,
        "Understanding inverse document frequency"). Words are folded by the
        ``storyline_simple`` configuration (lower case, no accents), like SQLite's
        ``unicode61`` tokens and :func:`storyline.embed.lexical.terms`.
        """
        wanted = list(dict.fromkeys(terms))
        if not wanted:
            return {}
        table = self._term_table()
        return {t: table[t] for t in wanted if table.get(t)}

    def _term_table(self) -> dict[str, int]:
        with self._terms_lock:
            now = time.monotonic()
            cached = self._terms
            if cached is not None and now - cached[0] < TERM_STATS_SECONDS:
                count = self.count_articles()
                if count <= cached[1] * 1.2 + 10:
                    return cached[2]
            self._require_schema()
            with self._read("estimating term statistics") as conn:
                total = int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
                percent = 100.0 if total <= TERM_SAMPLE else 100.0 * TERM_SAMPLE / total
                sample = (
                    "SELECT to_tsvector('storyline_simple', left(title || ' ' || text, 500000)) "
                    "FROM articles"
                    # The same seed twice in one snapshot: the count and ts_stat see one sample.
                    + (
                        ""
                        if percent >= 100
                        else f" TABLESAMPLE SYSTEM ({percent:.6f}) REPEATABLE (7)"
                    )
                )
                rows = conn.execute(
                    "SELECT (SELECT count(*) FROM (" + sample + ") AS s), word, ndoc "  # noqa: S608 - no user input
                    "FROM ts_stat(?)",
                    (sample,),
                ).fetchall()
            sampled = int(rows[0][0]) if rows else 0
            scale = total / sampled if sampled else 1.0
            table = {row[1]: max(1, round(int(row[2]) * scale)) for row in rows}
            self._terms = (now, total, table)
            return table
