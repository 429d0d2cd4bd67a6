"""The batch engines' output: Parquet tables in one folder, and loading them into a store.

Layout of ``DIR`` (each table a folder of Parquet files, as Spark writes them; the local
engine writes one file per table)::

    articles/     one row per article: the Article fields, fingerprints, enrichment (JSON),
                  story vector, and the event and storyline it belongs to
    duplicates/   group_id, article_id, original_id, position: one row per member of a
                  duplicate group of two or more (position 0 heads the group)
    events/       id, storyline_id, title, event_date, first_seen, last_seen, articles,
                  languages, publishers, article_ids
    storylines/   id, label, key_entities, first_seen, last_seen, events, articles, event_ids
    errors/       origin, reason: every input that could not be used
    run/          one row: engine, embedding model, LSH scheme, options and counts (JSON)

:func:`load_into` reads such a folder with pyarrow (no Spark needed) and writes it into any
:class:`~storyline.store.base.Store` through its ordinary methods, so ``storyline load``
serves a Spark run's results in the web app exactly like ingested articles.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from storyline.engines.blocks import EventSummary, StorySummary
from storyline.engines.stages import Processed
from storyline.enrich.base import DateMention, Enrichment, EntityRef, Quote
from storyline.errors import BadInputError, ConfigError, MissingExtraError
from storyline.model import Article, Credit, EntityKind, RelatedLink

__all__ = [
    "TABLES",
    "article_row",
    "enrichment_from_json",
    "event_row",
    "load_into",
    "read_table",
    "storyline_row",
    "write_local",
]

#: Column name → type name; the one schema both engines write (Spark maps the names).
TABLES: dict[str, dict[str, str]] = {
    "articles": {
        "id": "string",
        "title": "string",
        "text": "string",
        "lead": "string",
        "url": "string",
        "canonical_url": "string",
        "source_id": "string",
        "published": "timestamp",
        "published_how": "string",
        "fetched": "timestamp",
        "author": "string",
        "site_name": "string",
        "language": "string",
        "origin": "string",
        "duplicate_of": "string",
        "syndicated_from": "string",
        "entities": "list<string>",
        "fingerprints": "string",
        "extras": "string",
        "enrichment": "string",
        "vector": "list<float>",
        "event_id": "string",
        "storyline_id": "string",
        "event_score": "double",
    },
    "duplicates": {
        "group_id": "string",
        "article_id": "string",
        "original_id": "string",
        "position": "int",
    },
    "events": {
        "id": "string",
        "storyline_id": "string",
        "title": "string",
        "event_date": "date",
        "first_seen": "timestamp",
        "last_seen": "timestamp",
        "articles": "int",
        "languages": "list<string>",
        "publishers": "list<string>",
        "article_ids": "list<string>",
    },
    "storylines": {
        "id": "string",
        "label": "string",
        "key_entities": "list<string>",
        "first_seen": "timestamp",
        "last_seen": "timestamp",
        "events": "int",
        "articles": "int",
        "event_ids": "list<string>",
    },
    "errors": {"origin": "string", "reason": "string"},
    "run": {
        "engine": "string",
        "embed_model": "string",
        "lsh_scheme": "string",
        "options": "string",
        "counts": "string",
    },
}


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError as error:
        raise MissingExtraError("pyarrow", "spark") from error
    return pyarrow


def arrow_schema(table: str) -> Any:
    pa = _pyarrow()
    types = {
        "string": pa.string(),
        "timestamp": pa.timestamp("us", tz="UTC"),
        "date": pa.date32(),
        "int": pa.int32(),
        "double": pa.float64(),
        "list<string>": pa.list_(pa.string()),
        "list<float>": pa.list_(pa.float32()),
    }
    return pa.schema([(name, types[kind]) for name, kind in TABLES[table].items()])


def article_row(
    p: Processed, event_id: str | None, storyline_id: str | None, score: float | None
) -> dict[str, Any]:
    """One ``articles`` row."""
    a = p.article
    extras = {
        "credits": [asdict(c) for c in a.credits],
        "related": [asdict(r) for r in a.related],
        "boilerplate": list(a.boilerplate),
    }
    return {
        "id": a.id,
        "title": a.title,
        "text": a.text,
        "lead": a.lead,
        "url": a.url,
        "canonical_url": a.canonical_url,
        "source_id": a.source_id,
        "published": a.published,
        "published_how": a.published_how,
        "fetched": a.fetched,
        "author": a.author,
        "site_name": a.site_name,
        "language": a.language,
        "origin": a.origin,
        "duplicate_of": a.duplicate_of,
        "syndicated_from": a.syndicated_from,
        "entities": list(a.entities),
        "fingerprints": json.dumps(a.fingerprints, sort_keys=True),
        "extras": json.dumps(extras, ensure_ascii=False),
        "enrichment": None
        if p.enrichment is None
        else json.dumps(asdict(p.enrichment), ensure_ascii=False),
        "vector": None if p.vector is None else [float(x) for x in p.vector],
        "event_id": event_id,
        "storyline_id": storyline_id,
        "event_score": score,
    }


def event_row(e: EventSummary) -> dict[str, Any]:
    return {
        "id": e.id,
        "storyline_id": e.storyline,
        "title": e.title,
        "event_date": e.when,
        "first_seen": e.first,
        "last_seen": e.last,
        "articles": len(e.members),
        "languages": sorted(e.languages),
        "publishers": sorted(e.sources),
        "article_ids": list(e.members),
    }


def storyline_row(s: StorySummary) -> dict[str, Any]:
    return {
        "id": s.id,
        "label": s.label,
        "key_entities": list(s.key_entities),
        "first_seen": s.first,
        "last_seen": s.last,
        "events": len(s.events),
        "articles": s.articles,
        "event_ids": list(s.events),
    }


def error_row(error: BadInputError) -> dict[str, Any]:
    return {"origin": error.origin, "reason": error.reason}


def write_local(folder: Path, tables: dict[str, list[dict[str, Any]]]) -> None:
    """Write each table as ``folder/NAME/part-00000.parquet`` (replacing an earlier run)."""
    pa = _pyarrow()
    import pyarrow.parquet as pq

    for name, rows in tables.items():
        target = folder / name
        target.mkdir(parents=True, exist_ok=True)
        for old in target.glob("*.parquet"):
            old.unlink()
        table = pa.Table.from_pylist(rows, schema=arrow_schema(name))
        pq.write_table(table, target / "part-00000.parquet")


def read_table(folder: str | Path, name: str) -> list[dict[str, Any]]:
    """All rows of one output table (a folder of Parquet files), as dicts."""
    _pyarrow()
    import pyarrow.dataset as ds

    path = str(folder).rstrip("/") + "/" + name
    if "://" not in path and not Path(path).is_dir():
        raise ConfigError(
            f"{folder}: no {name}/ table here; is this the --output folder of "
            "`storyline spark run`?"
        )
    rows: list[dict[str, Any]] = ds.dataset(path, format="parquet").to_table().to_pylist()
    return rows


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def enrichment_from_json(text: str) -> Enrichment:
    """The inverse of the ``enrichment`` column."""
    data = json.loads(text)
    return Enrichment(
        entities=[
            EntityRef(
                name=e["name"],
                kind=EntityKind(e["kind"]),
                mentions=e.get("mentions", 1),
                aliases=list(e.get("aliases") or []),
                first=e.get("first", 0),
            )
            for e in data.get("entities") or []
        ],
        quotes=[Quote(**q) for q in data.get("quotes") or []],
        dates=[DateMention(**d) for d in data.get("dates") or []],
        keyphrases=list(data.get("keyphrases") or []),
        recogniser=data.get("recogniser") or "",
    )


def article_from_row(row: dict[str, Any]) -> Article:
    """The :class:`Article` of one ``articles`` row."""
    extras = json.loads(row.get("extras") or "{}")
    return Article(
        id=row["id"],
        title=row["title"] or "",
        text=row["text"] or "",
        source_id=row.get("source_id"),
        url=row.get("url"),
        canonical_url=row.get("canonical_url"),
        lead=row.get("lead"),
        published=_utc(row.get("published")),
        published_how=row.get("published_how"),
        fetched=_utc(row.get("fetched")),
        author=row.get("author"),
        site_name=row.get("site_name"),
        language=row.get("language"),
        origin=row.get("origin"),
        credits=[Credit(**c) for c in extras.get("credits") or []],
        related=[RelatedLink(**r) for r in extras.get("related") or []],
        boilerplate=list(extras.get("boilerplate") or []),
        fingerprints=json.loads(row.get("fingerprints") or "{}"),
        duplicate_of=row.get("duplicate_of"),
        syndicated_from=row.get("syndicated_from"),
        entities=list(row.get("entities") or []),
    )


def _batches(rows: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def load_into(
    store: Any, folder: str | Path, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Write a run's articles, vectors, enrichments, events and storylines into ``store``.

    Articles go in with their fingerprints (so later ingests find their duplicates) in
    batches of 500, one transaction each; re-loading the same folder skips what is stored.
    Returns counts of what was written.
    """
    from storyline.dedup.fingerprints import DEFAULT_PARAMS
    from storyline.dedup.index import DedupChanges, DedupStore
    from storyline.link.events import Assignment
    from storyline.link.stream import EventRow, EventStore, StorylineRow
    from storyline.model import Source, SourceKind
    from storyline.store.sqlite_entities import EntityStore
    from storyline.store.vectors import VectorStore

    run = read_table(folder, "run")
    model = run[0]["embed_model"] if run else None
    rows = read_table(folder, "articles")
    rows.sort(key=lambda r: (r["duplicate_of"] is not None, r["id"]))  # group heads first
    counts = {"articles": 0, "skipped": 0, "vectors": 0, "enriched": 0}
    for source_id in sorted({r["source_id"] for r in rows if r.get("source_id")}):
        if store.get_source(source_id) is None:
            kind = SourceKind.WARC if source_id.startswith("warc:") else SourceKind.FILE
            store.upsert_source(Source(id=source_id, kind=kind, url=source_id))
    for batch in _batches(rows, 500):
        articles = [article_from_row(r) for r in batch]
        if isinstance(store, DedupStore):
            result = store.add_deduped(articles, DedupChanges(), params=DEFAULT_PARAMS)
        else:
            result = store.add_articles(articles)
        counts["articles"] += len(result.inserted)
        counts["skipped"] += len(result.skipped)
        if model and isinstance(store, VectorStore):
            vectors = [
                (r["id"], np.asarray(r["vector"], dtype=np.float32))
                for r in batch
                if r.get("vector") is not None
            ]
            counts["vectors"] += store.put_vectors(model, vectors)
        if isinstance(store, EntityStore):
            found = [
                (r["id"], enrichment_from_json(r["enrichment"]))
                for r in batch
                if r.get("enrichment")
            ]
            counts["enriched"] += store.put_enrichments(found)
        if progress is not None:
            progress("articles", len(batch))
    if isinstance(store, EventStore):
        events = read_table(folder, "events")
        stories = read_table(folder, "storylines")
        assignments = [
            Assignment(
                r["id"], r["event_id"], r["storyline_id"] or "", r["event_score"] or 1.0, False
            )
            for r in rows
            if r.get("event_id")
        ]
        event_rows = [
            EventRow(
                id=e["id"],
                storyline_id=e["storyline_id"],
                title=e["title"] or "",
                event_date=e["event_date"] if isinstance(e["event_date"], date) else None,
                first_seen=_utc(e["first_seen"]),
                last_seen=_utc(e["last_seen"]),
                articles=e["articles"],
                languages=list(e["languages"] or []),
                publishers=list(e["publishers"] or []),
                closed=False,
            )
            for e in events
        ]
        story_rows = [
            StorylineRow(
                id=s["id"],
                label=s["label"] or "",
                key_entities=list(s["key_entities"] or []),
                first_seen=_utc(s["first_seen"]),
                last_seen=_utc(s["last_seen"]),
                events=s["events"],
                articles=s["articles"],
                closed=False,
            )
            for s in stories
        ]
        store.save_clustering(assignments, event_rows, story_rows, [])
        counts["events"] = len(event_rows)
        counts["storylines"] = len(story_rows)
    return counts
