"""Storylines: events linked over weeks and months by shared entities and topic.

An event is one happening; a storyline is the chain of happenings that belong together
(the Biden–Netanyahu ceasefire calls of July and of August 2024; every stage of the BP oil
spill). Following the two-level design of Miranda et al. (2018) and the story-chain idea of
Shahaf & Guestrin (2010, "Connecting the Dots Between News Articles"), a storyline is
represented like an event, by running sums of its articles' vectors (:class:`Centroid`),
but compared over a far longer window (:attr:`StorylineOptions.quiet_days`) and by what
persists across a story's events: its *names* (the people, places and organisations that
recur) and its *topic words*, more than the wording of one report.

A new event is linked when it is founded: its first article is compared with the open
storylines found by the dense and lexical indexes, and joins the best one scoring at least
:attr:`StorylineOptions.threshold`, else it starts a storyline. Every later article of the
event updates the storyline's centroid. Like events, storylines close when quiet, the
decisions are stable, a merge pass records merges, and a user may pin an event to a
storyline (``storyline events move``), which the linker obeys from then on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from storyline.link.signals import Centroid, Item, OpenIndex, sparse_cosine

__all__ = ["Merge", "StorylineLinker", "StorylineOptions", "StorylineState", "storyline_id"]


@dataclass(frozen=True, slots=True)
class Merge:
    """A record that ``source`` was merged into ``target`` (by a merge pass or a user)."""

    source: str
    target: str
    score: float
    kind: str = "event"
    reason: str = "merge pass"


def storyline_id(event_id: str) -> str:
    """A storyline's id: a hash of the event that founded it (stable across re-runs)."""
    return "s" + hashlib.sha256(f"storyline:{event_id}".encode()).hexdigest()[:15]


@dataclass(frozen=True, slots=True)
class StorylineOptions:
    """How events link into storylines.

    ``score = lex·lex_weight + names·names_weight + dense·dense_weight`` (cosines of the
    article with the storyline's centroid); ``threshold`` was chosen on the ``dev`` half of
    Timeline17 (:mod:`storyline.eval.events_fit`, docs/events.md).
    """

    threshold: float = 0.14
    #: Centroid-to-centroid score from which the merge pass joins two storylines.
    merge_threshold: float = 0.5
    lex_weight: float = 0.5
    names_weight: float = 0.3
    dense_weight: float = 0.2
    #: Dense cosines below this count as 0 (unrelated news is rarely below 0.7 with e5).
    dense_floor: float = 0.75
    quiet_days: float = 60.0
    candidates: int = 10
    max_open: int = 5000
    posted_terms: int = 30
    #: Key entities kept per storyline.
    key_entities: int = 5


@dataclass(slots=True)
class StorylineState:
    """One storyline while clustering: its events in the order they were founded."""

    id: str
    label: str
    events: list[str] = field(default_factory=list)
    centroid: Centroid = field(default_factory=Centroid)
    first: datetime | None = None
    last: datetime | None = None
    closed: bool = False


class StorylineLinker:
    """Links events into storylines (see the module docstring)."""

    def __init__(
        self, options: StorylineOptions | None = None, *, pinned: dict[str, str] | None = None
    ) -> None:
        self.options = options or StorylineOptions()
        self.pinned = pinned if pinned is not None else {}
        self.storylines: dict[str, StorylineState] = {}
        self.redirect: dict[str, str] = {}
        self.index = OpenIndex(self.options.posted_terms)
        self.changed: set[str] = set()
        self._dirty: set[str] = set()

    def resolve(self, sid: str) -> str:
        seen = set()
        while sid in self.redirect and sid not in seen:
            seen.add(sid)
            sid = self.redirect[sid]
        return sid

    def score(self, item: Item, story: StorylineState) -> float:
        o = self.options
        c = story.centroid
        dense = 0.0
        unit = c.unit_dense()
        if item.vector is not None and unit is not None:
            cos = float(np.dot(item.vector, unit))
            dense = max(0.0, (cos - o.dense_floor) / (1.0 - o.dense_floor))
        lex = sparse_cosine(item.lex, c.lex, c.lex_norm)
        names = sparse_cosine(item.names, c.names, c.names_norm)
        return o.lex_weight * lex + o.names_weight * names + o.dense_weight * dense

    def assign(self, event_id: str, item: Item) -> str:
        """The storyline of a newly founded event (its first article is ``item``)."""
        pinned = self.pinned.get(event_id)
        if pinned is not None:
            sid = self.resolve(pinned)
        else:
            best: tuple[float, str] | None = None
            for cand in self.index.candidates(item, self.options.candidates):
                s = self.score(item, self.storylines[cand])
                if best is None or s > best[0]:
                    best = (s, cand)
            if best is not None and best[0] >= self.options.threshold:
                sid = best[1]
            else:
                sid = storyline_id(event_id)
        story = self.storylines.get(sid)
        if story is None:
            story = StorylineState(id=sid, label=item.title)
            self.storylines[sid] = story
        story.events.append(event_id)
        self.update(sid, item)
        return sid

    def update(self, sid: str | None, item: Item) -> None:
        """Add one more article of one of the storyline's events."""
        if not sid:
            return
        story = self.storylines[self.resolve(sid)]
        story.centroid.add(item)
        if item.published is not None:
            story.first = min(story.first or item.published, item.published)
            story.last = max(story.last or item.published, item.published)
        if story.closed:
            story.closed = False
        self.index.put(story.id, story.centroid)
        self.changed.add(story.id)
        self._dirty.add(story.id)

    def detach(self, sid: str | None, event_id: str) -> None:
        """Forget ``event_id`` in its storyline (it was merged into another event)."""
        if sid and self.resolve(sid) in self.storylines:
            story = self.storylines[self.resolve(sid)]
            if event_id in story.events:
                story.events.remove(event_id)
                self.changed.add(story.id)

    def move(self, event_id: str, source: str | None, target: str, title: str) -> None:
        """Put an event into another storyline (a user correction), creating it if new."""
        self.detach(source, event_id)
        target = self.resolve(target)
        story = self.storylines.get(target)
        if story is None:
            story = StorylineState(id=target, label=title)
            self.storylines[target] = story
        story.events.append(event_id)
        self.pinned[event_id] = target
        self.changed.add(target)

    def tick(self, now: datetime | None) -> None:
        """Close storylines quiet for longer than ``quiet_days`` (or beyond ``max_open``)."""
        if now is None:
            return
        limit = now.timestamp() - self.options.quiet_days * 86400
        closing = [
            s
            for s in self.index.ids
            if self.storylines[s].last is not None and self.storylines[s].last.timestamp() < limit  # type: ignore[union-attr]
        ]
        excess = len(self.index) - len(closing) - self.options.max_open
        if excess > 0:
            shut = set(closing)
            rest = sorted(
                (s for s in self.index.ids if s not in shut),
                key=lambda s: (_stamp(self.storylines[s].last), s),
            )
            closing.extend(rest[:excess])
        for sid in sorted(closing):
            self.storylines[sid].closed = True
            self.index.remove(sid)
            self.changed.add(sid)

    def pair_score(self, a: StorylineState, b: StorylineState) -> float:
        """Storyline-to-storyline score: the article score, centroid to centroid."""
        o = self.options
        ca, cb = a.centroid, b.centroid
        dense = 0.0
        ua, ub = ca.unit_dense(), cb.unit_dense()
        if ua is not None and ub is not None:
            dense = max(0.0, (float(np.dot(ua, ub)) - o.dense_floor) / (1.0 - o.dense_floor))
        lex = sparse_cosine(_unit(ca.lex, ca.lex_norm), cb.lex, cb.lex_norm)
        names = sparse_cosine(_unit(ca.names, ca.names_norm), cb.names, cb.names_norm)
        return o.lex_weight * lex + o.names_weight * names + o.dense_weight * dense

    def merge_pass(self) -> list[Merge]:
        """Merge open storylines that turned out to be one story; returns the merges.

        Centroids of whole storylines are far steadier than one article, so a story that
        started twice (its first reports looked unrelated) is joined here. Storylines a
        user put an event into are left alone.
        """
        done: list[Merge] = []
        keep = {self.resolve(s) for s in self.pinned.values()}
        dirty, self._dirty = self._dirty, set()
        for sid in sorted(dirty):
            story = self.storylines[sid]
            if sid not in self.index or sid in keep:
                continue
            probe = Item(
                id=sid,
                title="",
                published=None,
                vector=story.centroid.unit_dense(),
                lex=story.centroid.lex,
                names={},
                name_labels={},
                language=None,
                source=None,
                when=None,
            )
            best: tuple[float, str] | None = None
            for other in self.index.candidates(probe, self.options.candidates):
                if other == sid or other in keep:
                    continue
                score = self.pair_score(story, self.storylines[other])
                if score >= self.options.merge_threshold and (best is None or score > best[0]):
                    best = (score, other)
            if best is None:
                continue
            small, big = sorted((sid, best[1]), key=lambda s: (self.storylines[s].centroid.size, s))
            done.append(self.merge(small, big, best[0]))
        return done

    def merge(self, source: str, target: str, score: float, reason: str = "merge pass") -> Merge:
        """Fold storyline ``source`` into ``target`` and record it."""
        src, dst = self.storylines[source], self.storylines[target]
        dst.centroid.absorb(src.centroid)
        dst.events.extend(src.events)
        for moment in (src.first, src.last):
            if moment is not None:
                dst.first = min(dst.first or moment, moment)
                dst.last = max(dst.last or moment, moment)
        src.events = []
        src.closed = True
        self.redirect[source] = target
        self.index.remove(source)
        if not dst.closed:
            self.index.put(target, dst.centroid)
        self.changed.update((source, target))
        return Merge(source, target, round(score, 4), "storyline", reason)

    def key_entities(self, sid: str) -> list[str]:
        return self.storylines[self.resolve(sid)].centroid.key_names(self.options.key_entities)


def _unit(weights: dict[str, float], norm: float) -> dict[str, float]:
    return {k: v / norm for k, v in weights.items()} if norm else {}


def _stamp(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else float("-inf")
