"""Event clustering by time block, stitching across blocks, and connected components.

The streaming clusterer (:mod:`storyline.link.events`; Miranda et al. 2018) is sequential:
each article is compared with the events open before it. To spread it over many machines
the stream is cut into **time blocks** of ``window_days``; each block is clustered on its
own by the same :class:`~storyline.link.events.EventClusterer` (with corpus statistics of
the whole input, so a block's scores do not depend on the others). An event that runs
over a block boundary is then founded twice, once on each side; **stitching** finds those
pairs: for events of block *b* and *b + k* (``k`` up to the clusterer's quiet period in
blocks), candidates are the nearest by story-vector cosine (and events sharing heavy
terms), scored centroid to centroid with the clusterer's own merge score
(:meth:`EventClusterer.pair_score`) at the threshold an article needs to join an
event, since that is the decision the boundary took away. Storylines are stitched the same
way with :meth:`StorylineLinker.pair_score` over their longer quiet period. The stitched
pairs are edges; **connected components** of them give the final events and storylines
(the earliest member names the component, as the earliest article founds an event).

Everything here is plain Python over picklable objects, so the Spark engine runs it inside
tasks and the local engine runs it in-process.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, Protocol, TypeVar

import numpy as np

from storyline.embed.lexical import TermStatistics
from storyline.engines.stages import Processed, order_key, stream_rank
from storyline.link.eventdate import usual_date
from storyline.link.events import EventClusterer, EventParams, EventState, load_event_params
from storyline.link.signals import QUERY_TERMS, Centroid, Item
from storyline.link.storylines import StorylineState

__all__ = [
    "BlockResult",
    "EventSummary",
    "StorySummary",
    "UnionFind",
    "block_of",
    "cluster_block",
    "combine_events",
    "combine_stories",
    "stitch",
]

K = TypeVar("K", bound=Hashable)
Node = TypeVar("Node", bound=Hashable)
#: The block of undated articles (never stitched: it has no neighbours in time).
UNDATED = -1


def block_of(published: datetime | None, window_days: float) -> int:
    """The time block of an article published at ``published`` (:data:`UNDATED` if unknown)."""
    if published is None:
        return UNDATED
    return math.floor(published.timestamp() / (window_days * 86400.0))


@dataclass(slots=True)
class EventSummary:
    """An event as the engines write it (see :class:`storyline.link.stream.EventRow`)."""

    id: str
    storyline: str
    title: str
    members: list[str]
    first: datetime | None = None
    last: datetime | None = None
    dates: Counter[date] = field(default_factory=Counter)
    languages: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    #: Each member's assignment probability (1.0 for the founder).
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def when(self) -> date | None:
        return usual_date(self.dates)

    def rank(self) -> tuple[bool, float, str]:
        """Which of several summaries names their union: the earliest founded."""
        return stream_rank(self.first, self.id)


@dataclass(slots=True)
class StorySummary:
    """A storyline as the engines write it (see :class:`storyline.link.stream.StorylineRow`)."""

    id: str
    label: str
    events: list[str]
    key_entities: list[str]
    first: datetime | None = None
    last: datetime | None = None
    articles: int = 0

    def rank(self) -> tuple[bool, float, str]:
        return stream_rank(self.first, self.id)


@dataclass(slots=True)
class BlockResult:
    """One block's events and storylines, with their states for stitching."""

    block: int
    events: list[EventSummary]
    storylines: list[StorySummary]
    event_states: list[EventState]
    story_states: list[StorylineState]


def _rebuilt(items: Iterable[Item]) -> Centroid:
    """A centroid from the members' items (closed events drop theirs; stitching needs it)."""
    centroid = Centroid()
    for item in items:
        centroid.add(item)
    return centroid


def cluster_block(
    block: int,
    processed: Iterable[Processed],
    params: EventParams | None,
    stats: TermStatistics,
) -> BlockResult:
    """Cluster one block's articles with the streaming clusterer, in stream order.

    ``params`` None loads the fitted parameters here (in a Spark task: on the executor).
    """
    clusterer = EventClusterer(params or load_event_params(), stats=stats)
    items: dict[str, Item] = {}
    scores: dict[str, float] = {}
    for p in sorted(processed, key=lambda p: order_key(p.article)):
        if p.article.id in items:
            continue
        item = clusterer.item(p.article, p.vector)
        items[item.id] = item
        scores[item.id] = clusterer.add_item(item).score
    clusterer.merge_pass()
    links = clusterer.storylines
    events: list[EventSummary] = []
    states: list[EventState] = []
    story_events: dict[str, list[str]] = {}
    for event in sorted(clusterer.events.values(), key=lambda e: e.id):
        if not event.members:
            continue
        sid = links.resolve(event.storyline or "")
        story_events.setdefault(sid, []).append(event.id)
        events.append(
            EventSummary(
                id=event.id,
                storyline=sid,
                title=event.title,
                members=list(event.members),
                first=event.first,
                last=event.last,
                dates=Counter(event.dates),
                languages=set(event.languages),
                sources=set(event.sources),
                scores={m: scores.get(m, 1.0) for m in event.members},
            )
        )
        state = EventState(id=event.id, title=event.title, members=list(event.members))
        state.centroid = _rebuilt(items[m] for m in event.members if m in items)
        state.first, state.last = event.first, event.last
        state.languages = set(event.languages)
        states.append(state)
    stories: list[StorySummary] = []
    story_states: list[StorylineState] = []
    by_id = {e.id: e for e in events}
    for sid in sorted(story_events):
        story = links.storylines[sid]
        members = [m for eid in story_events[sid] for m in by_id[eid].members]
        stories.append(
            StorySummary(
                id=sid,
                label=story.label,
                events=list(story_events[sid]),
                key_entities=links.key_entities(sid),
                first=story.first,
                last=story.last,
                articles=len(members),
            )
        )
        snap = StorylineState(id=sid, label=story.label, events=list(story_events[sid]))
        snap.centroid = _rebuilt(items[m] for m in members if m in items)
        snap.first, snap.last = story.first, story.last
        story_states.append(snap)
    return BlockResult(block, events, stories, states, story_states)


class Stitched(Protocol):
    """What stitching reads of an event or storyline state."""

    id: str
    centroid: Centroid
    first: datetime | None
    last: datetime | None


S = TypeVar("S", bound=Stitched)


def _top_terms(centroid: Centroid) -> list[str]:
    ranked = sorted(centroid.lex.items(), key=lambda kv: (-kv[1], kv[0]))
    return [t for t, _ in ranked[:QUERY_TERMS]]


def stitch(
    left: Sequence[S],
    right: Sequence[S],
    score: Callable[[S, S], float],
    threshold: float,
    gap_days: float,
    candidates: int = 10,
) -> list[tuple[str, str, float]]:
    """Pairs (left id, right id, score) of one thing founded on both sides of a boundary.

    ``left`` are states of an earlier block, ``right`` of a later one. A right state is
    compared with the left states that were still open when it started (quiet for at most
    ``gap_days``) and are among its ``candidates`` nearest by story-vector cosine or share
    one of its heaviest terms; it keeps its best match scoring at least ``threshold``.
    """
    if not left or not right:
        return []
    units = [s.centroid.unit_dense() for s in left]
    dims = {u.shape[0] for u in units if u is not None}
    matrix = None
    if len(dims) == 1:
        dim = dims.pop()
        matrix = np.stack([u if u is not None else np.zeros(dim, np.float32) for u in units])
    postings: dict[str, list[int]] = {}
    for i, s in enumerate(left):
        for term in _top_terms(s.centroid):
            postings.setdefault(term, []).append(i)
    out: list[tuple[str, str, float]] = []
    for r in right:
        if r.first is None:
            continue
        start = r.first.timestamp() - gap_days * 86400.0
        near: set[int] = set()
        unit = r.centroid.unit_dense()
        if matrix is not None and unit is not None and unit.shape[0] == matrix.shape[1]:
            sims = matrix @ unit
            near.update(int(i) for i in np.argsort(-sims, kind="stable")[:candidates])
        for term in _top_terms(r.centroid):
            near.update(postings.get(term, ())[:candidates])
        best: tuple[float, str] | None = None
        for i in sorted(near):
            s = left[i]
            if s.last is None or s.last.timestamp() < start:
                continue
            p = score(s, r)
            if p >= threshold and (best is None or p > best[0]):
                best = (p, s.id)
        if best is not None:
            out.append((best[1], r.id, round(best[0], 4)))
    return out


class UnionFind(Generic[Node]):
    """Connected components in memory (small edge lists, on the Spark driver).

    ``rank`` orders nodes; each component is named by its smallest node by rank.
    """

    def __init__(self, rank: Callable[[Node], Any]) -> None:
        self.parent: dict[Node, Node] = {}
        self.rank = rank

    def find(self, node: Node) -> Node:
        root = node
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while node != root:
            node, self.parent[node] = self.parent.get(node, node), root
        return root

    def union(self, a: Node, b: Node) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.rank(rb) < self.rank(ra):
            ra, rb = rb, ra
        self.parent[rb] = ra


def combine_events(parts: Sequence[EventSummary], event_id: str, storyline: str) -> EventSummary:
    """One event from the summaries stitched together (named ``event_id``)."""
    head = min(parts, key=EventSummary.rank)
    out = EventSummary(id=event_id, storyline=storyline, title=head.title, members=[])
    for part in sorted(parts, key=EventSummary.rank):
        out.members.extend(part.members)
        out.dates.update(part.dates)
        out.languages |= part.languages
        out.sources |= part.sources
        out.scores.update(part.scores)
        for moment in (part.first, part.last):
            if moment is not None:
                out.first = min(out.first or moment, moment)
                out.last = max(out.last or moment, moment)
    return out


def combine_stories(
    parts: Sequence[StorySummary], story_id: str, events: Sequence[str], key_entities: int = 5
) -> StorySummary:
    """One storyline from stitched summaries; ``events`` are its final event ids."""
    ordered = sorted(parts, key=StorySummary.rank)
    head = ordered[0]
    names: list[str] = []
    for part in sorted(parts, key=lambda p: -p.articles):
        names.extend(n for n in part.key_entities if n not in names)
    out = StorySummary(
        id=story_id,
        label=head.label,
        events=list(dict.fromkeys(events)),
        key_entities=names[:key_entities],
        articles=sum(p.articles for p in parts),
    )
    for part in ordered:
        for moment in (part.first, part.last):
            if moment is not None:
                out.first = min(out.first or moment, moment)
                out.last = max(out.last or moment, moment)
    return out
