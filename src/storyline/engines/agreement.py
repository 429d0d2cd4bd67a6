"""How far two clusterings of the same articles agree (local engine vs. Spark engine).

Two figures, each over the articles both clusterings place:

* **B-cubed F1** (Bagga & Baldwin 1998; Amigó et al. 2009), one clustering taken as the
  reference: per article, the share of its cluster in one engine that shares its cluster
  in the other, averaged. It is 1.0 exactly when the two partitions are identical and,
  unlike the Rand index, is not inflated by the many singleton pairs.
* **Adjusted Rand index** (Hubert & Arabie 1985): pairwise agreement corrected for chance,
  1.0 for identical partitions, about 0 for unrelated ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from math import comb
from typing import Any

from storyline.eval.events import bcubed

__all__ = ["COLUMNS", "adjusted_rand", "agreement", "table_agreement"]


def adjusted_rand(a: Mapping[str, str], b: Mapping[str, str]) -> float:
    """Adjusted Rand index of two partitions over their common items."""
    items = sorted(a.keys() & b.keys())
    n = len(items)
    if n < 2:
        return 1.0
    joint = Counter((a[i], b[i]) for i in items)
    sum_joint = sum(comb(c, 2) for c in joint.values())
    sum_a = sum(comb(c, 2) for c in Counter(a[i] for i in items).values())
    sum_b = sum(comb(c, 2) for c in Counter(b[i] for i in items).values())
    expected = sum_a * sum_b / comb(n, 2)
    maximum = (sum_a + sum_b) / 2
    if maximum == expected:
        return 1.0
    return (sum_joint - expected) / (maximum - expected)


def agreement(reference: Mapping[str, str], other: Mapping[str, str]) -> dict[str, float]:
    """B-cubed precision/recall/F1 of ``other`` against ``reference`` and the ARI."""
    common = reference.keys() & other.keys()
    ref = {k: reference[k] for k in common}
    got = {k: other[k] for k in common}
    prf = bcubed(got, ref).as_dict()
    return {
        "articles": float(len(common)),
        "bcubed_precision": prf["precision"],
        "bcubed_recall": prf["recall"],
        "bcubed_f1": prf["f1"],
        "adjusted_rand": round(adjusted_rand(ref, got), 4),
    }


#: What two engines' ``articles`` tables are compared on: duplicate groups, events,
#: storylines (an article with none is its own group).
COLUMNS = {"duplicates": "duplicate_of", "events": "event_id", "storylines": "storyline_id"}


def table_agreement(
    reference: Sequence[Mapping[str, Any]], other: Sequence[Mapping[str, Any]]
) -> dict[str, dict[str, float]]:
    """:func:`agreement` of two ``articles`` tables on each of :data:`COLUMNS`."""
    return {
        name: agreement(
            {r["id"]: r[column] or r["id"] for r in reference},
            {r["id"]: r[column] or r["id"] for r in other},
        )
        for name, column in COLUMNS.items()
    }
