"""Storylines and timelines: linking events by names and topic, merges, pins, sentences."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np

from storyline.embed.lexical import CorpusStats, terms
from storyline.link.events import EventClusterer
from storyline.link.signals import Centroid, make_item
from storyline.link.storylines import StorylineLinker, StorylineOptions
from storyline.link.timeline import representative_sentence, sentences, timeline
from storyline.model import Article

T0 = datetime(2024, 7, 5, 9, tzinfo=UTC)

CALL_JULY = (
    "President Joe Biden and Israeli Prime Minister Benjamin Netanyahu spoke on Thursday "
    "about the Hamas response to the ceasefire proposal for Gaza. Qatar and Egypt mediate."
)
CALL_AUGUST = (
    "Biden spoke with Netanyahu on Wednesday about the Gaza ceasefire and hostage deal, "
    "as Blinken said Hamas must accept the bridging proposal from Qatar and Egypt."
)
FLOODS = (
    "Heavy rain flooded the Emilia-Romagna region, and the mayor of Bologna ordered "
    "schools closed while rescuers in Faenza evacuated families from the river banks."
)


def vec(*values: float) -> np.ndarray:
    v = np.zeros(8, dtype=np.float32)
    v[: len(values)] = values
    return (v / np.linalg.norm(v)).astype(np.float32)


def art(aid: str, text: str, days: float) -> Article:
    return Article(
        id=aid, title=text.split(".")[0][:60], text=text, published=T0 + timedelta(days=days)
    )


def test_two_calls_weeks_apart_are_two_events_of_one_storyline() -> None:
    c = EventClusterer()
    july = c.add(art("july", CALL_JULY, 0), vec(1, 0.3))
    c.add(art("floods", FLOODS, 20), vec(0, 0, 1))
    august = c.add(art("august", CALL_AUGUST, 48), vec(1, 0.25))
    assert july.event_id != august.event_id
    assert august.storyline_id == july.storyline_id
    floods = c.events[c.event_of["floods"]]
    assert floods.storyline != july.storyline_id
    assert c.events[july.event_id].when == date(2024, 7, 4)  # "on Thursday" before 5 July
    keys = c.storylines.key_entities(july.storyline_id)
    assert "Netanyahu" in keys and "Biden" in keys


def test_storyline_merge_pass_joins_and_records_but_spares_pinned() -> None:
    stats = CorpusStats()
    for text in (CALL_JULY, CALL_AUGUST, FLOODS):
        stats.add(terms(text))
    options = StorylineOptions(threshold=2.0, merge_threshold=0.3)  # never link on arrival
    linker = StorylineLinker(options)
    a = linker.assign("e1", make_item(art("a", CALL_JULY, 0), vec(1), stats))
    b = linker.assign("e2", make_item(art("b", CALL_AUGUST, 1), vec(1), stats))
    assert a != b
    merges = linker.merge_pass()
    assert [(m.kind, m.reason) for m in merges] == [("storyline", "merge pass")]
    assert linker.resolve(a) == linker.resolve(b)

    pinned = StorylineLinker(options, pinned={"e1": "mine"})
    first = pinned.assign("e1", make_item(art("a", CALL_JULY, 0), vec(1), stats))
    pinned.assign("e2", make_item(art("b", CALL_AUGUST, 1), vec(1), stats))
    assert first == "mine" and pinned.merge_pass() == []


def test_representative_sentence_and_timeline_order() -> None:
    stats = CorpusStats()
    texts = [CALL_JULY, CALL_AUGUST, FLOODS]
    for text in texts:
        stats.add(terms(text))
    centroid = Centroid()
    centroid.add(make_item(art("x", CALL_AUGUST, 0), None, stats))
    best = representative_sentence([FLOODS, CALL_AUGUST], centroid, stats)
    assert best.startswith("Biden spoke with Netanyahu")
    assert sentences("Short. " + CALL_JULY)[0].startswith("President Joe Biden")

    c = EventClusterer()
    c.add(art("august", CALL_AUGUST, 48), vec(1))
    c.add(art("july", CALL_JULY, 0), vec(1, 0.2))
    texts_by_id = {"july": CALL_JULY, "august": CALL_AUGUST}
    entries = timeline(list(c.events.values()), texts_by_id, c.stats)
    assert [e.date for e in entries] == sorted(e.date for e in entries)
    assert all(e.sentence for e in entries)
    assert len(timeline(list(c.events.values()), texts_by_id, c.stats, limit=1)) == 1
