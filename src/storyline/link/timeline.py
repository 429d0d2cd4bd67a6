"""A storyline's timeline: one line per event, its date and its most representative sentence.

Nothing is generated. Each event contributes its date (:mod:`storyline.link.eventdate`:
the date most of its articles resolve to) and one sentence taken from its articles: the
lead sentence closest to the event's term centroid, i.e. the sentence that says what most
of the reports say (the centroid-based sentence selection of Radev et al. 2004, "Centroid-
based summarization of multiple documents", applied per event). Only the first sentences
of each article are considered, since news puts the event in the lead.

When a timeline must be short (the Timeline17 evaluation gives the number of dates, as is
usual in timeline summarisation; Martschat & Markert 2018), the biggest events are kept:
an event many sources reported is more likely a milestone of the story.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from storyline.embed.lexical import TermStatistics, bm25_vector, terms
from storyline.link.signals import Centroid, sparse_cosine

__all__ = ["EventView", "TimelineEntry", "representative_sentence", "sentences", "timeline"]

#: Sentences read from the start of each article.
LEAD_SENTENCES = 4
MIN_WORDS = 6
MAX_WORDS = 60

_SENTENCE_END = re.compile(r"(?<=[.!?»”\"])\s+(?=[«“\"A-ZÀ-ÖØ-Þ0-9])|\n+")


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of a timeline."""

    date: date | None
    event_id: str
    title: str
    sentence: str
    articles: int


def sentences(text: str, limit: int = LEAD_SENTENCES) -> list[str]:
    """The first ``limit`` sentences of ``text`` of a readable length."""
    out = []
    for part in _SENTENCE_END.split(text[:4000]):
        sentence = " ".join(part.split())
        words = len(sentence.split())
        if MIN_WORDS <= words <= MAX_WORDS:
            out.append(sentence)
        if len(out) >= limit:
            break
    return out


def representative_sentence(texts: Iterable[str], centroid: Centroid, stats: TermStatistics) -> str:
    """The lead sentence of ``texts`` nearest the centroid's terms (earliest on ties)."""
    best: tuple[float, int, str] | None = None
    order = 0
    for text in texts:
        for position, sentence in enumerate(sentences(text)):
            vector = bm25_vector(terms(sentence), stats)
            norm = sum(w * w for w in vector.values()) ** 0.5
            unit = {k: v / norm for k, v in vector.items()} if norm else {}
            # A small lead bonus: the first sentence usually states the event.
            score = sparse_cosine(unit, centroid.lex, centroid.lex_norm) * (1.0 - 0.05 * position)
            if best is None or score > best[0]:
                best = (score, order, sentence)
            order += 1
    return best[2] if best else ""


class EventView(Protocol):
    """What a timeline needs of one event (:class:`~storyline.link.events.EventState` has it)."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def when(self) -> date | None: ...

    @property
    def members(self) -> Sequence[str]: ...

    @property
    def centroid(self) -> Centroid: ...


def timeline(
    events: Iterable[EventView],
    text_of: Callable[[str], str | None] | Mapping[str, str],
    stats: TermStatistics,
    *,
    limit: int | None = None,
    read: int = 5,
) -> list[TimelineEntry]:
    """The timeline of some events in date order; ``limit`` keeps the biggest events.

    ``text_of`` gives an article's text by id (a mapping or a function); at most ``read``
    articles of each event are read for its sentence.
    """
    chosen = list(events)
    if limit is not None:
        chosen.sort(key=lambda e: (-len(e.members), e.when or date.max, e.id))
        chosen = chosen[:limit]
    lookup = text_of.get if isinstance(text_of, Mapping) else text_of
    out = []
    for event in chosen:
        texts = [t for t in (lookup(a) for a in list(event.members)[:read]) if t]
        out.append(
            TimelineEntry(
                date=event.when,
                event_id=event.id,
                title=event.title,
                sentence=representative_sentence(texts, event.centroid, stats),
                articles=len(event.members),
            )
        )
    out.sort(key=lambda e: (e.date or date.max, e.event_id))
    return out
