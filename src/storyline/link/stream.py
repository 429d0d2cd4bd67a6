"""Event clustering against a store: resume, cluster new articles, persist, correct.

The clusterer itself (:mod:`storyline.link.events`) keeps its state in memory. A service
or a batch run needs it to survive restarts, and the state that matters is small: *which
event each article joined*. :class:`EventStream` therefore persists decisions, not
internals: on start it replays the most recent assignments (the open window) into a fresh
clusterer with :meth:`EventClusterer.restore`, so nothing moves and newly arriving articles
meet the same open events as if the process had never stopped. User corrections are read
back as constraints. The store side is the small :class:`EventStore` protocol
(:mod:`storyline.store.sqlite_events` implements it); this module imports no store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Protocol, runtime_checkable

from storyline.embed.base import FloatVector
from storyline.embed.lexical import TermStatistics
from storyline.link.events import (
    Assignment,
    Corrections,
    EventClusterer,
    EventOptions,
    EventParams,
    EventState,
    Merge,
)
from storyline.link.storylines import StorylineOptions
from storyline.model import Article

__all__ = ["EventRow", "EventStore", "EventStream", "StorylineRow", "event_row"]

#: Assignments of open events replayed on start (the newest): the live window.
RESTORE = 2000


@dataclass(frozen=True, slots=True)
class EventRow:
    """What the store keeps of one event (what pages and the CLI show)."""

    id: str
    storyline_id: str | None
    title: str
    event_date: date | None
    first_seen: datetime | None
    last_seen: datetime | None
    articles: int
    languages: list[str] = field(default_factory=list)
    publishers: list[str] = field(default_factory=list)
    closed: bool = False
    merged_into: str | None = None


@dataclass(frozen=True, slots=True)
class StorylineRow:
    """What the store keeps of one storyline."""

    id: str
    label: str
    key_entities: list[str]
    first_seen: datetime | None
    last_seen: datetime | None
    events: int
    articles: int
    closed: bool = False
    merged_into: str | None = None


@runtime_checkable
class EventStore(Protocol):
    """What event clustering reads and writes in a store."""

    def save_clustering(
        self,
        assignments: Sequence[Assignment],
        events: Sequence[EventRow],
        storylines: Sequence[StorylineRow],
        merges: Sequence[Merge],
    ) -> None: ...

    def recent_assignments(self, limit: int) -> list[tuple[str, str, str | None]]: ...

    def load_corrections(self) -> Corrections: ...

    def get_vectors(self, model: str, article_ids: Sequence[str]) -> dict[str, FloatVector]: ...

    def get_articles(self, article_ids: Sequence[str]) -> dict[str, Article]: ...


def event_row(event: EventState, storyline: str | None) -> EventRow:
    return EventRow(
        id=event.id,
        storyline_id=storyline,
        title=event.title,
        event_date=event.when,
        first_seen=event.first,
        last_seen=event.last,
        articles=len(event.members),
        languages=sorted(event.languages),
        publishers=sorted(event.sources),
        closed=event.closed,
    )


class EventStream:
    """Clusters articles already stored (with cached vectors) and writes the decisions."""

    def __init__(
        self,
        store: EventStore,
        model: str | None,
        *,
        params: EventParams | None = None,
        options: EventOptions | None = None,
        storylines: StorylineOptions | None = None,
        stats: TermStatistics | None = None,
        restore: int = RESTORE,
    ) -> None:
        self.store = store
        self.model = model
        self.clusterer = EventClusterer(
            params,
            options,
            stats=stats,
            corrections=store.load_corrections(),
            storylines=storylines,
        )
        self._restore(restore)

    def _vectors(self, ids: Sequence[str]) -> dict[str, FloatVector]:
        return self.store.get_vectors(self.model, ids) if self.model else {}

    def _restore(self, limit: int) -> None:
        rows = self.store.recent_assignments(limit)
        if not rows:
            return
        ids = [a for a, _, _ in rows]
        articles = self.store.get_articles(ids)
        vectors = self._vectors(ids)
        for aid, eid, sid in rows:
            article = articles.get(aid)
            if article is not None:
                item = self.clusterer.item(article, vectors.get(aid))
                self.clusterer.restore(item, eid, sid)

    def add(
        self, articles: Sequence[Article], progress: Callable[[int], None] | None = None
    ) -> list[Assignment]:
        """Cluster ``articles`` (in publication order, undated ones last) and persist."""
        order = sorted(
            articles,
            key=lambda a: (a.published is None, a.published.timestamp() if a.published else 0.0),
        )
        vectors = self._vectors([a.id for a in order])
        done = []
        for article in order:
            done.append(self.clusterer.add(article, vectors.get(article.id)))
            if progress is not None:
                progress(1)
        self.flush(done)
        return done

    def flush(self, assignments: Sequence[Assignment] = ()) -> None:
        """Write assignments and every event/storyline changed since the last flush."""
        c = self.clusterer
        merges = list(c.merges)
        c.merges.clear()
        changed_events = sorted(c.changed)
        c.changed.clear()
        links = c.storylines
        rows = []
        for eid in changed_events:
            event = c.events[eid]
            sid = links.resolve(event.storyline) if event.storyline else None
            row = event_row(event, sid)
            if not event.members and eid in c.corrections.redirect:
                row = replace(row, merged_into=c.corrections.target(eid))
            rows.append(row)
            if sid:
                links.changed.add(sid)
        story_rows = []
        for sid in sorted(links.changed):
            story = links.storylines.get(sid)
            if story is None:
                continue
            story_rows.append(
                StorylineRow(
                    id=story.id,
                    label=story.label,
                    key_entities=links.key_entities(sid),
                    first_seen=story.first,
                    last_seen=story.last,
                    events=len(story.events),
                    articles=story.centroid.size,
                    closed=story.closed,
                    merged_into=links.resolve(sid) if sid in links.redirect else None,
                )
            )
        links.changed.clear()
        fixed = [
            Assignment(
                a.article_id,
                c.event_of.get(a.article_id, a.event_id),
                a.storyline_id,
                a.score,
                a.new_event,
            )
            for a in assignments
        ]
        self.store.save_clustering(fixed, rows, story_rows, merges)
