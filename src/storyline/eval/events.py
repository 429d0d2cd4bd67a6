"""Scoring clusterings: B-cubed, the TF-IDF single-pass baseline, timeline date F1.

**B-cubed** (Bagga & Baldwin 1998; Amigó et al. 2009, "A comparison of extrinsic clustering
evaluation metrics based on formal constraints"): for every item, precision is the share
of its predicted cluster that shares its gold cluster, recall the share of its gold cluster
that shares its predicted cluster; both are averaged over items and F1 is their harmonic
mean. It is the measure Miranda et al. (2018) report for streaming news clustering.

**The baseline** is the classic single-pass clustering of Topic Detection and Tracking
(Allan et al. 1998, "On-line new event detection and tracking"): each document, in stream
order, is compared by TF-IDF cosine with the centroid of *every* cluster so far and joins
the best one above a threshold, else it starts a cluster. IDF grows with the stream, like
Storyline's. Its threshold is chosen on the same ``dev`` half as Storyline's parameters.

**Date F1** (Martschat & Markert 2017, "Improving ROUGE for Timeline Summarization";
Tran et al. 2013): the dates of a produced timeline against the dates of the journalist's
timeline, precision and recall over distinct dates, with the produced timeline as long as
the gold one (the usual setting of the Timeline17 evaluations).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from storyline.embed.lexical import CorpusStats, idf, terms
from storyline.model import Article

__all__ = ["PRF", "bcubed", "date_prf", "tfidf_single_pass"]


@dataclass(frozen=True, slots=True)
class PRF:
    precision: float
    recall: float
    f1: float

    def as_dict(self) -> dict[str, float]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def bcubed(predicted: Mapping[str, str], gold: Mapping[str, str]) -> PRF:
    """B-cubed precision, recall and F1 over the items of ``gold`` (all must be predicted)."""
    items = sorted(gold)
    if not items:
        return PRF(0.0, 0.0, 0.0)
    missing = [i for i in items if i not in predicted]
    if missing:
        raise ValueError(f"{len(missing)} items have no predicted cluster, e.g. {missing[0]!r}")
    joint = Counter((predicted[i], gold[i]) for i in items)
    pred_size = Counter(predicted[i] for i in items)
    gold_size = Counter(gold[i] for i in items)
    precision = sum(joint[(predicted[i], gold[i])] / pred_size[predicted[i]] for i in items)
    recall = sum(joint[(predicted[i], gold[i])] / gold_size[gold[i]] for i in items)
    p, r = precision / len(items), recall / len(items)
    return PRF(p, r, _f1(p, r))


def tfidf_single_pass(
    articles: Sequence[Article],
    threshold: float,
    progress: Callable[[int], None] | None = None,
) -> dict[str, str]:
    """The TDT single-pass baseline (see the module docstring): article id → cluster id.

    ``progress`` is called with the number of articles done after each one (benchmarks).
    """
    stats = CorpusStats()
    centroids: list[dict[str, float]] = []
    norms: list[float] = []
    postings: dict[str, list[int]] = defaultdict(list)
    out: dict[str, str] = {}
    for article in articles:
        words = terms(f"{article.title}\n{article.text}")
        stats.add(words)
        counts = Counter(words)
        n = stats.documents() + 1
        vector = {t: (1.0 + math.log(c)) * idf(n, stats.df[t]) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vector = {t: v / norm for t, v in vector.items()}
        dots: dict[int, float] = defaultdict(float)
        for term, weight in vector.items():
            for cid in postings.get(term, ()):
                dots[cid] += weight * centroids[cid].get(term, 0.0)
        best = max(
            ((dot / norms[cid], -cid) for cid, dot in dots.items() if norms[cid]),
            default=None,
        )
        if best is not None and best[0] >= threshold:
            cid = -best[1]
        else:
            cid = len(centroids)
            centroids.append({})
            norms.append(0.0)
        centroid = centroids[cid]
        for term, weight in vector.items():
            if term not in centroid:
                postings[term].append(cid)
            centroid[term] = centroid.get(term, 0.0) + weight
        norms[cid] = math.sqrt(sum(v * v for v in centroid.values()))
        out[article.id] = f"b{cid}"
        if progress is not None:
            progress(len(out))
    return out


def date_prf(predicted: Iterable[date | None], gold: Iterable[date]) -> PRF:
    """Precision/recall/F1 of distinct predicted dates against distinct gold dates."""
    pred = {d for d in predicted if d is not None}
    want = set(gold)
    hit = len(pred & want)
    p = hit / len(pred) if pred else 0.0
    r = hit / len(want) if want else 0.0
    return PRF(p, r, _f1(p, r))
