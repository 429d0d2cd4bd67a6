"""Quality gate: the similarity model on the held-back SemEval-2022 Task 8 pairs.

The weights were fitted on the other pairs (groups of translated copies never straddle the
split). The floor sits just under the measured figure (docs/similar.md), so a change that
makes similar news worse fails here; the plain e5 cosine is measured beside it and must stay
below the model, or the extra signals are not earning their keep.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from storyline.embed import E5Embedder
from storyline.eval.similarity import (
    corpus_stats,
    featurise,
    load_pairs,
    pearson,
    semeval_path,
    split,
)
from storyline.link.similarity import SimilarityModel

#: Measured held-out Pearson of the shipped model (docs/similar.md), less a small margin.
FLOOR = 0.75
FLOOR_CROSS_LINGUAL = 0.75


@pytest.mark.slow
def test_held_out_pearson_beats_the_floor_and_the_cosine(shared_data: Path) -> None:
    pairs = load_pairs(semeval_path(shared_data))
    fit, held = split(pairs)
    assert len(held) > 250 and len(fit) > 3 * len(held) // 2
    assert not {p.group for p in fit} & {p.group for p in held}
    features = featurise(held, E5Embedder(), stats=corpus_stats(pairs))
    model = SimilarityModel()
    scores = np.array([model.score(f).score for f in features.features])
    target, cross = features.target, features.cross
    overall = pearson(scores, target)
    cosine = pearson(features.column("dense"), target)
    assert overall >= FLOOR, f"held-out Pearson {overall:.3f} < {FLOOR}"
    assert pearson(scores[cross], target[cross]) >= FLOOR_CROSS_LINGUAL
    assert overall > cosine + 0.1
