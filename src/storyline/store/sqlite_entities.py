"""The SQLite side of entity data (migration 0004), as a mixin of
:class:`~storyline.store.sqlite.SQLiteStore`.

Writes: :meth:`put_enrichments` stores what the enrichment stage found for stored articles
(entities, quotes, dates, keyphrases), replacing an earlier enrichment of the same article.
Reads serve an entity's page: the entity and its names, its articles over time, a day-by-day
timeline, the entities named alongside it and its quotes, and the events and storylines its
articles were clustered into (migration 0005), joined through the articles.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from storyline.enrich.base import Enrichment, EntityRef
from storyline.enrich.canonical import name_key, strip_titles
from storyline.model import EntityKind, utcnow
from storyline.store.sqlite_rows import time_text

__all__ = [
    "EntityArticle",
    "EntityEvent",
    "EntityInfo",
    "EntityPage",
    "EntityQuote",
    "EntityStore",
    "SQLiteEntitiesMixin",
]


@dataclass(slots=True)
class EntityInfo:
    """A stored entity with how many articles name it and how often."""

    id: int
    name: str
    kind: EntityKind
    articles: int = 0
    mentions: int = 0
    aliases: list[str] = field(default_factory=list)


@dataclass(slots=True)
class EntityArticle:
    """An article naming an entity (for the entity's articles over time)."""

    article_id: str
    title: str
    published: datetime | None
    mentions: int


@dataclass(slots=True)
class EntityQuote:
    """Something an entity said, and in which article."""

    article_id: str
    text: str


@dataclass(slots=True)
class EntityEvent:
    """An event (or a storyline) whose articles name an entity, for the entity's page."""

    id: str
    title: str
    #: When it happened (an event's resolved date, else its first article), ISO day.
    day: str | None
    #: How many of its articles name the entity.
    naming: int
    #: The storyline the event belongs to (None for a storyline itself).
    storyline_id: str | None = None


@dataclass(slots=True)
class EntityPage:
    """Everything an entity page shows."""

    entity: EntityInfo
    articles: list[EntityArticle]
    timeline: list[tuple[str, int]]
    related: list[tuple[EntityInfo, int]]
    quotes: list[EntityQuote]
    #: Events and storylines naming the entity, in time order (empty before clustering).
    events: list[EntityEvent] = field(default_factory=list)
    storylines: list[EntityEvent] = field(default_factory=list)


_ENTITY_COLUMNS = (
    "e.id, e.name, e.kind, "
    "(SELECT count(*) FROM article_entities x WHERE x.entity_id = e.id) AS articles, "
    "(SELECT coalesce(sum(x.mentions), 0) FROM article_entities x WHERE x.entity_id = e.id) "
    "AS mentions"
)


def _info(row: sqlite3.Row) -> EntityInfo:
    return EntityInfo(
        int(row["id"]), row["name"], EntityKind(row["kind"]), row["articles"], row["mentions"]
    )


def _keys(ref: EntityRef) -> dict[str, str]:
    keys: dict[str, str] = {}
    for form in (ref.name, *ref.aliases):
        for variant in (form, strip_titles(form)):
            key = name_key(variant)
            if key:
                keys.setdefault(key, variant)
    return keys


class SQLiteEntitiesMixin:
    """Entity storage and the entity-page queries on the store's connections."""

    if TYPE_CHECKING:
        path: Path

        def _read(self, action: str) -> AbstractContextManager[sqlite3.Connection]: ...

        def _write(self, action: str) -> AbstractContextManager[sqlite3.Connection]: ...

        def _require_schema(self) -> None: ...

    def put_enrichments(self, items: Sequence[tuple[str, Enrichment]]) -> int:
        """Store enrichments of stored articles in one transaction; returns how many.

        An article enriched before has its old entities, quotes and dates replaced; ids that
        are not stored articles are skipped.
        """
        if not items:
            return 0
        self._require_schema()
        now = time_text(utcnow())
        done = 0
        with self._write(f"storing the enrichment of {len(items)} articles") as conn:
            for article_id, enrichment in items:
                if (
                    conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone()
                    is None
                ):
                    continue
                for table in ("article_entities", "quotes", "article_dates"):
                    conn.execute(f"DELETE FROM {table} WHERE article_id = ?", (article_id,))  # noqa: S608
                ids: dict[str, int] = {}
                for ref in enrichment.entities:
                    entity_id = self._entity_id(conn, ref)
                    ids[ref.name] = entity_id
                    conn.execute(
                        "INSERT INTO article_entities (article_id, entity_id, mentions, first) "
                        "VALUES (?, ?, ?, ?) ON CONFLICT (article_id, entity_id) DO UPDATE SET "
                        "mentions = article_entities.mentions + excluded.mentions",
                        (article_id, entity_id, max(1, ref.mentions), ref.first),
                    )
                conn.executemany(
                    "INSERT INTO quotes (article_id, position, text, speaker, entity_id) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [
                        (article_id, n, q.text, q.speaker, ids.get(q.speaker or ""))
                        for n, q in enumerate(enrichment.quotes)
                    ],
                )
                conn.executemany(
                    "INSERT INTO article_dates (article_id, position, text, value, relative) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [
                        (article_id, n, d.text, d.value, int(d.relative))
                        for n, d in enumerate(enrichment.dates)
                    ],
                )
                conn.execute(
                    "INSERT INTO article_enrichment (article_id, recogniser, keyphrases, "
                    "enriched_at) VALUES (?, ?, ?, ?) ON CONFLICT (article_id) DO UPDATE SET "
                    "recogniser = excluded.recogniser, keyphrases = excluded.keyphrases, "
                    "enriched_at = excluded.enriched_at",
                    (
                        article_id,
                        enrichment.recogniser,
                        json.dumps(enrichment.keyphrases, ensure_ascii=False),
                        now,
                    ),
                )
                conn.execute(
                    "UPDATE articles SET entities = ? WHERE id = ?",
                    (
                        json.dumps([e.name for e in enrichment.entities], ensure_ascii=False),
                        article_id,
                    ),
                )
                done += 1
        return done

    @staticmethod
    def _entity_id(conn: sqlite3.Connection, ref: EntityRef) -> int:
        key = name_key(ref.name)
        row = conn.execute(
            "INSERT INTO entities (kind, key, name) VALUES (?, ?, ?) "
            "ON CONFLICT (kind, key) DO UPDATE SET name = entities.name RETURNING id",
            (str(ref.kind), key, ref.name),
        ).fetchone()
        entity_id = int(row[0])
        conn.executemany(
            "INSERT INTO entity_aliases (key, entity_id, alias) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            [(alias_key, entity_id, form) for alias_key, form in _keys(ref).items()],
        )
        return entity_id

    def known_entities(self, *, limit: int = 100_000) -> list[tuple[str, EntityKind, list[str]]]:
        """Entities most named first, with their aliases: what seeds the enrichment registry."""
        self._require_schema()
        with self._read("reading known entities") as conn:
            rows = conn.execute(
                "SELECT e.id, e.name, e.kind, count(x.article_id) AS n FROM entities e "
                "LEFT JOIN article_entities x ON x.entity_id = e.id GROUP BY e.id "
                "ORDER BY n DESC, e.id LIMIT ?",
                (limit,),
            ).fetchall()
            aliases: dict[int, list[str]] = {}
            for alias in conn.execute("SELECT entity_id, alias FROM entity_aliases"):
                aliases.setdefault(int(alias[0]), []).append(alias[1])
        return [
            (row["name"], EntityKind(row["kind"]), aliases.get(int(row["id"]), [])) for row in rows
        ]

    def top_entities(self, *, limit: int = 60) -> list[EntityInfo]:
        """The most named entities, most articles first (their aliases are not read)."""
        self._require_schema()
        with self._read("listing entities") as conn:
            rows = conn.execute(
                f"SELECT {_ENTITY_COLUMNS} FROM entities e "  # noqa: S608 - fixed column list
                "ORDER BY articles DESC, e.id LIMIT ?",
                (limit,),
            ).fetchall()
        return [_info(row) for row in rows]

    def find_entities(
        self, name: str, *, kind: EntityKind | None = None, limit: int = 10
    ) -> list[EntityInfo]:
        """Entities going by this name (any alias, titles and case ignored), most named first."""
        self._require_schema()
        keys = {name_key(name), name_key(strip_titles(name))} - {""}
        if not keys:
            return []
        marks = ", ".join("?" for _ in keys)
        kinds = [str(kind)] if kind is not None else [str(k) for k in EntityKind]
        with self._read("finding entities") as conn:
            rows = conn.execute(
                f"SELECT {_ENTITY_COLUMNS} FROM entities e WHERE e.id IN "  # noqa: S608
                f"(SELECT entity_id FROM entity_aliases WHERE key IN ({marks})) "
                f"AND e.kind IN ({', '.join('?' for _ in kinds)}) "
                "ORDER BY articles DESC, e.id LIMIT ?",
                (*keys, *kinds, limit),
            ).fetchall()
            found = [_info(row) for row in rows]
            for info in found:
                info.aliases = self._aliases(conn, info.id)
        return found

    @staticmethod
    def _aliases(conn: sqlite3.Connection, entity_id: int) -> list[str]:
        return sorted(
            {
                r[0]
                for r in conn.execute(
                    "SELECT alias FROM entity_aliases WHERE entity_id = ?", (entity_id,)
                )
            }
        )

    def get_entity(self, entity_id: int) -> EntityInfo | None:
        """One entity by id, with its aliases, or ``None``."""
        self._require_schema()
        with self._read("reading an entity") as conn:
            row = conn.execute(
                f"SELECT {_ENTITY_COLUMNS} FROM entities e WHERE e.id = ?",  # noqa: S608
                (entity_id,),
            ).fetchone()
            if row is None:
                return None
            info = _info(row)
            info.aliases = self._aliases(conn, entity_id)
        return info

    def entity_articles(self, entity_id: int, *, limit: int = 200) -> list[EntityArticle]:
        """The articles naming an entity, oldest first (by publication, else storage time)."""
        self._require_schema()
        with self._read("reading an entity's articles") as conn:
            rows = conn.execute(
                "SELECT a.id, a.title, a.published, x.mentions FROM article_entities x "
                "JOIN articles a ON a.id = x.article_id WHERE x.entity_id = ? "
                "ORDER BY coalesce(a.published, a.stored_at), a.seq LIMIT ?",
                (entity_id, limit),
            ).fetchall()
        return [
            EntityArticle(
                row[0], row[1], datetime.fromisoformat(row[2]) if row[2] else None, row[3]
            )
            for row in rows
        ]

    def entity_timeline(self, entity_id: int) -> list[tuple[str, int]]:
        """(day, articles naming the entity that day), in day order; undated articles left out."""
        self._require_schema()
        with self._read("reading an entity's timeline") as conn:
            rows = conn.execute(
                "SELECT substr(a.published, 1, 10) AS day, count(*) FROM article_entities x "
                "JOIN articles a ON a.id = x.article_id WHERE x.entity_id = ? "
                "AND a.published IS NOT NULL GROUP BY day ORDER BY day",
                (entity_id,),
            ).fetchall()
        return [(row[0], int(row[1])) for row in rows]

    def co_occurring(self, entity_id: int, *, limit: int = 20) -> list[tuple[EntityInfo, int]]:
        """Entities named in the same articles, with how many articles they share."""
        self._require_schema()
        with self._read("reading co-occurring entities") as conn:
            rows = conn.execute(
                f"SELECT {_ENTITY_COLUMNS}, count(*) AS shared FROM article_entities a "  # noqa: S608
                "JOIN article_entities b ON b.article_id = a.article_id AND b.entity_id <> ? "
                "JOIN entities e ON e.id = b.entity_id WHERE a.entity_id = ? "
                "GROUP BY e.id ORDER BY shared DESC, e.id LIMIT ?",
                (entity_id, entity_id, limit),
            ).fetchall()
        return [(_info(row), int(row["shared"])) for row in rows]

    def entity_quotes(self, entity_id: int, *, limit: int = 50) -> list[EntityQuote]:
        """What an entity was quoted as saying, in article order."""
        self._require_schema()
        with self._read("reading an entity's quotes") as conn:
            rows = conn.execute(
                "SELECT q.article_id, q.text FROM quotes q JOIN articles a ON a.id = q.article_id "
                "WHERE q.entity_id = ? ORDER BY a.seq, q.position LIMIT ?",
                (entity_id, limit),
            ).fetchall()
        return [EntityQuote(row[0], row[1]) for row in rows]

    def entity_events(self, entity_id: int, *, limit: int = 200) -> list[EntityEvent]:
        """The events whose articles name an entity, in time order."""
        self._require_schema()
        with self._read("reading an entity's events") as conn:
            rows = conn.execute(
                "SELECT ev.id, ev.title, substr(coalesce(ev.event_date, ev.first_seen), 1, 10) "
                "AS day, count(*), ev.storyline_id FROM article_entities x "
                "JOIN article_events ae ON ae.article_id = x.article_id "
                "JOIN events ev ON ev.id = ae.event_id WHERE x.entity_id = ? "
                "GROUP BY ev.id ORDER BY day NULLS LAST, ev.id LIMIT ?",
                (entity_id, limit),
            ).fetchall()
        return [EntityEvent(row[0], row[1], row[2], int(row[3]), row[4]) for row in rows]

    def entity_storylines(self, entity_id: int, *, limit: int = 50) -> list[EntityEvent]:
        """The storylines whose articles name an entity, by when they started."""
        self._require_schema()
        with self._read("reading an entity's storylines") as conn:
            rows = conn.execute(
                "SELECT s.id, s.label, substr(s.first_seen, 1, 10) AS day, count(*) "
                "FROM article_entities x JOIN article_events ae ON ae.article_id = x.article_id "
                "JOIN events ev ON ev.id = ae.event_id "
                "JOIN storylines s ON s.id = ev.storyline_id WHERE x.entity_id = ? "
                "GROUP BY s.id ORDER BY day NULLS LAST, s.id LIMIT ?",
                (entity_id, limit),
            ).fetchall()
        return [EntityEvent(row[0], row[1], row[2], int(row[3])) for row in rows]

    def entity_page(self, entity_id: int, *, limit: int = 200) -> EntityPage | None:
        """An entity with its articles over time, timeline, co-occurring entities and quotes."""
        entity = self.get_entity(entity_id)
        if entity is None:
            return None
        return EntityPage(
            entity=entity,
            articles=self.entity_articles(entity_id, limit=limit),
            timeline=self.entity_timeline(entity_id),
            related=self.co_occurring(entity_id),
            quotes=self.entity_quotes(entity_id),
            events=self.entity_events(entity_id, limit=limit),
            storylines=self.entity_storylines(entity_id),
        )

    def article_entities(self, article_id: str) -> list[EntityInfo]:
        """The entities stored for one article, most mentioned first."""
        self._require_schema()
        with self._read("reading an article's entities") as conn:
            rows = conn.execute(
                f"SELECT {_ENTITY_COLUMNS} FROM article_entities y "  # noqa: S608
                "JOIN entities e ON e.id = y.entity_id WHERE y.article_id = ? "
                "ORDER BY y.mentions DESC, y.first",
                (article_id,),
            ).fetchall()
        return [_info(row) for row in rows]

    def is_enriched(self, article_id: str) -> bool:
        """Whether enrichment results are stored for this article."""
        self._require_schema()
        with self._read("checking enrichment") as conn:
            row = conn.execute(
                "SELECT 1 FROM article_enrichment WHERE article_id = ?", (article_id,)
            ).fetchone()
        return row is not None


@runtime_checkable
class EntityStore(Protocol):
    """A store that keeps enrichment results (the SQLite store does)."""

    def put_enrichments(self, items: Sequence[tuple[str, Enrichment]]) -> int: ...

    def is_enriched(self, article_id: str) -> bool: ...

    def known_entities(
        self, *, limit: int = 100_000
    ) -> list[tuple[str, EntityKind, list[str]]]: ...
