"""Event clustering: scoring, stability, closing, merges, corrections, determinism.

Vectors here are small hand-made unit vectors (the clusterer takes any dimension), so the
tests run without the embedding model; the real model is exercised by the integration
tests and the evaluation gates.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from storyline.errors import ConfigError
from storyline.eval.events import bcubed, date_prf, tfidf_single_pass
from storyline.link.eventdate import anchor_date, event_date, event_weekday, resolve
from storyline.link.events import (
    EVENT_FEATURES,
    EventClusterer,
    EventOptions,
    EventParams,
    load_event_params,
)
from storyline.model import Article

T0 = datetime(2024, 8, 21, 12, tzinfo=UTC)

QUAKE = (
    "A magnitude 7.1 earthquake struck off the coast of Hyuga in Miyazaki prefecture, "
    "the Japan Meteorological Agency said, issuing a tsunami advisory for Kyushu."
)
CALL = "President Biden and Prime Minister Netanyahu discussed the Gaza ceasefire deal."
VOTE = (
    "Lawmakers in Brussels approved the farm subsidy reform after a long night of talks, "
    "with the agriculture commissioner Wojciechowski praising the compromise."
)


def vec(*values: float) -> np.ndarray:
    v = np.zeros(8, dtype=np.float32)
    v[: len(values)] = values
    return (v / np.linalg.norm(v)).astype(np.float32)


def art(aid: str, text: str, hours: float = 0.0, lang: str = "en") -> Article:
    return Article(
        id=aid,
        title=text.split(",")[0],
        text=text,
        language=lang,
        published=T0 + timedelta(hours=hours),
    )


def test_shipped_params_load_and_name_known_signals() -> None:
    params = load_event_params()
    assert set(params.weights) <= set(EVENT_FEATURES)
    assert 0.0 < params.threshold < 1.0
    with pytest.raises(ConfigError, match="events_fit"):
        EventParams.from_json({"bias": 0, "weights": {"nonsense": 1}})


def test_same_story_joins_and_other_story_starts_an_event() -> None:
    c = EventClusterer()
    a = c.add(art("a", QUAKE), vec(1, 0.1))
    b = c.add(
        art("b", QUAKE.replace("struck", "hit") + " No damage."),
        vec(1, 0.12),
    )
    other = c.add(art("c", VOTE, hours=1), vec(0, 0, 1))
    assert a.new_event and not b.new_event and a.event_id == b.event_id
    assert other.new_event and other.event_id != a.event_id
    assert other.storyline_id != a.storyline_id


def test_decisions_are_stable_and_deterministic() -> None:
    stream = [
        (art("a", QUAKE), vec(1, 0.1)),
        (art("b", VOTE, 1), vec(0, 0, 1)),
        (art("c", QUAKE + " Aftershocks followed.", 2), vec(1, 0.2)),
        (art("d", VOTE + " Farmers protested.", 3), vec(0, 0.1, 1)),
    ]

    def run() -> list[tuple[str, str, str]]:
        c = EventClusterer()
        for article, vector in stream:
            c.add(article, vector)
        return sorted(c.iter_assignments())

    first = run()
    assert first == run()
    # Adding an article again never moves it.
    c = EventClusterer()
    placed = c.add(*stream[0])
    again = c.add(*stream[0])
    assert again.event_id == placed.event_id and len(c.events[placed.event_id].members) == 1


def test_quiet_events_close_and_take_no_new_articles() -> None:
    c = EventClusterer(options=EventOptions(quiet_days=1.0))
    first = c.add(art("a", QUAKE), vec(1))
    c.add(art("b", VOTE, hours=72), vec(0, 1))
    assert c.events[first.event_id].closed
    late = c.add(art("c", QUAKE, hours=73), vec(1))
    assert late.new_event and late.event_id != first.event_id


def test_time_gap_lowers_the_score() -> None:
    c = EventClusterer()
    c.add(art("a", QUAKE), vec(1))
    event = next(iter(c.events.values()))
    near = c.score(c.item(art("b", QUAKE, hours=2), vec(1)), event)
    far = c.score(c.item(art("c", QUAKE, hours=24 * 20), vec(1)), event)
    assert far < near


def test_merge_pass_joins_events_and_records_it() -> None:
    params = replace(load_event_params(), threshold=1.01, merge_threshold=0.5)
    c = EventClusterer(params, EventOptions(merge_every=0))
    a = c.add(art("a", QUAKE), vec(1))
    b = c.add(art("b", QUAKE, hours=1), vec(1))
    assert a.event_id != b.event_id  # the threshold kept them apart
    merges = c.merge_pass()
    assert len(merges) == 1 and merges[0].reason == "merge pass"
    assert {m.source for m in merges} | {m.target for m in merges} == {a.event_id, b.event_id}
    assert len({e for _, e, _ in c.iter_assignments()}) == 1


def test_second_chance_joins_a_lone_article_to_the_event_that_grew() -> None:
    # Nothing joins on arrival and centroids never merge: only the second chance can.
    strict = replace(load_event_params(), threshold=1.01, merge_threshold=1.01)
    for chance, expected in ((0.5, 1), (1.01, 2)):
        c = EventClusterer(replace(strict, second_chance=chance), EventOptions(merge_every=0))
        c.add(art("a", QUAKE), vec(1))
        c.add(art("v", VOTE, hours=1), vec(0, 1))
        c.add(art("b", QUAKE, hours=2), vec(1))
        merges = c.merge_pass()
        assert len({c.event_of["a"], c.event_of["b"]}) == expected
        assert c.event_of["v"] not in {c.event_of["a"], c.event_of["b"]}
        assert [m.reason for m in merges if m.kind == "event"] == ["second chance"] * (2 - expected)


def test_user_corrections_are_obeyed_afterwards() -> None:
    c = EventClusterer()
    a = c.add(art("a", QUAKE), vec(1))
    b = c.add(art("b", QUAKE, hours=1), vec(1))
    assert a.event_id == b.event_id
    new = c.split_article("b")
    assert c.event_of["b"] == new != a.event_id
    # The merge pass must not undo the split.
    c.params = replace(c.params, merge_threshold=0.01)
    c.merge_pass()
    assert c.event_of["b"] != c.event_of["a"]
    # A user merge holds, and an event moved to a storyline stays there.
    other = c.add(art("v", VOTE, hours=2), vec(0, 1))
    c.merge_events(other.event_id, a.event_id)
    assert c.event_of["v"] == a.event_id
    c.move_event(a.event_id, "s-mine")
    assert c.storylines.resolve(c.events[a.event_id].storyline or "") == "s-mine"


def test_split_is_respected_when_clustering_again() -> None:
    from storyline.link.events import Corrections

    corrections = Corrections(split={"b": "whatever"})
    c = EventClusterer(corrections=corrections)
    a = c.add(art("a", QUAKE), vec(1))
    b = c.add(art("b", QUAKE, hours=1), vec(1))
    assert a.event_id != b.event_id


def test_event_dates_resolve_relative_expressions() -> None:
    published = datetime(2024, 8, 22, 9, tzinfo=UTC)  # a Thursday
    article = Article(
        id="x",
        title="Biden and Netanyahu speak",
        text="President Joe Biden spoke with Benjamin Netanyahu on Wednesday about the deal.",
        published=published,
    )
    assert str(event_date(article)) == "2024-08-21"
    assert str(resolve("Thursday's call went well", published.date())) == "2024-08-22"
    assert event_date(Article(id="y", title="t", text="No date here.")) is None


def test_event_dates_without_a_publication_date_come_from_the_text() -> None:
    def undated(text: str) -> Article:
        return Article(id="u", title="Talks", text=text)

    dateline = undated("WASHINGTON, July 3 (Reuters) - Biden spoke on Wednesday. © 2024 Reuters")
    assert anchor_date(dateline.text) == date(2024, 7, 3)
    assert event_date(dateline) == date(2024, 7, 3) and event_weekday(dateline) is None
    # "on Wednesday" resolved against a full date further down the text.
    later = undated("Biden called Netanyahu on Wednesday.\nPosted 23 August 2024 at 10:00.")
    assert event_date(later) == date(2024, 8, 21)
    # No date at all: only the weekday of the happening is known (a plan does not count).
    plain = undated("Biden will speak on Thursday. He spoke with Netanyahu on Wednesday.")
    assert event_date(plain) is None and event_weekday(plain) == 2
    assert event_weekday(undated("No day named here.")) is None
    dated = Article(id="d", title="Talks", text="They spoke on Wednesday.", published=T0)
    assert event_weekday(dated) is None and event_date(dated) == date(2024, 8, 21)


def test_different_weekdays_keep_undated_reports_apart() -> None:
    c = EventClusterer(options=EventOptions(merge_every=0))
    first = Article(id="a", title="Call", text=f"{CALL} They spoke on Wednesday.")
    c.add(first, vec(1, 0.2))
    eid = c.event_of["a"]

    def logit(day: str) -> float:
        other = Article(id=f"b{day}", title="Call", text=f"{CALL} They spoke on {day}.")
        return c.logit(c.item(other, vec(1, 0.2)), c.events[eid])

    gap = logit("Wednesday") - logit("Thursday")
    assert gap > 1.0  # the time prior for a different day, not a rounding difference
    dated = replace(first, id="c", published=T0)
    assert c.logit(c.item(dated, vec(1, 0.2)), c.events[eid]) > logit("Thursday")


def test_bcubed_and_date_f1() -> None:
    gold = {"a": "1", "b": "1", "c": "2"}
    assert bcubed({"a": "x", "b": "x", "c": "y"}, gold).f1 == pytest.approx(1.0)
    lumped = bcubed({"a": "x", "b": "x", "c": "x"}, gold)
    assert lumped.recall == pytest.approx(1.0) and lumped.precision == pytest.approx(5 / 9)
    with pytest.raises(ValueError):
        bcubed({"a": "x"}, gold)
    d = datetime(2024, 1, 1).date()
    assert date_prf([d, None], [d, d + timedelta(days=1)]).recall == pytest.approx(0.5)


def test_tfidf_baseline_groups_identical_texts() -> None:
    arts = [art("a", QUAKE), art("b", VOTE), art("c", QUAKE)]
    out = tfidf_single_pass(arts, 0.5)
    assert out["a"] == out["c"] != out["b"]
