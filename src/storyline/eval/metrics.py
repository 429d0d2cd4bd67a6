"""Extraction metrics, defined as the public benchmarks define them.

**Word F1** (WCXB, Foley 2026, ``evaluate.py``; the same bag-of-words measure as the
trafilatura evaluation and the Moz/Dragnet benchmarks): both texts are lower-cased and split
into ``\\w+`` tokens; the overlap is the size of the multiset intersection of the two token
bags; precision = overlap / predicted tokens, recall = overlap / gold tokens, F1 their
harmonic mean, computed *per page*. An empty prediction scores 0 (an empty gold scores 1
only against an empty prediction). A set's figures are the means over its pages.

**Shingle F1** (ScrapingHub article-extraction-benchmark, ``evaluate.py``, 2020): texts are
split into ``\\w+`` tokens (case kept), every run of 4 consecutive tokens is a shingle (a
shorter text is one shingle), true/false positives and false negatives are counted over
the shingle multisets and normalised per page to sum to 1 (so long pages do not weigh
more); precision is the mean over pages with a non-empty prediction, recall the mean over
pages with a non-empty gold, and F1 is the harmonic mean of those two means.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "PRF",
    "shingle_counts",
    "shingle_scores",
    "title_match",
    "tokens",
    "word_prf",
    "word_scores",
]

_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class PRF:
    """Precision, recall and F1."""

    precision: float
    recall: float
    f1: float


def tokens(text: str | None, *, lower: bool = True) -> list[str]:
    """``\\w+`` tokens of ``text`` (lower-cased unless ``lower=False``)."""
    if not text:
        return []
    return _TOKEN.findall(text.lower() if lower else text)


def word_prf(predicted: str | None, gold: str | None) -> PRF:
    """Word precision/recall/F1 of one page (bag of lower-cased ``\\w+`` tokens)."""
    pred = Counter(tokens(predicted))
    ref = Counter(tokens(gold))
    if not ref:
        return PRF(1.0, 1.0, 1.0) if not pred else PRF(0.0, 0.0, 0.0)
    if not pred:
        return PRF(0.0, 0.0, 0.0)
    overlap = sum((pred & ref).values())
    precision = overlap / sum(pred.values())
    recall = overlap / sum(ref.values())
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1)


def word_scores(pages: Sequence[PRF]) -> PRF:
    """Mean precision, recall and F1 over pages (WCXB aggregation)."""
    if not pages:
        return PRF(0.0, 0.0, 0.0)
    return PRF(
        statistics.fmean(p.precision for p in pages),
        statistics.fmean(p.recall for p in pages),
        statistics.fmean(p.f1 for p in pages),
    )


def _shingles(text: str | None, n: int) -> Counter[tuple[str, ...]]:
    toks = tokens(text, lower=False)
    grams = [tuple(toks[i : i + n]) for i in range(max(1, len(toks) - n + 1))]
    return Counter(g for g in grams if g)


def shingle_counts(
    predicted: str | None, gold: str | None, n: int = 4
) -> tuple[float, float, float]:
    """Normalised ``(tp, fp, fn)`` of one page over ``n``-token shingles (ScrapingHub)."""
    pred = _shingles(predicted, n)
    ref = _shingles(gold, n)
    tp = float(sum((pred & ref).values()))
    fp = float(sum((pred - ref).values()))
    fn = float(sum((ref - pred).values()))
    total = tp + fp + fn
    if total > 0:
        return tp / total, fp / total, fn / total
    return tp, fp, fn


def shingle_scores(counts: Sequence[tuple[float, float, float]]) -> PRF:
    """ScrapingHub's aggregation: F1 of the mean precision and the mean recall."""

    def precision(tp: float, fp: float, fn: float) -> float:
        if fp == fn == 0:
            return 1.0
        return 0.0 if tp == fp == 0 else tp / (tp + fp)

    def recall(tp: float, fp: float, fn: float) -> float:
        if fp == fn == 0:
            return 1.0
        return 0.0 if tp == fn == 0 else tp / (tp + fn)

    precisions = [precision(*c) for c in counts if c[0] + c[1] > 0]
    recalls = [recall(*c) for c in counts if c[0] + c[2] > 0]
    p = statistics.fmean(precisions) if precisions else 0.0
    r = statistics.fmean(recalls) if recalls else 0.0
    return PRF(p, r, 2 * p * r / (p + r) if p + r else 0.0)


def title_match(predicted: str | None, gold: str | None) -> bool:
    """Whether two titles are equal as lower-cased token sequences (punctuation ignored)."""
    return bool(predicted) and tokens(predicted) == tokens(gold)
