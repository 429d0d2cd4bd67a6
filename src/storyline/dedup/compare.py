"""Judging a candidate pair: are two fingerprinted articles copies of one story?

Signals, strongest first (each :class:`Match` names the one that decided):

``same-url``       the same page (canonical URL) read twice, from different sources
``exact-text``     the same normalised body text
``canonical-url``  one names the other's address as ``rel=canonical`` and the texts overlap
``near-text``      the body of the smaller is (mostly) contained in the other
``near-text+title`` less overlap, but the headlines agree (rapidfuzz ``token_set_ratio``)

Text overlap is measured as *containment*, ``|A ∩ B| / min(|A|, |B|)`` over word shingles
(Broder 1997), estimated from the MinHash Jaccard ``J`` and the two set sizes as
``J (|A| + |B|) / ((1 + J) min(|A|, |B|))``. Containment rather than Jaccard because a copy
cut to half its length, or wrapped in a publisher's navigation, still contains (or is
contained in) the original while its Jaccard falls towards 0.5.

Two guards keep different stories apart:

* **facts**: two texts from one template (results, earnings, weather) share most shingles
  but not their numbers and names; a pair whose fact sketches agree less than
  ``facts_agree`` is not a duplicate, however similar the words.
* **short texts**: below ``min_shingles`` a few shared phrases are a large share of the
  text, so short pairs need near-identical text (``short_containment``) *and* agreeing
  headlines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from storyline.dedup.fingerprints import DEFAULT_PARAMS, Fingerprint, LSHParams

__all__ = ["DedupOptions", "Match", "compare", "containment", "fact_agreement", "jaccard"]


@dataclass(frozen=True, slots=True)
class DedupOptions:
    """Thresholds of the duplicate decision (measured on the synthetic set, docs/dedup.md)."""

    params: LSHParams = DEFAULT_PARAMS
    #: Text containment that alone makes a duplicate.
    containment: float = 0.70
    #: Lower containment that makes a duplicate when the headlines agree.
    containment_with_title: float = 0.50
    #: Headline similarity (0-1, rapidfuzz token_set_ratio) that counts as agreeing.
    title_similar: float = 0.80
    #: Fact agreement (containment of numbers/names) below which a pair is not a duplicate.
    facts_agree: float = 0.50
    #: Fewer distinct facts than this in the smaller text: the fact guard does not apply.
    min_facts: int = 4
    #: Texts with fewer shingles than this follow the short-text rule.
    min_shingles: int = 25
    #: Containment a short pair needs (besides agreeing headlines).
    short_containment: float = 0.90
    #: Fewest words for the exact-text signal (shorter texts are too generic).
    exact_min_tokens: int = 8
    #: Candidates verified per check, best band agreement first.
    max_candidates: int = 64

    def __post_init__(self) -> None:
        for name in ("containment", "containment_with_title", "title_similar", "facts_agree"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")


@dataclass(frozen=True, slots=True)
class Match:
    """The verdict on one pair: ``score`` in [0, 1], the deciding ``signal`` and the measures.

    ``duplicate`` is the verdict before scope; ``reason`` is one sentence for people.
    """

    article_id: str
    other_id: str
    duplicate: bool
    score: float
    signal: str
    reason: str
    jaccard: float | None = None
    containment: float | None = None
    title: float | None = None
    facts: float | None = None


def jaccard(a: Fingerprint, b: Fingerprint) -> float | None:
    """MinHash estimate of the shingle Jaccard similarity (None without text)."""
    if a.signature is None or b.signature is None or len(a.signature) != len(b.signature):
        return None
    sa = np.frombuffer(a.signature, dtype="<u4")
    sb = np.frombuffer(b.signature, dtype="<u4")
    return float(np.count_nonzero(sa == sb)) / sa.size


def containment(j: float, size_a: int, size_b: int) -> float:
    """``|A ∩ B| / min(|A|, |B|)`` from the Jaccard similarity and the two set sizes."""
    smaller = min(size_a, size_b)
    if smaller <= 0:
        return 0.0
    shared = j / (1.0 + j) * (size_a + size_b)
    return min(1.0, shared / smaller)


def _sketch(data: bytes) -> set[int]:
    return set(np.frombuffer(data, dtype="<u4").tolist())


def fact_agreement(a: Fingerprint, b: Fingerprint, k: int) -> float | None:
    """Containment of the smaller fact set in the other, from bottom-k sketches.

    Bottom-k estimator (Broder 1997, section 5; Cohen and Kaplan 2007): among the k smallest
    hashes of the union, the share found in both sketches estimates the Jaccard similarity.
    """
    if not a.facts or not b.facts:
        return None
    sa, sb = _sketch(a.fact_sketch), _sketch(b.fact_sketch)
    union = sorted(sa | sb)[:k]
    if not union:
        return None
    both = sum(1 for value in union if value in sa and value in sb)
    return containment(both / len(union), a.facts, b.facts)


def title_similarity(a: Fingerprint, b: Fingerprint) -> float | None:
    """Headline similarity in [0, 1] (None if either headline has fewer than 3 words)."""
    if len(a.title_key.split()) < 3 or len(b.title_key.split()) < 3:
        return None
    return float(fuzz.token_set_ratio(a.title_key, b.title_key)) / 100.0


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def compare(a: Fingerprint, b: Fingerprint, options: DedupOptions | None = None) -> Match:
    """Decide whether ``a`` and ``b`` are copies of one story (see the module docstring).

    Identity (same article id, or the same page of the same source) is not decided here:
    that is a revision or a repeat, handled by :mod:`storyline.dedup.stage`.
    """
    opts = options or DedupOptions()
    j = jaccard(a, b)
    c = None if j is None else containment(j, a.shingles, b.shingles)
    t = title_similarity(a, b)
    f = fact_agreement(a, b, opts.params.fact_k)
    if min(a.facts, b.facts) < opts.min_facts:
        f = None

    def verdict(duplicate: bool, score: float, signal: str, reason: str) -> Match:
        return Match(
            a.article_id,
            b.article_id,
            duplicate,
            round(score, 4),
            signal,
            reason,
            j,
            None if c is None else round(c, 4),
            t,
            f,
        )

    if a.url_key and a.url_key == b.url_key:
        return verdict(True, 1.0, "same-url", f"both were read from {a.url_key}")
    if (
        a.text_hash
        and a.text_hash == b.text_hash
        and min(a.tokens, b.tokens) >= opts.exact_min_tokens
    ):
        return verdict(True, 1.0, "exact-text", "the normalised texts are identical")
    if c is None:
        # No body text: only the same, long enough headline makes a duplicate.
        same = bool(a.title_key) and a.title_key == b.title_key and len(a.title_key.split()) >= 6
        return verdict(
            same,
            1.0 if same else (t or 0.0),
            "title-only",
            "no body text; "
            + (
                "identical headlines of six words or more"
                if same
                else "headlines differ or are too short to tell"
            ),
        )
    if f is not None and f < opts.facts_agree:
        return verdict(
            False,
            c,
            "facts-differ",
            f"text overlap {_fmt(c)} but the numbers and names differ "
            f"(fact agreement {_fmt(f)} < {opts.facts_agree}): same template, "
            "different story",
        )
    titles_agree = t is not None and t >= opts.title_similar
    if min(a.shingles, b.shingles) < opts.min_shingles:
        duplicate = c >= opts.short_containment and titles_agree
        return verdict(
            duplicate,
            c,
            "short-text",
            f"short text: overlap {_fmt(c)} (needs {opts.short_containment}) and "
            f"headline similarity {_fmt(t)} (needs {opts.title_similar})",
        )
    claims = a.canonical_key and b.canonical_key and a.canonical_key in (b.canonical_key, b.url_key)
    if claims and c >= opts.containment_with_title:
        return verdict(
            True,
            c,
            "canonical-url",
            f"both name {a.canonical_key} as canonical and the text overlaps {_fmt(c)}",
        )
    if c >= opts.containment:
        return verdict(
            True, c, "near-text", f"text overlap {_fmt(c)} ≥ {opts.containment} (Jaccard {_fmt(j)})"
        )
    if c >= opts.containment_with_title and titles_agree:
        return verdict(
            True,
            c,
            "near-text+title",
            f"text overlap {_fmt(c)} ≥ {opts.containment_with_title} and headline "
            f"similarity {_fmt(t)} ≥ {opts.title_similar}",
        )
    return verdict(
        False,
        c,
        "different",
        f"text overlap {_fmt(c)} < {opts.containment} and headline similarity {_fmt(t)}",
    )
