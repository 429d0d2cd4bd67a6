"""Online event clustering: each article, in publication order, joins an event or starts one.

The design follows Miranda et al. (2018), "Multilingual Clustering of Streaming News"
(EMNLP), section 3:

1. **Candidates** come from two indexes over the *open* events: the dense index (cosine of
   the article's story vector with each event's centroid) and a lexical index (events whose
   heaviest terms include the article's heaviest terms). Only open events are indexed, so
   the work per article depends on how many events are live, not on the store's size.
2. **A learned article-to-event score** over several signals: dense similarity to the
   centroid and to the newest members, BM25 similarity to the centroid and to the newest
   members, name (entity) overlap, how far the event stands out from all open events, and
   the time gap to the event's last article (:mod:`storyline.link.eventparams`). The
   weights are a logistic regression fitted on the held-out-safe ``dev`` half of
   WikinewsSum (:mod:`storyline.eval.events_fit` writes ``events_params.json``); the time
   gap enters as a documented prior, because that set has no dates. Undated articles
   compare the weekdays their texts name (:func:`storyline.link.eventdate.weekday_gap`).
3. **Join or start**: a second model decides from the best candidate's score, its margin
   over the runner-up and its standing whether the article joins it or starts an event.
4. **Events close when quiet**: an event with no article for ``quiet_days`` leaves the
   indexes; it keeps its articles but takes no new ones.

Decisions are stable: an article is never moved by later arrivals. A periodic **merge
pass** joins open events that turned out to be one (scored with the same model, centroid
to centroid, at a stricter threshold), then gives each event founded by one article since
the last pass a *second chance* to join an event that grew meanwhile, and records every
merge. **User corrections**
(:class:`Corrections`) are constraints the clusterer obeys from then on: merged events stay
merged, an article split out stays out, an event moved to a storyline stays there.

Everything is deterministic: ties break by id, ids are hashes of founding articles.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from storyline.embed.base import FloatVector
from storyline.embed.lexical import CorpusStats, TermStatistics
from storyline.link.eventdate import usual_date, usual_weekday, weekday_gap
from storyline.link.eventparams import (
    ACCEPT_FEATURES,
    EVENT_FEATURES,
    PARAMS_FILE,
    EventParams,
    accept_features,
    event_features,
    load_event_params,
    sigmoid,
    standing,
)
from storyline.link.headline import choose_headline
from storyline.link.signals import Centroid, Item, OpenIndex, make_item, sparse_cosine
from storyline.link.storylines import Merge, StorylineLinker, StorylineOptions, StorylineState
from storyline.model import Article

__all__ = [
    "ACCEPT_FEATURES",
    "EVENT_FEATURES",
    "PARAMS_FILE",
    "Assignment",
    "Corrections",
    "EventClusterer",
    "EventOptions",
    "EventParams",
    "EventState",
    "Merge",
    "accept_features",
    "event_features",
    "load_event_params",
]


def event_id(article_id: str) -> str:
    """An event's id: a hash of the article that founded it (stable across re-runs)."""
    return "e" + hashlib.sha256(f"event:{article_id}".encode()).hexdigest()[:15]


@dataclass(frozen=True, slots=True)
class EventOptions:
    """Knobs that are design choices rather than fitted values."""

    #: Candidates taken from each index per article.
    candidates: int = 10
    #: Newest members an event keeps for the "newest members" signals.
    newest: int = 3
    #: An event with no article for this long closes (needs publication dates).
    quiet_days: float = 3.0
    #: At most this many events stay open; the quietest close first (bounds the work).
    max_open: int = 5000
    #: Articles between two merge passes (0: never).
    merge_every: int = 200
    #: Heaviest terms of an event posted in the lexical index.
    posted_terms: int = 20


@dataclass(slots=True)
class Corrections:
    """User corrections the clusterer must respect (persisted by the store).

    ``redirect`` maps an event id to the event it was merged into; ``split`` holds
    articles taken out of an event (article id → the event it must not rejoin);
    ``storyline_of`` pins an event to a storyline.
    """

    redirect: dict[str, str] = field(default_factory=dict)
    split: dict[str, str] = field(default_factory=dict)
    storyline_of: dict[str, str] = field(default_factory=dict)

    def target(self, event: str) -> str:
        seen = set()
        while event in self.redirect and event not in seen:
            seen.add(event)
            event = self.redirect[event]
        return event


@dataclass(slots=True)
class EventState:
    """One event while it is being clustered (see :class:`storyline.model.Event`)."""

    id: str
    title: str
    members: list[str] = field(default_factory=list)
    centroid: Centroid = field(default_factory=Centroid)
    newest: list[tuple[FloatVector | None, dict[str, float]]] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None
    dates: Counter[date] = field(default_factory=Counter)
    #: Weekdays of members whose date is unknown (:func:`event_weekday`).
    weekdays: Counter[int] = field(default_factory=Counter)
    languages: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    storyline: str | None = None
    closed: bool = False
    #: Members' items while the event is open (dropped on close): what a split rebuilds from.
    items: list[Item] = field(default_factory=list)

    @property
    def when(self) -> date | None:
        """The event date: the date most members resolve to (earliest on ties)."""
        return usual_date(self.dates)


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where one article went, and why (``score``: its probability for that event)."""

    article_id: str
    event_id: str
    storyline_id: str
    score: float
    new_event: bool


#: Member counts at which an event's headline is chosen again (bounded work per article).
RETITLE_AT = frozenset({2, 3, 5, 8, 13, 21})


def _stamp(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else float("-inf")


def _gap_days(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return abs((a - b).total_seconds()) / 86400.0


class EventClusterer:
    """Streaming event clustering with storylines on top (see the module docstring).

    Feed articles in publication order with :meth:`add`. ``stats`` gives document
    frequencies; by default the clusterer counts them itself as articles arrive.
    """

    def __init__(
        self,
        params: EventParams | None = None,
        options: EventOptions | None = None,
        *,
        stats: TermStatistics | None = None,
        corrections: Corrections | None = None,
        storylines: StorylineOptions | None = None,
    ) -> None:
        self.params = params or load_event_params()
        self.options = options or EventOptions()
        self._learn: CorpusStats | None = None
        if stats is None:
            self._learn = CorpusStats()
            stats = self._learn
        self.stats: TermStatistics = stats
        self.corrections = corrections or Corrections()
        if storylines is None:
            storylines = StorylineOptions(
                threshold=self.params.storyline_threshold,
                merge_threshold=self.params.storyline_merge_threshold,
            )
        self.storylines = StorylineLinker(storylines, pinned=self.corrections.storyline_of)
        self.events: dict[str, EventState] = {}
        self.event_of: dict[str, str] = {}
        self.merges: list[Merge] = []
        self.changed: set[str] = set()
        self.index = OpenIndex(self.options.posted_terms)
        self._now: datetime | None = None
        self._since_merge = 0
        self._scanned: datetime | None = None
        #: Events that took articles since the last merge pass (only they can newly merge).
        self._dirty: set[str] = set()

    # -- the stream -------------------------------------------------------------------

    def item(self, article: Article, vector: FloatVector | None) -> Item:
        """The article's :class:`Item`, counting its terms if the clusterer keeps stats."""
        return make_item(article, vector, self.stats, learn=self._learn)

    def add(self, article: Article, vector: FloatVector | None) -> Assignment:
        """Cluster one article (the next in publication order)."""
        if article.id in self.event_of:
            eid = self.event_of[article.id]
            return Assignment(article.id, eid, self.events[eid].storyline or "", 1.0, False)
        return self.add_item(self.item(article, vector))

    def add_item(self, item: Item) -> Assignment:
        if item.published is not None and (self._now is None or item.published > self._now):
            self._now = item.published
            # Scan for quiet events at most once per simulated hour (the scan is O(open)).
            if self._scanned is None or (self._now - self._scanned).total_seconds() >= 3600:
                self._scanned = self._now
                self._close_quiet()
        elif len(self.index) > self.options.max_open:
            self._close_quiet()
        best_id, best_p, join = self._decide(item)
        if best_id is not None and join:
            event = self.events[best_id]
            new = False
        else:
            event = self._new_event(item)
            best_p, new = 1.0, True
        self._join(event, item)
        if new:
            event.storyline = self.storylines.assign(event.id, item)
        else:
            self.storylines.update(event.storyline, item)
        self._since_merge += 1
        if self.options.merge_every and self._since_merge >= self.options.merge_every:
            self.merge_pass()
        return Assignment(item.id, event.id, event.storyline or "", best_p, new)

    def score(self, item: Item, event: EventState) -> float:
        """The probability that ``item`` reports ``event``."""
        return sigmoid(self.logit(item, event))

    def logit(self, item: Item, event: EventState) -> float:
        """:meth:`score` before the sigmoid (what the ranking compares)."""
        p = self.params
        features = event_features(item, event)
        z = p.bias + sum(w * features[k] for k, w in p.weights.items())
        gap = _gap_days(item.published, event.last)
        if gap is None:
            gap = weekday_gap(item.weekday, event.weekdays)
        return z - self._time_penalty(gap)

    def _time_penalty(self, gap: float | None) -> float:
        """The time prior (logits) for a gap of ``gap`` days (none when unknown)."""
        p = self.params
        if gap is None or not p.time_penalty:
            return 0.0
        return p.time_penalty * min(1.0, math.log1p(gap) / math.log1p(p.time_scale_days))

    def candidates(self, item: Item) -> list[str]:
        """Open events near ``item`` in the dense or the lexical index (sorted ids)."""
        return self.index.candidates(item, self.options.candidates)

    def ranked(self, item: Item) -> list[tuple[float, str]]:
        """(logit, event id) of every candidate, best first (ties by id)."""
        if item.id in self.corrections.split:
            return []  # split out by a user: it starts (or rejoins) its own event
        scored = [(self.logit(item, self.events[e]), e) for e in self.candidates(item)]
        return sorted(scored, key=lambda t: (-t[0], t[1]))

    def _decide(self, item: Item) -> tuple[str | None, float, bool]:
        """The best candidate, its probability, and whether the article joins it.

        Two models, as in Miranda et al. (2018): the article-to-event score ranks the
        candidates, and a second one (:func:`accept_features`) decides whether the article
        joins the best or starts an event, from how good the best is and how far it stands
        out from the runner-up and from all open events.
        """
        ranked = self.ranked(item)
        if not ranked:
            return None, 0.0, False
        top, eid = ranked[0]
        features = accept_features(ranked, item, self.events[eid])
        return eid, sigmoid(top), self.params.accept(features) >= self.params.threshold

    def _new_event(self, item: Item) -> EventState:
        eid = self.corrections.target(event_id(item.id))
        existing = self.events.get(eid)
        if existing is not None:
            return existing
        event = EventState(id=eid, title=item.title)
        self.events[eid] = event
        return event

    def _join(self, event: EventState, item: Item) -> None:
        event.members.append(item.id)
        self.event_of[item.id] = event.id
        event.centroid.add(item)
        if not event.closed:
            event.items.append(item)
        if len(event.members) in RETITLE_AT:
            self._retitle(event)
        event.newest = [*event.newest, (item.vector, item.lex)][-self.options.newest :]
        if item.published is not None:
            event.first = min(event.first or item.published, item.published)
            event.last = max(event.last or item.published, item.published)
        if item.when is not None:
            event.dates[item.when] += 1
        if item.weekday is not None:
            event.weekdays[item.weekday] += 1
        if item.language:
            event.languages.add(item.language)
        if item.source:
            event.sources.add(item.source)
        self.changed.add(event.id)
        self._dirty.add(event.id)
        if not event.closed:
            self.index.put(event.id, event.centroid)

    def _retitle(self, event: EventState) -> None:
        """Show the member title that says what the others say (:mod:`.headline`); a
        storyline is labelled by the headline of the event that founded it."""
        event.title = choose_headline(event.items, event.centroid.lex, self.stats) or event.title
        story = self.storylines.storylines.get(self.storylines.resolve(event.storyline or ""))
        if story is not None and story.events and story.events[0] == event.id:
            story.label = event.title
            self.storylines.changed.add(story.id)

    def _close_quiet(self) -> None:
        now = self._now
        quiet = self.options.quiet_days
        closing = []
        if now is not None:
            limit = now.timestamp() - quiet * 86400
            closing = [e for e in self.index.ids if _stamp(self.events[e].last) < limit]
            closing = [e for e in closing if self.events[e].last is not None]
        excess = len(self.index) - len(closing) - self.options.max_open
        if excess > 0:
            shut = set(closing)
            rest = [e for e in self.index.ids if e not in shut]
            rest.sort(key=lambda e: (_stamp(self.events[e].last), e))
            closing.extend(rest[:excess])
        for eid in sorted(closing):
            self.events[eid].closed = True
            self.events[eid].items = []
            self.events[eid].newest = []
            self.events[eid].centroid.compact()
            self.index.remove(eid)
            self.changed.add(eid)
        if closing:
            self.storylines.tick(now)

    # -- merges and corrections -------------------------------------------------------

    def pair_score(
        self, a: EventState, b: EventState, background: tuple[float, float] | None = None
    ) -> float:
        """Event-to-event probability: the article model applied centroid to centroid
        (``background``: that of ``a``'s centroid among the open events)."""
        p = self.params
        ua, ub = a.centroid.unit_dense(), b.centroid.unit_dense()
        dense = (
            float(np.clip(np.dot(ua, ub), 0.0, 1.0)) if ua is not None and ub is not None else 0.0
        )
        lex = sparse_cosine(
            {k: v / a.centroid.lex_norm for k, v in a.centroid.lex.items()}
            if a.centroid.lex_norm
            else {},
            b.centroid.lex,
            b.centroid.lex_norm,
        )
        names = sparse_cosine(
            {k: v / a.centroid.names_norm for k, v in a.centroid.names.items()}
            if a.centroid.names_norm
            else {},
            b.centroid.names,
            b.centroid.names_norm,
        )
        cross = not (a.languages & b.languages)
        features = {
            "dense_cross": dense if cross else 0.0,
            "dense_standing": standing(dense, background),
            "dense_centroid": dense,
            "dense_newest": dense,
            "lex_centroid": lex,
            "lex_newest": lex,
            "names": names,
        }
        z = p.bias + sum(w * features[k] for k, w in p.weights.items())
        gap = _gap_days(a.last, b.last)
        if gap is None:
            gap = weekday_gap(usual_weekday(a.weekdays), b.weekdays)
        return sigmoid(z - self._time_penalty(gap))

    def merge_pass(self) -> list[Merge]:
        """Merge open events that turned out to be one; returns (and records) the merges."""
        self._since_merge = 0
        done: list[Merge] = []
        dirty, self._dirty = self._dirty, set()
        for eid in sorted(dirty):
            event = self.events.get(eid)
            if event is None or event.closed or eid not in self.index:
                continue
            best: tuple[float, str] | None = None
            near, background = self.index.search(
                event.centroid.unit_dense(), self.options.candidates + 1
            )
            for other, _ in near:
                if other == eid or self._forbidden(eid, other):
                    continue
                p = self.pair_score(event, self.events[other], background)
                if p >= self.params.merge_threshold and (best is None or p > best[0]):
                    best = (p, other)
            if best is not None:
                small, big = sorted((eid, best[1]), key=lambda e: (len(self.events[e].members), e))
                done.append(self.merge(small, big, score=best[0]))
        done.extend(self._second_chance(sorted(dirty)))
        story_merges = self.storylines.merge_pass()
        self.merges.extend(story_merges)
        return done + story_merges

    def _second_chance(self, fresh: list[str]) -> list[Merge]:
        """Offer events founded by one article since the last pass to the events that grew
        meanwhile: the article is ranked and accepted again as if it arrived now (its event
        left out), at the stricter :attr:`EventParams.second_chance` threshold."""
        done = []
        for eid in fresh:
            event = self.events.get(eid)
            if event is None or event.closed or len(event.members) != 1 or not event.items:
                continue
            item = event.items[0]
            ranked = [
                (z, other)
                for z, other in self.ranked(item)
                if other != eid and not self._forbidden(eid, other)
            ]
            if not ranked:
                continue
            best = self.events[ranked[0][1]]
            features = accept_features(ranked, item, best)
            p = self.params.accept(features)
            if p >= self.params.second_chance:
                done.append(self.merge(eid, best.id, score=p, reason="second chance"))
        return done

    def _forbidden(self, a: str, b: str) -> bool:
        for article, banned in self.corrections.split.items():
            mine = self.event_of.get(article)
            banned = self.corrections.target(banned)
            if {mine, banned} == {a, b}:
                return True
        return False

    def merge(
        self, source: str, target: str, *, score: float = 1.0, reason: str = "merge pass"
    ) -> Merge:
        """Move every article of ``source`` into ``target`` and record it."""
        src, dst = self.events[source], self.events[target]
        self.index.remove(source)
        for aid in src.members:
            self.event_of[aid] = target
        dst.members.extend(src.members)
        dst.centroid.absorb(src.centroid)
        dst.newest = (dst.newest + src.newest)[-self.options.newest :]
        dst.dates.update(src.dates)
        dst.weekdays.update(src.weekdays)
        dst.languages |= src.languages
        dst.sources |= src.sources
        for moment in (src.first, src.last):
            if moment is not None:
                dst.first = min(dst.first or moment, moment)
                dst.last = max(dst.last or moment, moment)
        dst.items.extend(src.items)
        self._retitle(dst)
        self.storylines.detach(src.storyline, source)
        src.members = []
        src.items = []
        src.closed = True
        self.corrections.redirect.setdefault(source, target)
        if not dst.closed:
            self.index.put(dst.id, dst.centroid)
        self.changed.update((source, target))
        record = Merge(source, target, round(score, 4), "event", reason)
        self.merges.append(record)
        return record

    def merge_events(self, source: str, target: str) -> Merge:
        """A user merge: ``source`` joins ``target`` and stays merged from now on."""
        for eid in (source, target):
            if eid not in self.events:
                raise KeyError(eid)
        self.corrections.redirect[source] = target
        return self.merge(source, target, reason="user")

    def split_article(self, article_id: str) -> str:
        """A user split: the article leaves its event for a new one of its own (returned)."""
        old = self.events[self.event_of[article_id]]
        self.corrections.split[article_id] = old.id
        keep = [i for i in old.items if i.id != article_id]
        moved = next((i for i in old.items if i.id == article_id), None)
        old.members = [m for m in old.members if m != article_id]
        old.items = []
        old.centroid = Centroid()
        old.newest = []
        old.dates = Counter()
        old.weekdays = Counter()
        for item in keep:
            old.centroid.add(item)
            old.items.append(item)
            old.newest = [*old.newest, (item.vector, item.lex)][-self.options.newest :]
            if item.when is not None:
                old.dates[item.when] += 1
            if item.weekday is not None:
                old.weekdays[item.weekday] += 1
        if not old.closed and old.members:
            self.index.put(old.id, old.centroid)
            self._retitle(old)
        new_id = event_id(article_id)
        self.corrections.redirect.pop(new_id, None)
        event = EventState(id=new_id, title=moved.title if moved else old.title)
        self.events[new_id] = event
        del self.event_of[article_id]
        if moved is not None:
            self._join(event, moved)
        else:
            event.members.append(article_id)
            self.event_of[article_id] = new_id
        event.storyline = old.storyline
        if old.storyline:
            self.storylines.storylines[self.storylines.resolve(old.storyline)].events.append(new_id)
        self.changed.update((old.id, new_id))
        return new_id

    def move_event(self, eid: str, storyline: str) -> None:
        """A user move: the event belongs to ``storyline`` (created if new) from now on."""
        event = self.events[eid]
        self.corrections.storyline_of[eid] = storyline
        self.storylines.move(eid, event.storyline, storyline, event.title)
        event.storyline = self.storylines.resolve(storyline)
        self.changed.add(eid)

    def restore(self, item: Item, eid: str, storyline: str | None) -> None:
        """Re-add an article already clustered (from a store), keeping its assignment.

        This is how a service resumes: the open window is replayed with the stored
        decisions, so nothing moves, and new articles then compare with it as before.
        """
        if item.published is not None and (self._now is None or item.published > self._now):
            self._now = item.published
        event = self.events.get(eid)
        if event is None:
            event = EventState(id=eid, title=item.title)
            self.events[eid] = event
            event.storyline = storyline
            if storyline:
                story = self.storylines.storylines.get(storyline)
                if story is None:
                    story = StorylineState(id=storyline, label=item.title)
                    self.storylines.storylines[storyline] = story
                story.events.append(eid)
        self._join(event, item)
        self.storylines.update(event.storyline, item)
        self.changed.discard(eid)
        self.storylines.changed.discard(event.storyline or "")

    def iter_assignments(self) -> Iterator[tuple[str, str, str]]:
        """(article, event, storyline) for every article clustered so far."""
        for aid, eid in self.event_of.items():
            yield aid, eid, self.storylines.resolve(self.events[eid].storyline or "")
