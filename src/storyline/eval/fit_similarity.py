"""Fit the similarity model's weights on the SemEval-2022 Task 8 sample and write them.

Run ``python -m storyline.eval.fit_similarity`` (options: ``--data DIR``, ``--out FILE``,
``--cache DIR``). It is deterministic: the same data and embedder give the same file, byte
for byte. What it does:

1. split the pairs into a fitting part and a held-back part (25 % of the groups of pairs
   and their translations; :func:`storyline.eval.similarity.split`);
2. compute the signals of every pair with the same code the service runs;
3. fit ``target ≈ intercept + Σ weight·term`` by ridge regression (least squares with a
   small L2 penalty on standardised terms) on the fitting part, with every weight except
   those of :data:`FREE_TERMS` kept non-negative, so the score never falls as a signal of
   similarity grows (unconstrained, the fit scored two identical texts 0.51 and a near
   copy 0.79: the sample has too few near-identical pairs to pin that end down); the
   penalty is chosen by grouped 5-fold cross-validation inside the fitting part;
4. choose the score bands (``same event``, ``same storyline``, ``related``) as the
   thresholds that best separate, on the fitting part, pairs rated ≤ 1.5, ≤ 2.5 and ≤ 3.5
   on the 1-4 scale (where precision equals recall);
5. write ``storyline/link/similarity_params.json`` with the weights in the units of the
   signals (so ``weight × value`` is a contribution a person can read) and a report of the
   Pearson correlations on both parts, beside the plain cosine.

The terms are linear signals plus products, caps and hinges (:data:`TERMS`). Least squares
is the right tool for a Pearson target: the metric is invariant to scale and offset, and a
model linear in its terms keeps every contribution explainable.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from storyline.embed.base import Embedder
from storyline.embed.e5 import E5Embedder
from storyline.eval.similarity import (
    Pair,
    PairSet,
    VectorCache,
    featurise,
    load_pairs,
    pearson,
    semeval_path,
    split,
)
from storyline.link.similarity import PARAMS_FILE, SimilarityModel, SimilarityParams, term_value

__all__ = ["FREE_TERMS", "TERMS", "choose_ridge", "default_cache_dir", "design", "fit", "main"]

#: The model's terms: signals of :mod:`storyline.link.features`, products of them, caps
#: (``a<c`` = ``min(a, c)``) and hinges (``a>c`` = ``max(0, a - c)``) at round values near
#: the quartiles of each signal on the sample. Products with ``same_language`` and
#: ``cross_language`` give a signal its own slope within and across languages.
TERMS = (
    "dense",
    "title_lex",
    "body_lex",
    "lead_lex",
    "names",
    "name_overlap",
    "quotes",
    "same_language",
    "length_ratio",
    "length",
    "dense^2",
    "dense*body_lex",
    "dense*names",
    "dense*same_language",
    "dense*cross_language",
    "body_lex*same_language",
    "body_lex*cross_language",
    "lead_lex*same_language",
    "lead_lex*cross_language",
    "names*same_language",
    "names*cross_language",
    "dense<0.8",
    "dense<0.85",
    "dense<0.9",
    "title_lex<0.1",
    "title_lex<0.3",
    "body_lex<0.1",
    "body_lex<0.2",
    "body_lex<0.4",
    "lead_lex<0.1",
    "lead_lex<0.3",
    "names<0.1",
    "names<0.3",
    "names<0.5",
    "name_overlap<0.2",
    "name_overlap<0.4",
    "dense>0.75",
    "dense>0.8",
    "dense>0.85",
    "dense>0.9",
    "body_lex>0.1",
    "body_lex>0.2",
    "body_lex>0.4",
    "names>0.1",
    "names>0.3",
    "names>0.5",
)
#: Terms whose weight may be negative. Every other term grows with its signals, and its
#: weight is kept >= 0, so more shared meaning, words, names or quotes never lowers a score.
FREE_TERMS = frozenset({"same_language", "length_ratio", "length"})
#: Ridge penalties tried; the one with the best cross-validated Pearson on the fitting part
#: is used (the held-back part plays no role in any choice).
RIDGES = (1e-3, 3e-3, 1e-2, 3e-2)
FOLDS = 5
#: Ratings (1-4 scale) at or under which a pair belongs to each band.
BANDS = {"same event": 1.5, "same storyline": 2.5, "related": 3.5}


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "storyline" / "eval-vectors"


def design(pairs: PairSet, terms: Sequence[str] = TERMS) -> npt.NDArray[np.float64]:
    """The design matrix: one row per pair, one column per term."""
    return np.array(
        [[term_value(term, features) for term in terms] for features in pairs.features],
        dtype=np.float64,
    ).reshape(len(pairs.features), len(terms))


def fit(
    pairs: PairSet, terms: Sequence[str] = TERMS, ridge: float = RIDGES[0]
) -> tuple[float, dict[str, float]]:
    """Ridge regression of the targets on the terms, weights of all but :data:`FREE_TERMS`
    kept non-negative; returns (intercept, weights) in the signals' own units.

    Solved by cyclic coordinate descent on standardised terms (Friedman, Hastie & Tibshirani
    2010, "Regularization Paths for Generalized Linear Models via Coordinate Descent"): each
    weight in turn is set to its ridge optimum given the others, clipped at 0 where it must
    not be negative. The problem is convex, so this converges to the constrained optimum.
    """
    x = design(pairs, terms)
    y = pairs.target
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    penalty = ridge * len(x)
    squares = (z * z).sum(axis=0)
    free = [term in FREE_TERMS for term in terms]
    coef = np.zeros(len(terms))
    intercept = float(y.mean())
    residual = y - intercept
    for _ in range(2000):
        largest = 0.0
        for j in range(len(terms)):
            old = coef[j]
            new = float(z[:, j] @ residual + squares[j] * old) / (squares[j] + penalty)
            if not free[j]:
                new = max(0.0, new)
            if new != old:
                residual -= z[:, j] * (new - old)
                coef[j] = new
                largest = max(largest, abs(new - old))
        if largest < 1e-9:
            break
    weights = coef / scale
    intercept -= float(np.sum(weights * mean))
    return intercept, {term: float(w) for term, w in zip(terms, weights, strict=True)}


def _fold(pair: Pair) -> int:
    digest = hashlib.sha256(f"fold:{pair.group}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % FOLDS


def cross_validated(pairs: PairSet, terms: Sequence[str], ridge: float) -> float:
    """Pearson of out-of-fold predictions: groups of pairs split in :data:`FOLDS` folds."""
    folds = np.array([_fold(p) for p in pairs.pairs])
    x = design(pairs, terms)
    predicted = np.zeros(len(pairs.pairs))
    for fold in range(FOLDS):
        train = PairSet(
            [p for p, k in zip(pairs.pairs, folds, strict=True) if k != fold],
            [f for f, k in zip(pairs.features, folds, strict=True) if k != fold],
        )
        intercept, weights = fit(train, terms, ridge)
        w = np.array([weights[t] for t in terms])
        predicted[folds == fold] = intercept + x[folds == fold] @ w
    return pearson(np.clip(predicted, 0.0, 1.0), pairs.target)


def choose_ridge(pairs: PairSet, terms: Sequence[str] = TERMS) -> tuple[float, float]:
    """The penalty of :data:`RIDGES` with the best cross-validated Pearson, and that Pearson."""
    scored = [(cross_validated(pairs, terms, ridge), ridge) for ridge in RIDGES]
    best, ridge = max(scored)
    return ridge, best


def break_even_threshold(scores: npt.NDArray[np.float64], positive: npt.NDArray[np.bool_]) -> float:
    """The score threshold where precision equals recall for ``positive`` (the break-even
    point: a band claims as many pairs wrongly as it misses; ties: the lower threshold).

    Chosen over the highest F1, which for ``same event`` sat at a precision of 0.58: F1
    favours recall when positives are few, and a band named "same event" should be wrong
    no more often than it misses.
    """
    best, gap = 1.0, 2.0
    total = max(int(np.sum(positive)), 1)
    for threshold in np.unique(np.round(scores, 3)):
        predicted = scores >= threshold
        tp = float(np.sum(predicted & positive))
        difference = abs(tp / max(int(np.sum(predicted)), 1) - tp / total)
        if difference < gap - 1e-12:
            best, gap = float(threshold), difference
    return best


def report_for(model: SimilarityModel, pairs: PairSet) -> dict[str, float]:
    """Pearson of the fitted score and of the plain cosine with -Overall, all and cross."""
    raw = np.array([model.raw(f) for f in pairs.features])
    dense = pairs.column("dense")
    cross = pairs.cross
    return {
        "pairs": len(pairs.pairs),
        "pearson": round(pearson(raw, pairs.target), 4),
        "pearson_cross_lingual": round(pearson(raw[cross], pairs.target[cross]), 4),
        "cosine_pearson": round(pearson(dense, pairs.target), 4),
        "cosine_pearson_cross_lingual": round(pearson(dense[cross], pairs.target[cross]), 4),
    }


def fit_params(
    all_pairs: PairSet, fit_part: PairSet, held: PairSet, embedder: str
) -> SimilarityParams:
    """Weights, bands and a report, from already computed features."""
    ridge, cv_pearson = choose_ridge(fit_part)
    intercept, fitted = fit(fit_part, TERMS, ridge)
    weights = {term: weight for term, weight in fitted.items() if weight != 0.0}
    draft = SimilarityModel(SimilarityParams(embedder, intercept, weights, {}))
    scores = np.clip([draft.raw(f) for f in fit_part.features], 0.0, 1.0)
    overall = np.array([p.overall for p in fit_part.pairs])
    thresholds = {
        band: break_even_threshold(scores, overall <= limit) for band, limit in BANDS.items()
    }
    report: dict[str, Any] = {
        "data": "similarity/semeval2022-task8-sample.csv (SemEval-2022 Task 8, Chen et al. 2022)",
        "target": "(4 - Overall) / 3; Pearson is measured against -Overall",
        "method": (
            f"ridge regression (lambda {ridge}, best of {list(RIDGES)} by {FOLDS}-fold "
            "grouped cross-validation on the fitting part) on standardised terms, weights "
            "non-negative except for same_language and the length terms (the score never "
            "falls as a signal grows); terms with weight 0 are left out; bands where "
            "precision equals recall on the fitting part"
        ),
        "cross_validated_pearson": round(cv_pearson, 4),
        "terms": f"{len(weights)} of {len(TERMS)} candidate terms have a weight",
        "fit": report_for(draft, fit_part),
        "held_out": report_for(draft, held),
        "all": report_for(draft, all_pairs),
    }
    return SimilarityParams(embedder, intercept, weights, thresholds, report=report)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=None, help=f"where to write {PARAMS_FILE}")
    parser.add_argument("--cache", type=Path, default=default_cache_dir(), help="vector cache")
    parser.add_argument("--max-tokens", type=int, default=None, help="embedder window")
    args = parser.parse_args(argv)
    from storyline.eval.extraction import default_data_dir

    path = semeval_path(args.data or default_data_dir())
    embedder: Embedder = E5Embedder(args.max_tokens) if args.max_tokens else E5Embedder()
    pairs = load_pairs(path)
    features = featurise(pairs, embedder, vectors=VectorCache(args.cache, embedder))
    _, held_pairs = split(pairs)
    held_ids = {p.pair_id for p in held_pairs}
    params = fit_params(
        features,
        features.subset(lambda p: p.pair_id not in held_ids),
        features.subset(lambda p: p.pair_id in held_ids),
        embedder.name,
    )
    out = args.out or Path(__file__).resolve().parents[1] / "link" / PARAMS_FILE
    out.write_text(json.dumps(params.to_json(), indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {out}")
    print(json.dumps(params.report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
