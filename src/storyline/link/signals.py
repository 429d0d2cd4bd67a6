"""What the event and storyline clusterers know about one article, computed once.

An :class:`Item` holds the article's story vector (title + lead; :mod:`storyline.embed`),
an L2-normalised BM25 term vector (:mod:`storyline.embed.lexical`), an IDF-weighted vector
of its names (the entity stage's entities when present, else the name-like tokens of
:func:`storyline.link.features.name_keys`), its publication time, language and the date
the reported happening took place (:mod:`storyline.link.eventdate`).

Clusters keep sums of these vectors (:class:`Centroid`), so comparing an article with a
cluster costs the same whatever the cluster's size, which is what keeps the cost per article
flat as a store grows (Miranda et al. 2018, "Multilingual Clustering of Streaming News",
section 3: clusters are represented by centroids of their documents' features).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from storyline.embed.base import FloatVector
from storyline.embed.lexical import CorpusStats, TermStatistics, bm25_vector, fold, terms
from storyline.link.eventdate import event_date, lead_weekday
from storyline.link.features import name_keys
from storyline.model import Article

__all__ = [
    "Centroid",
    "Item",
    "LiveStats",
    "item_terms",
    "make_item",
    "sparse_cosine",
]

#: Terms kept in a cluster's lexical centroid (the heaviest ones): bounds memory and time.
CENTROID_TERMS = 300
#: Terms of an article that look up candidate clusters in the lexical index.
QUERY_TERMS = 12
#: Words read per article (the story is in the first few hundred), and the heaviest terms
#: kept in its vector: bounds the cost per article whatever the text's length.
READ_TERMS = 800
ITEM_TERMS = 200
#: Open clusters needed before their cosines with an article count as its background.
BACKGROUND_MIN = 5


@dataclass(slots=True)
class Item:
    """One article as the clusterers see it (see the module docstring)."""

    id: str
    title: str
    published: datetime | None
    vector: FloatVector | None
    lex: dict[str, float]
    names: dict[str, float]
    name_labels: dict[str, str]
    language: str | None
    source: str | None
    when: date | None
    #: The weekday of the reported happening when its date is unknown (see
    #: :func:`storyline.link.eventdate.event_weekday`).
    weekday: int | None = None
    #: Mean and spread of the item's dense cosine with every open cluster, taken when the
    #: candidates were looked up (:meth:`OpenIndex.candidates`): the background a match
    #: must stand out from.
    background: tuple[float, float] | None = None
    #: The title's terms (:mod:`storyline.link.headline` scores titles as headlines).
    title_terms: tuple[str, ...] = ()

    def top_terms(self, n: int = QUERY_TERMS) -> list[str]:
        """The ``n`` heaviest terms (ties by the term, so the choice is deterministic)."""
        return [t for t, _ in sorted(self.lex.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def _unit(weights: Mapping[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {k: w / norm for k, w in weights.items()} if norm else {}


def sparse_cosine(
    a: Mapping[str, float], b: Mapping[str, float], b_norm: float | None = None
) -> float:
    """Cosine of two sparse vectors (``a`` already unit length); ``b_norm`` may be given."""
    if not a or not b:
        return 0.0
    dot = sum(a[t] * b[t] for t in a.keys() & b.keys())
    if b_norm is None:
        b_norm = math.sqrt(sum(w * w for w in b.values()))
    return 0.0 if b_norm <= 0 else max(0.0, min(1.0, dot / b_norm))


class LiveStats:
    """Document frequencies that grow with the stream (:class:`CorpusStats` plus names).

    The clusterers see each article once, in order, so inverse document frequencies come
    from what arrived so far: nothing from the future is used, as in a live service.
    """

    def __init__(self) -> None:
        self.terms = CorpusStats()

    def documents(self) -> int:
        return self.terms.documents()

    def frequencies(self, words: Iterable[str]) -> Mapping[str, int]:
        return self.terms.frequencies(words)


def item_terms(article: Article) -> list[str]:
    """The terms the clusterers read from an article (title, then the first words of its
    text): what its term vector and the document frequencies are made of."""
    return terms(f"{article.title}\n{article.text}", limit=READ_TERMS)


def make_item(
    article: Article,
    vector: FloatVector | None,
    stats: TermStatistics,
    *,
    learn: CorpusStats | None = None,
) -> Item:
    """The :class:`Item` of ``article``; ``learn`` (if given) counts its terms first."""
    body_terms = item_terms(article)
    if learn is not None:
        learn.add(body_terms)
    weights = bm25_vector(body_terms, stats)
    if len(weights) > ITEM_TERMS:
        weights = dict(sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:ITEM_TERMS])
    lex = _unit(weights)
    labels: dict[str, str] = {}
    if article.entities:
        counts: Counter[str] = Counter()
        for entity in article.entities:
            key = fold(entity)
            counts[key] += 1
            labels.setdefault(key, entity)
        raw = {k: (1.0 + math.log(c)) for k, c in counts.items()}
    else:
        found = name_keys(f"{article.title}. {article.text[:4000]}")
        known = stats.frequencies(term for _, term in found.values())
        n_docs = max(stats.documents(), 1) + 1
        raw = {}
        for key, (count, term) in found.items():
            df = min(known.get(term, 0) + 1, n_docs)
            raw[key] = (1.0 + math.log(count)) * math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
            labels[key] = term
    when = event_date(article)
    vec = None
    if vector is not None:
        vec = np.asarray(vector, dtype=np.float32).reshape(-1)
    return Item(
        id=article.id,
        title=article.title,
        published=article.published,
        vector=vec,
        lex=lex,
        names=_unit(raw),
        name_labels=labels,
        language=article.language,
        source=article.source_id or article.site_name,
        when=when,
        weekday=lead_weekday(article) if when is None and article.published is None else None,
        title_terms=tuple(terms(article.title)),
    )


@dataclass(slots=True)
class Centroid:
    """Running sums of members' vectors: dense (unit-normalised on read), terms, names."""

    dense: FloatVector | None = None
    lex: dict[str, float] = field(default_factory=dict)
    names: dict[str, float] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    lex_norm: float = 0.0
    names_norm: float = 0.0
    size: int = 0
    #: The unit dense vector, cached until the next change.
    cached_unit: FloatVector | None = None

    def add(self, item: Item) -> None:
        self.cached_unit = None
        self.size += 1
        if item.vector is not None:
            self.dense = item.vector.copy() if self.dense is None else self.dense + item.vector
        self.lex = _add_pruned(self.lex, item.lex)
        self.names = _add_pruned(self.names, item.names)
        for key in item.names:
            self.labels.setdefault(key, item.name_labels.get(key, key))
        self.lex_norm = math.sqrt(sum(w * w for w in self.lex.values()))
        self.names_norm = math.sqrt(sum(w * w for w in self.names.values()))

    def absorb(self, other: Centroid) -> None:
        """Add another centroid's sums (when two clusters merge)."""
        self.cached_unit = None
        self.size += other.size
        if other.dense is not None:
            self.dense = other.dense.copy() if self.dense is None else self.dense + other.dense
        self.lex = _add_pruned(self.lex, other.lex)
        self.names = _add_pruned(self.names, other.names)
        for key, label in other.labels.items():
            self.labels.setdefault(key, label)
        self.lex_norm = math.sqrt(sum(w * w for w in self.lex.values()))
        self.names_norm = math.sqrt(sum(w * w for w in self.names.values()))

    def compact(self) -> None:
        """Drop the sums (keep the size): a closed cluster is never compared again, and a
        long stream must not hold every closed cluster's vectors in memory."""
        self.dense = self.cached_unit = None
        self.lex, self.names, self.labels = {}, {}, {}
        self.lex_norm = self.names_norm = 0.0

    def unit_dense(self) -> FloatVector | None:
        if self.cached_unit is not None or self.dense is None:
            return self.cached_unit
        norm = float(np.linalg.norm(self.dense))
        if norm > 0:
            self.cached_unit = (self.dense / norm).astype(np.float32)
        return self.cached_unit

    def top_terms(self, n: int) -> list[str]:
        return [t for t, _ in sorted(self.lex.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]

    def key_names(self, n: int) -> list[str]:
        """The ``n`` heaviest names, as they were written (first spelling seen)."""
        ranked = sorted(self.names.items(), key=lambda kv: (-kv[1], kv[0]))
        out = []
        for key, _ in ranked:
            label = self.labels.get(key, key)
            if label.startswith("#") or label.isdigit() or label.lower() in _NOT_NAMES:
                continue
            out.append(label if label[:1].isupper() else label.title())
            if len(out) >= n:
                break
        return out


#: Capitalised words that start sentences rather than name anything (key entities skip
#: them when the entity stage gave no entities and names are guessed from capitals).
_NOT_NAMES = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "but",
        "or",
        "if",
        "in",
        "on",
        "at",
        "to",
        "of",
        "for",
        "by",
        "with",
        "from",
        "as",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "he",
        "she",
        "they",
        "we",
        "you",
        "i",
        "his",
        "her",
        "their",
        "our",
        "there",
        "here",
        "when",
        "while",
        "after",
        "before",
        "since",
        "according",
        "also",
        "however",
        "meanwhile",
        "officials",
        "president",
        "minister",
        "der",
        "die",
        "das",
        "le",
        "la",
        "les",
        "el",
        "los",
        "las",
        "il",
        "lo",
        "de",
        "du",
        "des",
    ]
)


def _add_pruned(total: dict[str, float], part: Mapping[str, float]) -> dict[str, float]:
    out = dict(total)
    for key, weight in part.items():
        out[key] = out.get(key, 0.0) + weight
    if len(out) > CENTROID_TERMS:
        keep = sorted(out.items(), key=lambda kv: (-kv[1], kv[0]))[:CENTROID_TERMS]
        out = dict(keep)
    return out


class OpenIndex:
    """The dense and lexical indexes over open clusters (events or storylines).

    Dense: a matrix of unit centroids, one row per open cluster, searched by one
    matrix-vector product. Lexical: each cluster's heaviest ``posted_terms`` terms point back
    to it. Closing a cluster swaps its row out, so the index only ever holds open clusters.
    """

    def __init__(self, posted_terms: int = 20) -> None:
        self.posted_terms = posted_terms
        self.ids: list[str] = []
        self._row: dict[str, int] = {}
        self._matrix: FloatVector | None = None
        self._postings: dict[str, set[str]] = {}
        self._posted: dict[str, list[str]] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, cid: object) -> bool:
        return cid in self._row

    def put(self, cid: str, centroid: Centroid) -> None:
        """Add ``cid`` or refresh its entries from ``centroid``."""
        if cid not in self._row:
            self._row[cid] = len(self.ids)
            self.ids.append(cid)
        unit = centroid.unit_dense()
        dim = unit.size if unit is not None else None
        if dim is None and self._matrix is not None:
            dim = self._matrix.shape[1]
        if dim is not None:
            self._ensure(len(self.ids), dim)
            assert self._matrix is not None
            self._matrix[self._row[cid]] = 0.0 if unit is None else unit
        terms = centroid.top_terms(self.posted_terms)
        for term in set(self._posted.get(cid, ())) - set(terms):
            self._postings.get(term, set()).discard(cid)
        for term in terms:
            self._postings.setdefault(term, set()).add(cid)
        self._posted[cid] = terms

    def _ensure(self, rows: int, dim: int) -> None:
        if self._matrix is None:
            self._matrix = np.zeros((max(64, rows * 2), dim), dtype=np.float32)
        elif self._matrix.shape[0] < rows:
            grown = np.zeros((max(rows, self._matrix.shape[0] * 2), dim), dtype=np.float32)
            grown[: self._matrix.shape[0]] = self._matrix
            self._matrix = grown

    def remove(self, cid: str) -> None:
        for term in self._posted.pop(cid, ()):
            self._postings.get(term, set()).discard(cid)
        row = self._row.pop(cid, None)
        if row is None:
            return
        last = len(self.ids) - 1
        moved = self.ids[last]
        if row != last:
            self.ids[row] = moved
            self._row[moved] = row
            if self._matrix is not None:
                self._matrix[row] = self._matrix[last]
        self.ids.pop()

    def search(
        self, vector: FloatVector | None, k: int
    ) -> tuple[list[tuple[str, float]], tuple[float, float] | None]:
        """Up to ``k`` (id, cosine) of the open clusters nearest ``vector``, and the mean and
        standard deviation of all the cosines (``None`` with fewer than
        :data:`BACKGROUND_MIN` open clusters: too few to be a background)."""
        if vector is None or self._matrix is None or not self.ids or k < 1:
            return [], None
        scores = self._matrix[: len(self.ids)] @ vector
        background = None
        if len(self.ids) >= BACKGROUND_MIN:
            background = (float(scores.mean()), float(scores.std()))
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]
        return [(self.ids[int(i)], float(scores[int(i)])) for i in top], background

    def lexical(self, words: Iterable[str], k: int) -> list[str]:
        """Up to ``k`` open clusters sharing the most of ``words`` among their posted terms."""
        shared: Counter[str] = Counter()
        for term in words:
            for cid in self._postings.get(term, ()):
                shared[cid] += 1
        return [c for c, _ in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0]))[:k]]

    def candidates(self, item: Item, k: int) -> list[str]:
        """Union of the dense and lexical candidates of ``item`` (sorted ids).

        Also sets ``item.background`` (see :class:`Item`) from the same dense scores.
        """
        near, item.background = self.search(item.vector, k)
        found = {cid for cid, _ in near}
        found.update(self.lexical(item.top_terms(), k))
        return sorted(found)
