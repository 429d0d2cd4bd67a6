"""Fit the article-to-event model and choose the thresholds, on ``dev`` halves only.

``python -m storyline.eval.events_fit [--data DIR]`` writes
``src/storyline/link/events_params.json``:

1. **Weights** (logistic regression, L2-regularised, Newton's method): the ``dev`` half of
   WikinewsSum is streamed in order with the *gold* clustering as the state, and every
   article is scored against its candidate events (the same dense + lexical candidate
   generation as the clusterer, plus its gold event): one positive example for the gold
   event, negatives for the others. This is the supervised set-up of Miranda et al. (2018),
   who fit their article-cluster similarity on labelled streams the same way.
2. **The join-or-start model** (Miranda et al. 2018 keep it apart from the ranking model):
   under the same gold state, one example per article with a candidate, positive when its
   best-ranked candidate is its gold event, over how good the best is, its margin over the
   runner-up and how far it stands out from all open events (:func:`accept_examples`).
3. **The new-event threshold**, **the merge threshold** and **the second-chance
   threshold**: the values that give the best B-cubed F1 when the real clusterer runs over
   the WikinewsSum ``dev`` half.
4. **The storyline threshold**: the best B-cubed F1 of storylines on the Timeline17
   ``dev`` half (printed; it is the default of :class:`StorylineOptions`).

The ``test`` halves are never read here; the gates in tests/integration pin them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from storyline.embed.base import FloatVector
from storyline.embed.e5 import E5Embedder
from storyline.eval.events import bcubed
from storyline.eval.events_data import (
    GoldArticle,
    cached_vectors,
    half,
    load_t17,
    load_wikinewssum,
    t17_path,
    wikinewssum_path,
)
from storyline.eval.fit_similarity import default_cache_dir
from storyline.link.events import (
    ACCEPT_FEATURES,
    EVENT_FEATURES,
    PARAMS_FILE,
    EventClusterer,
    EventOptions,
    EventParams,
    accept_features,
    event_features,
)
from storyline.link.storylines import StorylineOptions

__all__ = ["accept_examples", "examples", "fit_logistic", "main", "run_events", "run_storylines"]

#: Thresholds on the accept model's probability (the join-or-start decision).
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(4, 16))
MERGE_THRESHOLDS = (0.8, 0.9, 0.95, 1.01)
#: Second-chance thresholds, strictest (off) first so that ties keep the stricter one.
SECOND_CHANCES = (1.01, 0.9, 0.8, 0.6)
STORY_THRESHOLDS = tuple(round(0.02 * i, 2) for i in range(4, 12))
STORY_MERGE_THRESHOLDS = (0.3, 0.5, 9.0)


def examples(
    stream: Sequence[GoldArticle], vectors: dict[str, FloatVector]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Feature rows and 0/1 labels of (article, candidate event) pairs under gold state."""
    clusterer = EventClusterer(options=EventOptions(merge_every=0))
    rows, labels = [], []
    for gold in stream:
        item = clusterer.item(gold.article, vectors.get(gold.article.id))
        target = f"gold:{gold.gold}"
        cands = set(clusterer.candidates(item))
        if target in clusterer.events:
            cands.add(target)
        for eid in sorted(cands):
            feats = event_features(item, clusterer.events[eid])
            rows.append([feats[k] for k in EVENT_FEATURES])
            labels.append(1.0 if eid == target else 0.0)
        clusterer.restore(item, target, None)
    return np.array(rows, dtype=np.float64), np.array(labels, dtype=np.float64)


def accept_examples(
    stream: Sequence[GoldArticle], vectors: dict[str, FloatVector], params: EventParams
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Rows of :data:`ACCEPT_FEATURES` and labels of the join-or-start decision.

    Streamed under the gold state like :func:`examples`: for every article with a
    candidate, label 1 when its best-ranked candidate is its gold event (joining is right)
    and 0 otherwise (its event is new, or the best candidate is the wrong one).
    """
    clusterer = EventClusterer(params, EventOptions(merge_every=0))
    rows, labels = [], []
    for gold in stream:
        item = clusterer.item(gold.article, vectors.get(gold.article.id))
        target = f"gold:{gold.gold}"
        ranked = clusterer.ranked(item)
        if ranked:
            best = clusterer.events[ranked[0][1]]
            feats = accept_features(ranked, item, best)
            rows.append([feats[k] for k in ACCEPT_FEATURES])
            labels.append(1.0 if ranked[0][1] == target else 0.0)
        clusterer.restore(item, target, None)
    return np.array(rows, dtype=np.float64), np.array(labels, dtype=np.float64)


def fit_logistic(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], l2: float = 1.0, steps: int = 50
) -> tuple[float, npt.NDArray[np.float64]]:
    """(bias, weights) of an L2-regularised logistic regression, by Newton's method."""
    design = np.hstack([np.ones((len(x), 1)), x])
    beta = np.zeros(design.shape[1])
    penalty = np.eye(design.shape[1]) * l2
    penalty[0, 0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -30, 30)))
        gradient = design.T @ (p - y) + penalty @ beta
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return float(beta[0]), beta[1:]


def run_events(
    stream: Sequence[GoldArticle],
    vectors: dict[str, FloatVector],
    params: EventParams | None = None,
    options: EventOptions | None = None,
    storylines: StorylineOptions | None = None,
) -> EventClusterer:
    """Stream the articles through a fresh clusterer (what the evaluations measure)."""
    clusterer = EventClusterer(params, options, storylines=storylines)
    for gold in stream:
        clusterer.add(gold.article, vectors.get(gold.article.id))
    clusterer.merge_pass()
    return clusterer


def run_storylines(clusterer: EventClusterer) -> dict[str, str]:
    """Article id → storyline id of a finished run."""
    return {a: s for a, _, s in clusterer.iter_assignments()}


def _events(clusterer: EventClusterer) -> dict[str, str]:
    return {a: e for a, e, _ in clusterer.iter_assignments()}


def main(data_dir: Path | None = None) -> EventParams:
    from storyline.eval.extraction import default_data_dir

    data = data_dir or default_data_dir()
    embedder = E5Embedder()
    wiki = load_wikinewssum(wikinewssum_path(data))
    vectors = cached_vectors(
        [g.article for g in wiki], embedder, default_cache_dir(), "wikinewssum"
    )
    dev = [g for g in wiki if half(g.split_key) == "dev"]
    x, y = examples(dev, vectors)
    bias, weights = fit_logistic(x, y)
    params = EventParams(
        bias=bias,
        weights={k: float(w) for k, w in zip(EVENT_FEATURES, weights, strict=True)},
        threshold=0.5,
        merge_threshold=1.01,
    )
    ax, ay = accept_examples(dev, vectors, params)
    accept_bias, accept_weights = fit_logistic(ax, ay)
    params = replace(
        params,
        accept_bias=accept_bias,
        accept_weights={k: float(w) for k, w in zip(ACCEPT_FEATURES, accept_weights, strict=True)},
    )
    gold = {g.article.id: g.gold for g in dev}
    best = None
    for threshold in THRESHOLDS:
        for merge in MERGE_THRESHOLDS:
            for chance in SECOND_CHANCES:
                trial = replace(
                    params, threshold=threshold, merge_threshold=merge, second_chance=chance
                )
                f1 = bcubed(_events(run_events(dev, vectors, trial)), gold).f1
                if best is None or f1 > best[0] + 1e-9:
                    best = (f1, threshold, merge, chance)
    assert best is not None
    t17 = load_t17(t17_path(data))
    t17_vectors = cached_vectors(
        [g.article for g in t17.articles], embedder, default_cache_dir(), "t17"
    )
    t17_dev = [g for g in t17.articles if half(g.split_key) == "dev"]
    story_gold = {g.article.id: g.gold for g in t17_dev}
    final = replace(params, threshold=best[1], merge_threshold=best[2], second_chance=best[3])
    story_best = None
    for threshold in STORY_THRESHOLDS:
        for merge in STORY_MERGE_THRESHOLDS:
            options = StorylineOptions(threshold=threshold, merge_threshold=merge)
            run = run_events(t17_dev, t17_vectors, final, storylines=options)
            f1 = bcubed(run_storylines(run), story_gold).f1
            print(f"storyline threshold {threshold}, merge {merge}: dev B-cubed F1 {f1:.4f}")
            if story_best is None or f1 > story_best[0] + 1e-9:
                story_best = (f1, threshold, merge)
    assert story_best is not None
    final = replace(
        final,
        storyline_threshold=story_best[1],
        storyline_merge_threshold=story_best[2],
        report={
            "fitted_on": "WikinewsSum dev half (events hashed by number), logistic regression",
            "examples": len(y),
            "positives": int(y.sum()),
            "accept_examples": len(ay),
            "accept_positives": int(ay.sum()),
            "dev_bcubed_f1": round(best[0], 4),
            "storyline_dev_bcubed_f1": round(story_best[0], 4),
        },
    )
    path = Path(__file__).resolve().parents[1] / "link" / PARAMS_FILE
    path.write_text(json.dumps(final.to_json(), indent=2) + "\n", encoding="utf-8")
    print(json.dumps(final.to_json(), indent=2))
    return final


if __name__ == "__main__":
    main()
