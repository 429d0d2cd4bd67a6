"""Quality gates: event clustering (and event headlines) on WikinewsSum, storylines on
Timeline17.

Both run on the ``test`` halves, never used to choose parameters (the weights and
thresholds come from the ``dev`` halves, :mod:`storyline.eval.events_fit`). Floors sit just
under the measured figures (docs/events.md), and Storyline must stay ahead of the TF-IDF
single-pass baseline measured in the same run. Vectors are cached under ~/.cache/storyline,
so a re-run does not embed again (the first run embeds ~1,500 texts, about a minute).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.embed.e5 import E5Embedder
from storyline.eval.events import bcubed
from storyline.eval.events_cli import (
    BASELINE_EVENTS,
    BASELINE_STORYLINES,
    evaluate_events,
    evaluate_storylines,
)
from storyline.eval.events_data import (
    cached_vectors,
    half,
    load_t17,
    load_wikinewssum,
    source_labels,
    t17_path,
    wikinewssum_path,
)
from storyline.eval.events_fit import run_events
from storyline.eval.fit_similarity import default_cache_dir
from storyline.eval.headlines import evaluate_headlines

#: Measured B-cubed F1 on the test halves (docs/events.md), less a small margin.
EVENTS_FLOOR = 0.85
LINKABLE_FLOOR = 0.92
STORYLINES_FLOOR = 0.93
DATE_F1_FLOOR = 0.29


@pytest.mark.slow
def test_events_beat_the_floor_and_the_baseline(shared_data: Path) -> None:
    stream = load_wikinewssum(wikinewssum_path(shared_data))
    vectors = cached_vectors(
        [g.article for g in stream], E5Embedder(), default_cache_dir(), "wikinewssum"
    )
    result = evaluate_events(stream, vectors, parts=("test",))["test"]
    f1, baseline = result["storyline"]["f1"], result["baseline"]["f1"]
    assert result["articles"] > 150 and BASELINE_EVENTS > 0
    assert f1 >= EVENTS_FLOOR, f"WikinewsSum test B-cubed F1 {f1:.3f} < {EVENTS_FLOOR}"
    assert f1 > baseline + 0.03, f"not ahead of the TF-IDF baseline ({f1:.3f} vs {baseline:.3f})"
    # On the articles whose text reports (or relates to) their event: the figure the ≥ 0.90
    # target can be held to, since no clustering of texts reaches 0.90 on all of them.
    linkable, linkable_base = result["linkable"]["f1"], result["linkable baseline"]["f1"]
    assert linkable >= LINKABLE_FLOOR, f"linkable B-cubed F1 {linkable:.3f} < {LINKABLE_FLOOR}"
    assert linkable > linkable_base + 0.03, f"{linkable:.3f} vs baseline {linkable_base:.3f}"


def test_every_wikinewssum_source_is_labelled(shared_data: Path) -> None:
    labels = source_labels()
    sources = [
        g.article.id
        for g in load_wikinewssum(wikinewssum_path(shared_data))
        if not g.article.id.endswith("-report")
    ]
    assert sorted(sources) == sorted(labels), "labels and the data set disagree"
    assert set(labels.values()) == {"report", "related", "unrelated"}


@pytest.mark.slow
def test_storylines_beat_the_floor_and_the_baseline(shared_data: Path) -> None:
    t17 = load_t17(t17_path(shared_data))
    vectors = cached_vectors(
        [g.article for g in t17.articles], E5Embedder(), default_cache_dir(), "t17"
    )
    result = evaluate_storylines(t17.articles, t17.timelines, vectors, parts=("test",))["test"]
    f1, baseline = result["storyline"]["f1"], result["baseline"]["f1"]
    assert result["articles"] > 1000 and BASELINE_STORYLINES > 0
    assert f1 >= STORYLINES_FLOOR, f"T17 test B-cubed F1 {f1:.3f} < {STORYLINES_FLOOR}"
    assert f1 > baseline + 0.03, f"not ahead of the TF-IDF baseline ({f1:.3f} vs {baseline:.3f})"
    assert result["date f1"] >= DATE_F1_FLOOR


@pytest.mark.slow
def test_clustering_is_deterministic(shared_data: Path) -> None:
    stream = [
        g for g in load_wikinewssum(wikinewssum_path(shared_data)) if half(g.split_key) == "dev"
    ]
    vectors = cached_vectors(
        [g.article for g in stream], E5Embedder(), default_cache_dir(), "wikinewssum"
    )
    first = sorted(run_events(stream, vectors).iter_assignments())
    second = sorted(run_events(stream, vectors).iter_assignments())
    assert first == second
    gold = {g.article.id: g.gold for g in stream}
    assert bcubed({a: e for a, e, _ in first}, gold).f1 > 0.5


#: Measured ROUGE-1 F1 of chosen event headlines against the Wikinews editors' (0.216;
#: the founder's title gets 0.177), less a small margin.
HEADLINES_FLOOR = 0.20


def test_event_headlines_beat_the_floor_and_the_founders_title(shared_data: Path) -> None:
    scores = evaluate_headlines(load_wikinewssum(wikinewssum_path(shared_data)))
    assert scores.events >= 50
    assert scores.chosen >= HEADLINES_FLOOR, f"headline ROUGE-1 {scores.chosen:.3f}"
    assert scores.chosen > scores.founder + 0.02, (
        f"not ahead of the founder's title ({scores.chosen:.3f} vs {scores.founder:.3f})"
    )
