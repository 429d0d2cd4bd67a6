"""Lexical representations: language-neutral terms, document frequencies, BM25 weights.

Dense vectors know that "ceasefire" and "Waffenruhe" mean the same; exact words know that
two reports share the rare words of one event ("Philadelphi", "Santa Ynez", "39 killed").
Each article becomes a sparse vector of terms weighted as in BM25 (Robertson & Zaragoza
2009, "The Probabilistic Relevance Framework: BM25 and Beyond"): a saturating term
frequency ``tf·(k1+1)/(tf+k1)`` times the BM25 inverse document frequency
``ln(1 + (N - df + 0.5)/(df + 0.5))``. Two articles are compared by the cosine of their
vectors, which makes the score symmetric and removes BM25's length normalisation (the
cosine already divides by the length).

Terms are the case- and accent-folded words of a text, so they match what SQLite's FTS5
``unicode61 remove_diacritics 2`` tokenizer indexes, and the store's full-text index can
supply document frequencies. Chinese, Japanese and Korean have no spaces between words:
their text is cut into overlapping character pairs, a standard substitute for a segmenter.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Protocol

__all__ = [
    "CorpusStats",
    "TermStatistics",
    "bm25_vector",
    "cosine",
    "fold",
    "idf",
    "terms",
]

#: Terms read per text: enough for the first ~4 pages of a long article, and a bound on
#: the work a 10 MB input can cause.
MAX_TERMS = 1500
K1 = 1.2

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def fold(text: str) -> str:
    """Case-folded text without accents ("Müller" → "muller"), as FTS5 ``unicode61`` does."""
    if text.isascii():  # the common case, and 10x faster
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def terms(text: str, limit: int = MAX_TERMS) -> list[str]:
    """The first ``limit`` terms of ``text``: folded words; CJK runs as character pairs.

    Single letters are dropped (initials, stray "s" of "Biden's"); numbers are kept, since
    "39 killed" or a year is often the most specific thing two reports share.
    """
    out: list[str] = []
    # Fold a bounded prefix only: ~12 characters per term is generous for every script.
    for match in _WORD.finditer(fold(text[: limit * 12])):
        word = match.group()
        if _CJK.search(word):
            chars = [c for c in word if not c.isspace()]
            out.extend(a + b for a, b in pairwise(chars))
            if len(chars) == 1:
                out.append(chars[0])
        elif len(word) > 1 or word.isdigit():
            out.append(word)
        if len(out) >= limit:
            break
    return out[:limit]


class TermStatistics(Protocol):
    """Document frequencies of a corpus, for inverse document frequency."""

    def documents(self) -> int:
        """How many documents the corpus holds."""
        ...

    def frequencies(self, terms: Iterable[str]) -> Mapping[str, int]:
        """In how many documents each term occurs (terms never seen may be left out)."""
        ...


@dataclass(slots=True)
class CorpusStats:
    """Document frequencies counted over texts in memory (a batch, an evaluation set)."""

    n_docs: int = 0
    df: Counter[str] = field(default_factory=Counter)

    def add(self, doc_terms: Iterable[str]) -> None:
        """Count one document's distinct terms."""
        self.n_docs += 1
        self.df.update(set(doc_terms))

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> CorpusStats:
        stats = cls()
        for text in texts:
            stats.add(terms(text))
        return stats

    def documents(self) -> int:
        return self.n_docs

    def frequencies(self, terms: Iterable[str]) -> Mapping[str, int]:
        return {term: self.df[term] for term in terms if term in self.df}


def idf(n_docs: int, df: int) -> float:
    """BM25's inverse document frequency; never negative (the "+1" inside the log)."""
    df = min(df, n_docs)
    return math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))


def bm25_vector(doc_terms: Iterable[str], stats: TermStatistics) -> dict[str, float]:
    """A sparse BM25-weighted vector (term → weight) for one document's terms.

    Terms the corpus has never seen get the IDF of a term seen once: an unseen term is rare,
    but the corpus may simply not include this document.
    """
    counts = Counter(doc_terms)
    if not counts:
        return {}
    n_docs = max(stats.documents(), 1)
    known = stats.frequencies(counts)
    return {
        term: tf * (K1 + 1.0) / (tf + K1) * idf(n_docs + 1, known.get(term, 0) + 1)
        for term, tf in counts.items()
    }


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine of two sparse vectors; 0 when either is empty."""
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    dot = sum(weight * large.get(term, 0.0) for term, weight in small.items())
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return 0.0 if norm == 0 else max(0.0, min(1.0, dot / norm))
