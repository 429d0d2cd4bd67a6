"""``storyline events ...``, ``storyline storylines`` and ``storyline timeline``: reading and
correcting what event clustering made (docs/events.md).

Corrections (``merge``, ``split``, ``move``) change the store at once and are recorded;
clustering reads them back and obeys them from then on.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from storyline.cli.common import db_option, err_console, json_option, opened_store
from storyline.dedup.index import DedupStore
from storyline.dedup.syndication import count_origins
from storyline.embed.lexical import CorpusStats, terms
from storyline.errors import BadInputError, StorylineError
from storyline.link.signals import Centroid, make_item
from storyline.link.stream import EventRow, EventStream, StorylineRow
from storyline.link.timeline import TimelineEntry, timeline
from storyline.store.base import Store
from storyline.store.sqlite_events import SQLiteEventsMixin

__all__ = ["events_group", "storylines_command", "timeline_command"]


def _events_store(store: Store) -> SQLiteEventsMixin:
    if not isinstance(store, SQLiteEventsMixin):
        raise click.ClickException("this store does not keep events (use an SQLite store)")
    return store


def _jsonable(row: EventRow | StorylineRow | TimelineEntry) -> dict[str, Any]:
    data = asdict(row)
    for key, value in data.items():
        if hasattr(value, "isoformat"):
            data[key] = value.isoformat()
    return data


@click.group("events")
def events_group() -> None:
    """List, show and correct events (one happening, many reports)."""


@events_group.command("list")
@db_option
@click.option("--storyline", "storyline_id", default=None, help="Only this storyline's events.")
@click.option("-n", "--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@json_option
def list_events(db_url: str, storyline_id: str | None, limit: int, as_json: bool) -> None:
    """Events, most recent first (or one storyline's, in date order)."""
    with opened_store(db_url) as store:
        rows = _events_store(store).list_events(storyline=storyline_id, limit=limit)
    if as_json:
        click.echo(json.dumps([_jsonable(r) for r in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no events yet: ingest articles, or run `storyline events update`")
        return
    table = Table("event", "date", "articles", "languages", "storyline", "title", box=None)
    for row in rows:
        table.add_row(
            row.id,
            row.event_date.isoformat() if row.event_date else "?",
            str(row.articles),
            ",".join(row.languages),
            row.storyline_id or "",
            row.title,
        )
    Console().print(table)


@events_group.command("show")
@click.argument("event_id")
@db_option
@json_option
def show_event(event_id: str, db_url: str, as_json: bool) -> None:
    """One event: its date, storyline and articles."""
    with opened_store(db_url) as store:
        events = _events_store(store)
        row = events.get_event(event_id)
        if row is None:
            raise click.ClickException(
                f"no event {event_id!r}; list them with `storyline events list`"
            )
        ids = events.event_articles(event_id)
        articles = store.get_articles(ids) if hasattr(store, "get_articles") else {}
        origins = _origins(store, ids)
    if as_json:
        data = _jsonable(row)
        data["article_ids"] = ids
        data["origins"] = origins
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    date = row.event_date.isoformat() if row.event_date else "date unknown"
    click.echo(
        f"{row.title}\n{date} · {row.articles} articles from {origins} independent origins · "
        f"storyline {row.storyline_id}"
    )
    if row.merged_into:
        click.echo(f"merged into {row.merged_into}")
    for aid in ids:
        article = articles.get(aid)
        click.echo(
            f"  {aid}  {article.language or '??' if article else ''}  "
            f"{article.title if article else ''}"
        )


def _origins(store: Store, article_ids: list[str]) -> int:
    """Independent origins among an event's articles: copies of one story and reports crediting
    one wire agency count once (docs/dedup.md); every article counts when dedup is off."""
    if not isinstance(store, DedupStore):
        return len(article_ids)
    prints = [store.dedup_fingerprint(aid) for aid in article_ids]
    unprinted = sum(1 for fp in prints if fp is None)
    return count_origins(fp for fp in prints if fp is not None) + unprinted


@events_group.command("merge")
@click.argument("source")
@click.argument("target")
@db_option
def merge_command(source: str, target: str, db_url: str) -> None:
    """Merge event SOURCE into event TARGET (they report one happening)."""
    with opened_store(db_url) as store:
        try:
            _events_store(store).merge_events(source, target)
        except BadInputError as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"merged {source} into {target}")


@events_group.command("split")
@click.argument("article_id")
@db_option
def split_command(article_id: str, db_url: str) -> None:
    """Take one article out of its event, into a new event of its own."""
    with opened_store(db_url) as store:
        try:
            new = _events_store(store).split_article(article_id)
        except BadInputError as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"{article_id} is now in event {new}")


@events_group.command("move")
@click.argument("event_id")
@click.argument("storyline_id", required=False)
@db_option
def move_command(event_id: str, storyline_id: str | None, db_url: str) -> None:
    """Move an event to another storyline (without STORYLINE_ID: to a new one)."""
    with opened_store(db_url) as store:
        try:
            target = _events_store(store).move_event(event_id, storyline_id)
        except BadInputError as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"event {event_id} is now in storyline {target}")


@events_group.command("update")
@db_option
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
def update_command(db_url: str, progress: bool) -> None:
    """Cluster stored articles that are in no event yet (e.g. ingested before this feature)."""
    from rich.progress import Progress

    from storyline.embed.e5 import E5Embedder
    from storyline.similar import embed_articles
    from storyline.store.vectors import VectorStore

    done = 0
    with opened_store(db_url) as store:
        events = _events_store(store)
        embedder = E5Embedder()
        stream = EventStream(events, embedder.name)  # type: ignore[arg-type]
        with Progress(console=err_console, transient=True, disable=not progress) as bar:
            task = bar.add_task("clustering", total=None)
            while True:
                ids = events.unclustered_ids(limit=500)
                if not ids:
                    break
                found = store.get_articles(ids)  # type: ignore[attr-defined]
                batch = [found[i] for i in ids if i in found]
                if isinstance(store, VectorStore):
                    missing = set(ids) - set(store.get_vectors(embedder.name, ids))
                    if missing:
                        embed_articles(store, embedder, [a for a in batch if a.id in missing])
                try:
                    stream.add(batch, progress=lambda n: bar.advance(task, n))
                except StorylineError as error:
                    raise click.ClickException(str(error)) from error
                done += len(batch)
    click.echo(f"clustered {done} articles")


@click.command("storylines")
@db_option
@click.option("-n", "--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@json_option
def storylines_command(db_url: str, limit: int, as_json: bool) -> None:
    """Storylines (related events over weeks), most recently active first."""
    with opened_store(db_url) as store:
        rows = _events_store(store).list_storylines(limit=limit)
    if as_json:
        click.echo(json.dumps([_jsonable(r) for r in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no storylines yet")
        return
    table = Table("storyline", "events", "articles", "last seen", "key entities", "label", box=None)
    for row in rows:
        table.add_row(
            row.id,
            str(row.events),
            str(row.articles),
            row.last_seen.date().isoformat() if row.last_seen else "?",
            ", ".join(row.key_entities),
            row.label,
        )
    Console().print(table)


@click.command("timeline")
@click.argument("storyline_id")
@db_option
@click.option(
    "-n", "--limit", type=click.IntRange(1, 1000), default=None, help="Biggest events only."
)
@json_option
def timeline_command(storyline_id: str, db_url: str, limit: int | None, as_json: bool) -> None:
    """A storyline's timeline: each event's date and its most representative sentence."""
    with opened_store(db_url) as store:
        events = _events_store(store)
        story = events.get_storyline(storyline_id)
        if story is None:
            raise click.ClickException(
                f"no storyline {storyline_id!r}; list them with `storyline storylines`"
            )
        rows = events.list_events(storyline=storyline_id, limit=10_000)
        views = []
        texts: dict[str, str] = {}
        stats = CorpusStats()
        for row in rows:
            ids = events.event_articles(row.id)[:5]
            found = store.get_articles(ids)  # type: ignore[attr-defined]
            for article in found.values():
                stats.add(terms(f"{article.title}\n{article.text}"))
            views.append((row, ids, found))
        entries = []
        view_objects = []
        for row, ids, found in views:
            centroid = Centroid()
            for aid in ids:
                if aid in found:
                    centroid.add(make_item(found[aid], None, stats))
                    texts[aid] = found[aid].text
            view_objects.append(_View(row, ids, centroid))
        entries = timeline(view_objects, texts, stats, limit=limit)
    if as_json:
        data = {"storyline": _jsonable(story), "timeline": [_jsonable(e) for e in entries]}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"{story.label}\nkey entities: {', '.join(story.key_entities) or '-'}\n")
    for entry in entries:
        day = entry.date.isoformat() if entry.date else "????-??-??"
        click.echo(f"{day}  {entry.sentence or entry.title}  ({entry.articles} articles)")


class _View:
    """An event row as :class:`storyline.link.timeline.EventView`."""

    def __init__(self, row: EventRow, members: list[str], centroid: Centroid) -> None:
        self.id = row.id
        self.title = row.title
        self.when = row.event_date
        self.members = members + [""] * max(0, row.articles - len(members))
        self.centroid = centroid
