"""SQL text and row conversion for the SQLite store (kept apart to keep ``sqlite.py`` short).

All SQL here is fixed text with ``?``/``:name`` parameters; no value is ever formatted into
a statement. Datetimes are stored as ISO-8601 UTC text of one fixed shape, so comparing the
text compares the times; lists and dicts are stored as JSON text.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storyline.errors import ConfigError
from storyline.model import Article, Credit, RelatedLink, Source, SourceKind

__all__ = [
    "FTS_CHECK",
    "INSERT_ARTICLE",
    "INSERT_LINK",
    "PAGE",
    "SEARCH",
    "SELECT_LINKS",
    "TITLE_WEIGHT",
    "UPSERT_SOURCE",
    "article_from_row",
    "article_params",
    "schema_version_on",
    "source_from_row",
    "source_params",
    "sqlite_path",
    "time_text",
    "to_json",
]

#: Articles fetched per read transaction by ``SQLiteStore.iter_articles``.
PAGE = 200
#: Title matches count this many times a match in the text when ranking search hits.
TITLE_WEIGHT = 5.0

INSERT_ARTICLE = (
    "INSERT INTO articles (id, title, text, source_id, url, canonical_url, lead, published, "
    "published_how, fetched, author, site_name, language, origin, credits, boilerplate, "
    "fingerprints, duplicate_of, syndicated_from, entities, vector_id, stored_at) "
    "VALUES (:id, :title, :text, :source_id, :url, :canonical_url, :lead, :published, "
    ":published_how, :fetched, :author, :site_name, :language, :origin, :credits, "
    ":boilerplate, :fingerprints, :duplicate_of, :syndicated_from, :entities, :vector_id, "
    ":stored_at) ON CONFLICT (id) DO NOTHING"
)
INSERT_LINK = (
    "INSERT INTO related_links (article_id, position, title, snippet, url) VALUES (?, ?, ?, ?, ?)"
)
SELECT_LINKS = (
    "SELECT article_id, title, snippet, url FROM related_links "
    "WHERE article_id IN (SELECT value FROM json_each(?)) ORDER BY article_id, position"
)
SEARCH = (
    "SELECT a.id, a.title, snippet(articles_fts, 1, '[', ']', '…', 24), "
    "bm25(articles_fts, ?, 1.0) AS rank, coalesce(a.duplicate_of, a.id) AS story "
    "FROM articles_fts JOIN articles AS a ON a.seq = articles_fts.rowid "
    "WHERE articles_fts MATCH ? ORDER BY rank, a.seq LIMIT ?"
)
# rank = 1: also compare the index with its external content (the articles table).
FTS_CHECK = "INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)"
UPSERT_SOURCE = (
    "INSERT INTO sources (id, kind, url, title, language, category, etag, last_modified, "
    "paused, last_polled, last_error) VALUES (:id, :kind, :url, :title, :language, :category, "
    ":etag, :last_modified, :paused, :last_polled, :last_error) ON CONFLICT (id) DO UPDATE SET "
    "kind = excluded.kind, url = excluded.url, title = excluded.title, "
    "language = excluded.language, category = excluded.category, etag = excluded.etag, "
    "last_modified = excluded.last_modified, paused = excluded.paused, "
    "last_polled = excluded.last_polled, last_error = excluded.last_error"
)


def sqlite_path(url: str) -> Path:
    """The file a store URL names: ``sqlite:///rel.db``, ``sqlite:////abs.db`` or a bare path.

    In-memory databases are refused: each reader thread opens its own connection, and every
    connection to ``:memory:`` would see a different, empty database.
    """
    raw = url
    if url.startswith("sqlite:"):
        if not url.startswith("sqlite:///"):
            raise ConfigError(
                f"{url}: an SQLite URL looks like sqlite:///relative/path.db or "
                "sqlite:////absolute/path.db"
            )
        raw = url.removeprefix("sqlite:///")
        if "?" in raw:
            raise ConfigError(f"{url}: options in SQLite URLs are not supported; remove '?...'")
    if not raw.strip():
        raise ConfigError(f"{url!r}: no database file given; use sqlite:///PATH.db")
    if raw.strip() == ":memory:":
        raise ConfigError(
            f"{url!r}: in-memory SQLite databases are not supported; give a file path "
            "(a temporary folder works for throw-away data)"
        )
    return Path(raw).expanduser().absolute()


def time_text(value: datetime | None) -> str | None:
    """ISO-8601 UTC with microseconds, always the same shape, so text order is time order.

    A naive datetime is taken to be UTC (the model's convention).
    """
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def time_value(text: str | None) -> datetime | None:
    """The inverse of :func:`time_text`: an aware UTC datetime."""
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def article_params(article: Article, stored_at: str) -> dict[str, Any]:
    """The row for one article; raises TypeError/ValueError for values that cannot be stored."""
    return {
        "id": article.id,
        "title": article.title,
        "text": article.text,
        "source_id": article.source_id,
        "url": article.url,
        "canonical_url": article.canonical_url,
        "lead": article.lead,
        "published": time_text(article.published),
        "published_how": article.published_how,
        "fetched": time_text(article.fetched),
        "author": article.author,
        "site_name": article.site_name,
        "language": article.language,
        "origin": article.origin,
        "credits": to_json([{"text": c.text, "kind": c.kind} for c in article.credits]),
        "boilerplate": to_json(list(article.boilerplate)),
        "fingerprints": to_json(dict(article.fingerprints)),
        "duplicate_of": article.duplicate_of,
        "syndicated_from": article.syndicated_from,
        "entities": to_json(list(article.entities)),
        "vector_id": article.vector_id,
        "stored_at": stored_at,
    }


def article_from_row(row: sqlite3.Row, related: list[RelatedLink]) -> Article:
    return Article(
        id=row["id"],
        title=row["title"],
        text=row["text"],
        source_id=row["source_id"],
        url=row["url"],
        canonical_url=row["canonical_url"],
        lead=row["lead"],
        published=time_value(row["published"]),
        published_how=row["published_how"],
        fetched=time_value(row["fetched"]),
        author=row["author"],
        site_name=row["site_name"],
        language=row["language"],
        origin=row["origin"],
        credits=[Credit(**c) for c in json.loads(row["credits"])],
        related=related,
        boilerplate=json.loads(row["boilerplate"]),
        fingerprints=json.loads(row["fingerprints"]),
        duplicate_of=row["duplicate_of"],
        syndicated_from=row["syndicated_from"],
        entities=json.loads(row["entities"]),
        vector_id=row["vector_id"],
    )


def source_params(source: Source) -> dict[str, Any]:
    """The row for one source."""
    return {
        "id": source.id,
        "kind": SourceKind(source.kind).value,
        "url": source.url,
        "title": source.title,
        "language": source.language,
        "category": source.category,
        "etag": source.etag,
        "last_modified": source.last_modified,
        "paused": int(bool(source.paused)),
        "last_polled": time_text(source.last_polled),
        "last_error": source.last_error,
    }


def source_from_row(row: sqlite3.Row) -> Source:
    return Source(
        id=row["id"],
        kind=SourceKind(row["kind"]),
        url=row["url"],
        title=row["title"],
        language=row["language"],
        category=row["category"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        paused=bool(row["paused"]),
        last_polled=time_value(row["last_polled"]),
        last_error=row["last_error"],
    )


def schema_version_on(conn: sqlite3.Connection) -> int:
    """The highest applied migration, 0 when the bookkeeping table does not exist yet."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if exists is None:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0])
