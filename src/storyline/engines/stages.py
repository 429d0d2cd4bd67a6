"""The per-document stages both batch engines run, and what they hand on.

Both engines (:mod:`storyline.engines.local` and :mod:`storyline.engines.spark`) call
:meth:`Stages.process` over a stream of :class:`~storyline.model.RawDoc`: extraction and
cleaning (with language), the dedup stage's fingerprints, enrichment and the story vector,
all with the stage functions the service uses. Nothing here knows about Spark: a Spark
executor calls it inside ``mapPartitions``.

Models are loaded once per process (:func:`shared_models`): a Spark Python worker is
reused across tasks (``spark.python.worker.reuse``, on by default), so an executor loads
spaCy and the e5 engine once, not once per partition. Stateful parts that change results
(the boilerplate line counts, the entity registry) start fresh per input file for the
local engine and per partition for Spark, so one WARC file gives the same articles in both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storyline.dedup import DedupOptions
from storyline.dedup.fingerprints import fingerprint, to_fields
from storyline.dedup.urls import canonical_url
from storyline.embed.base import Embedder, FloatVector, story_text
from storyline.embed.lexical import CorpusStats
from storyline.enrich import Enricher, EnrichOptions
from storyline.enrich.base import Enrichment
from storyline.errors import BadInputError, StorylineError
from storyline.extract import DEFAULT_OPTIONS, ExtractOptions, MemoryLineStats, extract
from storyline.ingest.files import DEFAULT_MAX_BYTES
from storyline.link.signals import item_terms
from storyline.model import Article, RawDoc

__all__ = [
    "EngineOptions",
    "Processed",
    "Stages",
    "corpus_stats",
    "document_terms",
    "order_key",
    "shared_models",
    "stream_rank",
]

#: Articles enriched and embedded together (spaCy ``pipe`` and the e5 batch).
BATCH = 32


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """Settings shared by the local and the Spark engine (docs/spark.md)."""

    #: Find entities, quotes and dates (spaCy when the ``nlp`` extra is installed).
    enrich: bool = True
    #: Embed title + lead with multilingual-e5-small (the story vector events use).
    embed: bool = True
    #: Event clustering blocks: articles are clustered per window of this many days, and
    #: events of neighbouring blocks are stitched (see :mod:`storyline.engines.blocks`).
    window_days: float = 7.0
    #: Terms seen in fewer documents are left out of the corpus statistics (both engines).
    min_df: int = 2
    #: Pairs taken per LSH bucket member (earlier members, in stream order).
    max_bucket: int = 64
    #: Largest document or WARC record read, in bytes.
    max_bytes: int = DEFAULT_MAX_BYTES
    #: OpenMP threads of the e5 engine (None: all cores; Spark sets it to the task's cores).
    embed_threads: int | None = None
    dedup: DedupOptions = field(default_factory=DedupOptions)
    extract: ExtractOptions = DEFAULT_OPTIONS


@dataclass(slots=True)
class Processed:
    """One article after the per-document stages (picklable: it crosses Spark shuffles)."""

    article: Article
    enrichment: Enrichment | None = None
    vector: FloatVector | None = None


def stream_rank(moment: datetime | None, key: str) -> tuple[bool, float, str]:
    """Stream order of something that happened at ``moment``: by time, the undated last,
    ties by ``key`` (an article by its publication, an event or storyline by its founding)."""
    return (moment is None, moment.timestamp() if moment else 0.0, key)


def order_key(article: Article) -> tuple[bool, float, str]:
    """Stream order: by publication time, undated articles last, ties by id.

    The dedup stage and the event clusterer are order-dependent (the first-seen copy heads
    its group; an article joins events founded before it), so both engines use this order.
    """
    return stream_rank(article.published, article.id)


def document_terms(article: Article) -> set[str]:
    """The distinct terms the event clusterer reads from an article (for document counts)."""
    return set(item_terms(article))


def corpus_stats(counts: Iterable[tuple[str, int]], documents: int, min_df: int) -> CorpusStats:
    """Corpus statistics from (term, document count) pairs, dropping rare terms.

    A batch engine sees its whole input, so both engines give the clusterer the document
    frequencies of the whole input (not the growing counts of a live stream): the result
    then does not depend on how the input is cut into blocks or partitions.
    """
    stats = CorpusStats()
    stats.n_docs = documents
    for term, count in counts:
        if count >= min_df:
            stats.df[term] = count
    return stats


_MODELS: dict[str, Any] = {}


def shared_models(options: EngineOptions) -> tuple[Embedder | None, Any]:
    """The embedder and the entity recogniser of this process, loaded on first use."""
    embedder: Embedder | None = None
    if options.embed:
        if "embedder" not in _MODELS:
            from storyline.embed.e5 import E5Embedder

            _MODELS["embedder"] = E5Embedder(threads=options.embed_threads)
        embedder = _MODELS["embedder"]
    recogniser = None
    if options.enrich:
        if "recogniser" not in _MODELS:
            # The enricher picks spaCy when installed, else the rules (model is None).
            _MODELS["recogniser"] = Enricher().model
        recogniser = _MODELS["recogniser"]
    return embedder, recogniser


class Stages:
    """Extraction, fingerprints, enrichment and embedding for a stream of documents."""

    def __init__(self, options: EngineOptions) -> None:
        self.options = options
        self.embedder, recogniser = shared_models(options)
        self.enricher: Enricher | None = None
        if options.enrich:
            if recogniser is not None:
                self.enricher = Enricher(recogniser=recogniser)
            else:
                self.enricher = Enricher(EnrichOptions(use_spacy=False))
        self.line_stats = MemoryLineStats()

    def process(
        self, docs: Iterable[RawDoc | BadInputError]
    ) -> Iterator[Processed | BadInputError]:
        """Every document as a :class:`Processed` article, or the error that stopped it."""
        batch: list[Article] = []
        for doc in docs:
            if isinstance(doc, BadInputError):
                yield doc
                continue
            try:
                article = extract(doc, self.options.extract, self.line_stats)
            except BadInputError as error:
                yield error
                continue
            self.fingerprint(article)
            batch.append(article)
            if len(batch) >= BATCH:
                yield from self._finish(batch)
                batch = []
        yield from self._finish(batch)

    def fingerprint(self, article: Article) -> None:
        """What the dedup stage records on an article before comparing it."""
        params = self.options.dedup.params
        article.fingerprints = to_fields(fingerprint(article, params), params)
        if article.url and not article.canonical_url:
            article.canonical_url = canonical_url(article.url)

    def _finish(self, batch: list[Article]) -> Iterator[Processed]:
        if not batch:
            return
        enrichments: list[Enrichment | None] = [None] * len(batch)
        if self.enricher is not None:
            enrichments = list(self.enricher.enrich_many(batch))
            for article, found in zip(batch, enrichments, strict=True):
                if found is not None:
                    article.entities = [e.name for e in found.entities]
        vectors: list[FloatVector | None] = [None] * len(batch)
        if self.embedder is not None:
            try:
                matrix = self.embedder.embed([story_text(a) for a in batch])
            except StorylineError as error:
                raise StorylineError(f"embedding failed: {error}") from error
            vectors = [matrix[i] for i in range(len(batch))]
        for article, found, vector in zip(batch, enrichments, vectors, strict=True):
            yield Processed(article, found, vector)
