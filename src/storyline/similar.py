"""Similar news: "what else covers this?" for a stored article or a pasted text.

The query runs in three steps, as in Miranda et al. (2018), "Multilingual Clustering of
Streaming News": *candidates* from a vector index (the articles whose story vectors are
nearest; :mod:`storyline.link.index`), *re-ranking* of those candidates by the similarity
model, which adds words, names, quotes, links and dates to the cosine
(:mod:`storyline.link.similarity`), and *grouping*, so that five copies of one wire story
show as one line with "and 4 more".

Copies are recognised two ways: by the deduplication stage's marks
(``Article.duplicate_of``, ``Article.syndicated_from``), and, for copies it did not mark,
by folding a candidate into a better-ranked one when the two are near-identical (story
vectors with cosine ≥ :data:`FOLD_DENSE` and most words shared). Copies of the query itself
are reported apart, as copies, not as other coverage.

Articles without a cached vector (ingested while embedding failed, or before this feature)
are embedded on the first query and cached, so the index always covers the whole store.
This module sits above the stages and the store (like :mod:`storyline.pipeline`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from storyline.embed.base import Embedder, FloatMatrix, FloatVector, story_text
from storyline.embed.lexical import TermStatistics
from storyline.errors import BadInputError, ConfigError
from storyline.extract import extract
from storyline.link.features import Profile, Weighted, pair_features, profile
from storyline.link.index import HNSW_THRESHOLD, VectorIndex, build_index
from storyline.link.similarity import Scored, SimilarityModel
from storyline.model import Article, RawDoc
from storyline.store.vectors import StoreTermStats, VectorStore

__all__ = [
    "FOLD_DENSE",
    "SimilarGroup",
    "SimilarNews",
    "SimilarResult",
    "article_from_text",
    "embed_articles",
    "root_of",
]

#: Candidates fetched from the index and re-ranked per query.
CANDIDATES = 50
#: Near-identical: story vectors at least this close and this share of distinct words common.
FOLD_DENSE = 0.95
FOLD_WORDS = 0.5
#: Articles embedded per call of the embedder when filling the cache.
EMBED_BATCH = 64
#: Words whose document frequency a :class:`SimilarNews` remembers before starting afresh.
MAX_CACHED_TERMS = 500_000
#: Characters of a pasted text that are read (the rest cannot change the story vector).
MAX_TEXT_CHARS = 200_000

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class SimilarGroup:
    """One line of similar news: the best article of a group and the copies folded into it."""

    article: Article
    scored: Scored
    more: list[Article] = field(default_factory=list)


@dataclass(slots=True)
class SimilarResult:
    """What :class:`SimilarNews` found for one query."""

    query: Article
    groups: list[SimilarGroup]
    copies: list[Article]
    candidates: int
    index_kind: str


def article_from_text(text: str, origin: str = "<text>") -> Article:
    """A pasted text as an article, through the same extraction as an ingested text file."""
    if not text.strip():
        raise BadInputError(origin, "empty text: paste or pipe the article's text")
    raw = RawDoc(origin=origin, content=text[:MAX_TEXT_CHARS], media_type="text/plain")
    return extract(raw)


def embed_articles(
    store: VectorStore,
    embedder: Embedder,
    articles: Sequence[Article],
    *,
    batch: int = EMBED_BATCH,
    progress: Progress | None = None,
) -> int:
    """Embed articles (title + lead) and cache the vectors in the store; returns how many."""
    done = 0
    for start in range(0, len(articles), batch):
        chunk = articles[start : start + batch]
        matrix = embedder.embed([story_text(a) for a in chunk])
        done += store.put_vectors(embedder.name, [(a.id, matrix[i]) for i, a in enumerate(chunk)])
        if progress is not None:
            progress(start + len(chunk), len(articles))
    return done


def root_of(article: Article) -> str:
    """The original a copy folds under (itself when it is no copy)."""
    return article.duplicate_of or article.syndicated_from or article.id


class SimilarNews:
    """The similar-news query over one store (see the module docstring).

    The vector index is built on first use and kept, so a long-lived caller (the web app)
    pays for it once: when the store holds more vectors than the index, only the new ones
    are added (an HNSW graph grows in place; rebuilding one of a million vectors took an
    hour on the benchmark machine, docs/similar.md). ``refresh_seconds`` bounds how often a
    query checks the store for new vectors (0: on every query); when vectors were removed,
    the index is rebuilt.
    """

    def __init__(
        self,
        store: VectorStore,
        embedder: Embedder,
        model: SimilarityModel | None = None,
        *,
        candidates: int = CANDIDATES,
        hnsw_threshold: int = HNSW_THRESHOLD,
        refresh_seconds: float = 0.0,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.model = model or SimilarityModel()
        self.candidates = candidates
        self.hnsw_threshold = hnsw_threshold
        self.refresh_seconds = refresh_seconds
        self._index: VectorIndex | None = None
        self._indexed_ids: set[str] = set()
        self._checked = -float("inf")
        #: Articles in the store at the last check (index() counts them; _term_stats reuses it).
        self._articles = 0
        # Document frequencies, kept across queries: a query reads those of ~3,000 distinct
        # words of its 50 candidates, and they change slowly (see _term_stats).
        self._stats: StoreTermStats | None = None
        self._stats_documents = 0
        if self.model.params.embedder != embedder.name:
            raise ConfigError(
                f"the similarity model was fitted on {self.model.params.embedder!r} vectors, "
                f"not {embedder.name!r}; refit it on those vectors (python -m "
                "storyline.eval.fit_similarity --max-tokens N for another e5 window, --out "
                "FILE, then load_params(FILE)) or use the default embedder"
            )

    def fill_cache(self, progress: Progress | None = None) -> int:
        """Embed every stored article that has no vector yet; returns how many were added."""
        added = 0
        while ids := self.store.ids_without_vectors(self.embedder.name, limit=EMBED_BATCH * 8):
            articles = list(self.store.get_articles(ids).values())
            stored = embed_articles(self.store, self.embedder, articles)
            added += stored
            if progress is not None:
                progress(added, added + len(ids) - len(articles))
            if stored == 0:  # articles deleted meanwhile: nothing more to do
                break
        return added

    def index(self) -> VectorIndex:
        """The vector index over every cached vector (see the class docstring).

        A check first embeds stored articles that have no vector yet, when the counts say
        there are any (finding which ones scans the whole store).
        """
        now = time.monotonic()
        if self._index is not None and now - self._checked < self.refresh_seconds:
            return self._index
        self._checked = now
        name = self.embedder.name
        count = self.store.count_vectors(name)
        self._articles = self.store.count_articles()
        if count < self._articles:
            self.fill_cache()
            count = self.store.count_vectors(name)
        if self._index is None or count < len(self._indexed_ids):
            self._indexed_ids = set()
            self._index = build_index(
                self._every_vector(), self.embedder.dim, size=count, threshold=self.hnsw_threshold
            )
        elif count > len(self._indexed_ids):
            for ids, vectors in self._new_vectors():
                self._index.add(ids, vectors)
        return self._index

    def _every_vector(self) -> Iterator[tuple[list[str], FloatMatrix]]:
        """Every stored vector, in chunks (one sequential read); marks them as indexed."""
        for ids, vectors in self.store.iter_vectors(self.embedder.name):
            self._indexed_ids.update(ids)
            yield ids, vectors

    def _new_vectors(self) -> Iterator[tuple[list[str], FloatMatrix]]:
        """Stored vectors not in the index yet; marks them as indexed. Only the ids are
        scanned and only the new vectors read: a growing store of a million vectors would
        otherwise read ~1.5 GB at every check."""
        name = self.embedder.name
        for ids in self.store.iter_vector_ids(name):
            fresh = [i for i in ids if i not in self._indexed_ids]
            if not fresh:
                continue
            found = self.store.get_vectors(name, fresh)
            chosen = [i for i in fresh if i in found]  # removed meanwhile: left out
            if chosen:
                self._indexed_ids.update(chosen)
                yield chosen, np.vstack([found[i] for i in chosen]).astype(np.float32)

    def vector_of(self, article: Article) -> FloatVector:
        """The article's cached vector, embedding (and caching) it when missing."""
        cached = self.store.get_vectors(self.embedder.name, [article.id]).get(article.id)
        if cached is not None:
            return cached
        vector: FloatVector = self.embedder.embed([story_text(article)])[0]
        self.store.put_vectors(self.embedder.name, [(article.id, vector)])
        return vector

    def for_article(self, article_id: str, *, limit: int = 10) -> SimilarResult:
        """Similar news for a stored article; :class:`BadInputError` if there is none."""
        articles = self.store.get_articles([article_id])
        if article_id not in articles:
            raise BadInputError(article_id, "no stored article has this id; find ids with search")
        query = articles[article_id]
        return self._query(query, self.vector_of(query), limit=limit)

    def for_text(self, text: str, *, limit: int = 10, origin: str = "<text>") -> SimilarResult:
        """Similar news for a text that need not be stored (it is not stored)."""
        query = article_from_text(text, origin)
        vector = self.embedder.embed([story_text(query)])[0]
        return self._query(query, vector, limit=limit)

    def _term_stats(self) -> TermStatistics:
        """Document frequencies shared by queries; renewed when an index check finds the
        store grew by 5 % or the cache holds more than :data:`MAX_CACHED_TERMS` words."""
        stats = self._stats
        stale = (
            stats is None
            or len(stats) > MAX_CACHED_TERMS
            or self._articles > self._stats_documents * 1.05
        )
        if stats is None or stale:
            stats = self._stats = StoreTermStats(self.store)
            self._stats_documents = self._articles  # counted by the index check just made
        return stats

    def _query(self, query: Article, vector: FloatVector, *, limit: int) -> SimilarResult:
        index = self.index()
        hits = index.search(vector, self.candidates + 1)
        found = self.store.get_articles([i for i, _ in hits if i != query.id])
        vectors = self.store.get_vectors(self.embedder.name, list(found))
        stats = self._term_stats()
        mine = profile(query, vector)
        memo: dict[int, Weighted] = {}
        copies: list[Article] = []
        ranked: list[tuple[Scored, Article, Profile]] = []
        for cid, _ in hits:
            candidate = found.get(cid)
            if candidate is None:
                continue
            if root_of(candidate) in {query.id, root_of(query)}:
                copies.append(candidate)
                continue
            theirs = profile(candidate, vectors.get(cid))
            features = pair_features(mine, theirs, stats, memo)
            ranked.append((self.model.score(features), candidate, theirs))
        ranked.sort(key=lambda item: (-item[0].score, item[1].id))
        groups = _group(ranked)
        return SimilarResult(query, groups[:limit], copies, len(hits), index.kind)


def _group(ranked: list[tuple[Scored, Article, Profile]]) -> list[SimilarGroup]:
    """Fold copies into the best-ranked member of their group (see the module docstring)."""
    groups: list[SimilarGroup] = []
    heads: list[tuple[SimilarGroup, Profile, frozenset[str]]] = []
    by_root: dict[str, SimilarGroup] = {}
    for scored, article, prof in ranked:
        root = root_of(article)
        group = by_root.get(root)
        if group is None:
            words = frozenset(prof.body_terms)
            group = next(
                (g for g, p, w in heads if _near_identical(prof, words, p, w)),
                None,
            )
            if group is None:
                group = SimilarGroup(article, scored)
                groups.append(group)
                heads.append((group, prof, words))
            else:
                group.more.append(article)
            by_root[root] = group
        else:
            group.more.append(article)
    return groups


def _near_identical(
    a: Profile, a_words: frozenset[str], b: Profile, b_words: frozenset[str]
) -> bool:
    if a.vector is None or b.vector is None:
        return False
    if float(np.dot(a.vector, b.vector)) < FOLD_DENSE:
        return False
    union = len(a_words | b_words)
    return union > 0 and len(a_words & b_words) / union >= FOLD_WORDS
