"""Event headlines: the member title that says what the other reports say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from storyline.embed.lexical import CorpusStats, bm25_vector, cosine, terms
from storyline.eval.headlines import rouge1
from storyline.link.events import EventClusterer
from storyline.link.headline import choose_headline, headline_scores
from storyline.link.signals import Centroid, Item, make_item
from storyline.model import Article

T0 = datetime(2004, 12, 13, 9, tzinfo=UTC)

LAUNCH = (
    "The first Delta 4 Heavy rocket is poised for its maiden launch from Cape Canaveral. "
    "Boeing's heavy lift rocket carries a demonstration satellite; the launch of the Delta 4 "
    "Heavy was delayed twice by weather and a faulty sensor."
)
LAUNCH_2 = (
    "Boeing will try again on Tuesday to launch the Delta 4 Heavy rocket from Cape Canaveral "
    "after a faulty sensor stopped the countdown of the maiden launch."
)
SITE = (
    "Subscribe to our newsletter. Weather, traffic and sports. Boeing prepares the Delta 4 "
    "Heavy rocket for a maiden launch at Cape Canaveral after a faulty sensor."
)
OTHER = [
    "The parliament of Ukraine voted for the election reform after weeks of protests in Kyiv.",
    "Shares in Tokyo closed higher as exporters gained on a weaker yen and strong orders.",
    "The health ministry reported a rise in influenza cases across the northern provinces.",
]
REAL = {"Delta 4 Heavy rocket poised for maiden launch", "Boeing to try Delta 4 Heavy launch again"}


def _items(titles_texts: list[tuple[str, str]]) -> tuple[list[Item], Centroid, CorpusStats]:
    stats = CorpusStats()
    articles = [
        Article(id=f"a{i}", title=title, text=text) for i, (title, text) in enumerate(titles_texts)
    ]
    for i, text in enumerate(OTHER):  # document frequencies from unrelated news as well
        make_item(Article(id=f"o{i}", title="", text=text), None, stats, learn=stats)
    for article in articles:
        make_item(article, None, stats, learn=stats)
    items = [make_item(a, None, stats) for a in articles]
    centroid = Centroid()
    for item in items:
        centroid.add(item)
    return items, centroid, stats


def test_a_site_name_loses_to_the_headline_the_other_reports_support() -> None:
    items, centroid, stats = _items(
        [
            ("The Japan Times Online", SITE),
            ("Delta 4 Heavy rocket poised for maiden launch", LAUNCH),
            ("Boeing to try Delta 4 Heavy launch again", LAUNCH_2),
        ]
    )
    assert choose_headline(items, centroid.lex, stats) in REAL
    scores = headline_scores(items, centroid.lex, stats)
    assert scores[0] < min(scores[1:])


def test_a_member_does_not_vote_for_its_own_title() -> None:
    # The score is the title's cosine with the centroid *without* the member, plus its
    # cosine with the member's own text; checked against the plain computation.
    items, centroid, stats = _items(
        [
            ("Delta 4 Heavy rocket poised for maiden launch", LAUNCH),
            ("Boeing to try Delta 4 Heavy launch again", LAUNCH_2),
            ("The Japan Times Online", SITE),
        ]
    )
    scores = headline_scores(items, centroid.lex, stats)
    for item, score in zip(items, scores, strict=True):
        title = bm25_vector(terms(item.title), stats)
        rest = {t: w - item.lex.get(t, 0.0) for t, w in centroid.lex.items()}
        expected = cosine(title, rest) + cosine(title, item.lex)
        assert score == pytest.approx(expected, abs=1e-6)
    # Alone, a member has nobody to vote for it: only its own text counts.
    alone, c1, s1 = _items([("Delta 4 Heavy rocket poised for maiden launch", LAUNCH)])
    title = bm25_vector(terms(alone[0].title), s1)
    assert headline_scores(alone, c1.lex, s1)[0] == pytest.approx(cosine(title, alone[0].lex))


def test_ties_keep_the_earliest_and_untitled_members_are_skipped() -> None:
    items, centroid, stats = _items([("", LAUNCH), ("Same", LAUNCH_2), ("Same", LAUNCH_2)])
    assert choose_headline(items, centroid.lex, stats) == "Same"
    empty, c2, s2 = _items([("", LAUNCH)])
    assert choose_headline(empty, c2.lex, s2) is None


def test_events_show_the_chosen_headline_and_storylines_follow() -> None:
    c = EventClusterer()
    vector = np.zeros(8, dtype=np.float32)
    vector[0] = 1.0
    stream = [
        ("a", "The Japan Times Online", SITE),
        ("b", "Delta 4 Heavy rocket poised for maiden launch", LAUNCH),
        ("c", "Boeing to try Delta 4 Heavy launch again", LAUNCH_2),
    ]
    placed = []
    for i, (aid, title, text) in enumerate(stream):
        article = Article(
            id=aid, title=title, text=text, language="en", published=T0 + timedelta(hours=i)
        )
        placed.append(c.add(article, vector))
    assert len({p.event_id for p in placed}) == 1, "the three reports are one event"
    event = c.events[placed[0].event_id]
    assert event.members[0] == "a"  # founded by the site-named page ...
    assert event.title in REAL  # ... but not titled by it
    story = c.storylines.storylines[c.storylines.resolve(event.storyline or "")]
    assert story.label == event.title


def test_rouge1_counts_content_words() -> None:
    assert rouge1("Delta 4 Heavy rocket launch", "Delta Heavy rocket poised for launch") > 0.7
    assert rouge1("The Japan Times Online", "Delta Heavy rocket poised for launch") == 0.0
    assert rouge1("", "anything") == 0.0
