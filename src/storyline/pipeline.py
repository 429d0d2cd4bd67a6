"""The pipeline: documents in, clean articles out, into a store.

Stages are plain functions over the data model (DESIGN.md section 1); this module only
orders them and moves their results, so the same path serves ``storyline ingest``,
``storyline extract`` and (later) the online service and the Spark engine.

Failure handling follows scrapy's ``DropItem``: a document that cannot be used becomes a
``BadInputError`` carrying its origin and the reason, the run goes on, and the report counts
it. Articles are written in batches, one transaction each, so a crash loses at most the batch
in flight; ids are stable, so running the same input again picks up where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from storyline.dedup import Decision, Deduplicator, DedupOptions
from storyline.dedup.index import DedupStore
from storyline.embed.base import Embedder
from storyline.enrich import Enricher
from storyline.errors import BadInputError, StorylineError
from storyline.extract import DEFAULT_OPTIONS, ExtractOptions, LineStats, MemoryLineStats, extract
from storyline.ingest.files import FileOptions, expand_paths, read_file, source_for
from storyline.link.stream import EventStore, EventStream
from storyline.model import Article, RawDoc
from storyline.store.base import Store
from storyline.store.vectors import VectorStore

__all__ = ["IngestReport", "Pipeline", "PipelineOptions"]

#: Called after each input file with (files done, files in all, current file).
Progress = Callable[[int, int, Path], None]
#: Called with each error as it happens, so a long run shows problems at once.
ErrorSink = Callable[[BadInputError], None]


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    """Options for the whole run; each stage keeps its own options object."""

    files: FileOptions = field(default_factory=FileOptions)
    extract: ExtractOptions = DEFAULT_OPTIONS
    batch_size: int = 200
    #: Embed new articles (title + lead) into the store's vector cache as they are stored.
    embed: bool = True
    #: Find entities, quotes and dates of new articles and store them (docs/enrich.md).
    enrich: bool = True
    #: Duplicate detection as articles are stored (None: off), see docs/dedup.md.
    dedup: DedupOptions | None = field(default_factory=DedupOptions)
    #: Cluster new articles into events and storylines after storing (docs/events.md).
    events: bool = True


@dataclass(slots=True)
class IngestReport:
    """What a run did; ``ok`` is False when any input failed."""

    files: int = 0
    documents: int = 0
    inserted: int = 0
    skipped: int = 0
    ignored: int = 0
    errors: list[BadInputError] = field(default_factory=list)
    embedded: int = 0
    #: Why embedding stopped, if it failed (articles are stored all the same).
    embed_error: str | None = None
    #: Articles whose entities, quotes and dates were stored; why enrichment stopped, if so.
    enriched: int = 0
    enrich_error: str | None = None
    #: Articles stored marked as duplicates, and revisions of stored articles recorded.
    duplicates: int = 0
    revisions: int = 0
    #: Articles clustered into events; why event clustering stopped, if it did.
    clustered: int = 0
    cluster_error: str | None = None
    #: Articles stored by an earlier run that stopped before their later stages (a crash
    #: between the commit and clustering), finished by this run.
    resumed: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@runtime_checkable
class _PendingStore(Protocol):
    """A store that can list articles stored but in no event yet (both stores can)."""

    def unclustered_ids(self, *, limit: int = 1000) -> list[str]: ...


class Pipeline:
    """Runs documents through extraction and into a store (or out, for ``extract``)."""

    def __init__(
        self,
        store: Store | None = None,
        options: PipelineOptions | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.store = store
        self.options = options or PipelineOptions()
        # The default embedder is created on the first batch to embed (see _embed).
        self.embedder = embedder
        # The enricher (entities, quotes, dates) is created on the first batch to enrich.
        self.enricher: Enricher | None = None
        # Boilerplate is learned per source across runs when a store keeps the counts.
        self.line_stats: LineStats = store if store is not None else MemoryLineStats()
        #: Called with each article and its dedup decision (evaluation, progress).
        self.on_decision: Callable[[Article, Decision], None] | None = None
        self._dedup: Deduplicator | None = None
        #: The event clusterer over the store, resumed on the first batch (see _cluster).
        self.event_stream: EventStream | None = None
        self._resumed = False

    def documents(
        self,
        paths: Iterable[Path],
        report: IngestReport,
        progress: Progress | None = None,
    ) -> Iterator[RawDoc | BadInputError]:
        """Every document in the given files and folders, and an error for each unreadable part."""
        expansion = expand_paths(paths)
        report.ignored += expansion.ignored
        yield from expansion.errors
        total = len(expansion.files)
        for done, path in enumerate(expansion.files, start=1):
            report.files += 1
            if self.store is not None:
                self.store.upsert_source(source_for(path))
            yield from read_file(path, self.options.files)
            if progress is not None:
                progress(done, total, path)

    def extract_document(self, doc: RawDoc) -> Article:
        """Extract one document (the polling service's path: a feed item or a fetched page),
        learning boilerplate per source like every other path; raises ``BadInputError``."""
        return extract(doc, self.options.extract, self.line_stats)

    def articles(
        self, docs: Iterable[RawDoc | BadInputError], report: IngestReport
    ) -> Iterator[Article | BadInputError]:
        """Extract and clean each document; errors pass through, counted in ``report``."""
        for doc in docs:
            if isinstance(doc, BadInputError):
                report.errors.append(doc)
                yield doc
                continue
            report.documents += 1
            try:
                yield self.extract_document(doc)
            except BadInputError as error:
                report.errors.append(error)
                yield error

    def ingest_paths(
        self,
        paths: Iterable[Path],
        *,
        progress: Progress | None = None,
        on_error: ErrorSink | None = None,
    ) -> IngestReport:
        """Read, extract and store everything under ``paths``; never stops at a bad input."""
        if self.store is None:
            raise ValueError("ingest needs a store")
        report = IngestReport()
        batch: list[Article] = []
        for item in self.articles(self.documents(paths, report, progress), report):
            if isinstance(item, BadInputError):
                if on_error is not None:
                    on_error(item)
                continue
            if self._stage(item, report):
                batch.append(item)
            if len(batch) >= self.options.batch_size:
                self._flush(batch, report)
        self._flush(batch, report)
        return report

    def store_articles(
        self, articles: Iterable[Article], report: IngestReport | None = None
    ) -> IngestReport:
        """Dedup and store already extracted articles, in batches (``storyline cluster``)."""
        if self.store is None:
            raise ValueError("storing articles needs a store")
        report = report or IngestReport()
        batch: list[Article] = []
        for article in articles:
            if self._stage(article, report):
                batch.append(article)
            if len(batch) >= self.options.batch_size:
                self._flush(batch, report)
        self._flush(batch, report)
        return report

    def _stage(self, article: Article, report: IngestReport) -> bool:
        """Run the dedup stage on one article; False if it is not to be stored itself (a
        revision: it is written as a new version of the stored article at the next flush)."""
        if self.options.dedup is None or not isinstance(self.store, DedupStore):
            return True
        if self._dedup is None:
            self._dedup = Deduplicator(self.store, self.options.dedup)
        decision = self._dedup.stage(article)
        if self.on_decision is not None:
            self.on_decision(article, decision)
        if decision.revision_of is not None:
            report.revisions += 1
            return False
        return True

    def _flush(self, batch: list[Article], report: IngestReport) -> None:
        if not self._resumed:
            self._resumed = True
            self._resume(report)
        if self.store is None or not (batch or self._dedup is not None):
            return
        if self._dedup is not None and isinstance(self.store, DedupStore):
            changes = self._dedup.take_changes()
            if not batch and not changes:
                return
            result = self.store.add_deduped(batch, changes, params=self._dedup.params)
        else:
            result = self.store.add_articles(batch, batch_size=self.options.batch_size)
        report.inserted += len(result.inserted)
        report.skipped += len(result.skipped)
        inserted = set(result.inserted)
        added = [a for a in batch if a.id in inserted]
        report.duplicates += sum(1 for a in added if a.duplicate_of)
        self._embed(added, report)
        self._enrich(added, report)
        self._cluster(added, report)
        batch.clear()

    def _resume(self, report: IngestReport) -> None:
        """Finish the later stages of articles an interrupted run stored but never clustered.

        Embedding, enrichment and clustering run after a batch's commit, so a crash (kill -9,
        power loss) between the two leaves committed articles in no event. A re-run skips
        them as already stored, so the first flush of every run picks them up here, oldest
        first, and runs each missing stage on them: nothing committed stays half-processed.
        """
        from storyline.store.sqlite_entities import EntityStore

        store = self.store
        if not self.options.events or not isinstance(store, EventStore):
            return
        if not isinstance(store, _PendingStore):
            return
        seen: set[str] = set()
        while report.cluster_error is None:
            ids = [i for i in store.unclustered_ids(limit=self.options.batch_size) if i not in seen]
            if not ids:
                return
            seen.update(ids)
            found = store.get_articles(ids)
            articles = [found[i] for i in ids if i in found]
            if self.options.embed and isinstance(store, VectorStore):
                name = self._embedder().name
                vectors = store.get_vectors(name, ids)
                self._embed([a for a in articles if a.id not in vectors], report)
            if self.options.enrich and isinstance(store, EntityStore):
                self._enrich([a for a in articles if not store.is_enriched(a.id)], report)
            before = report.clustered
            self._cluster(articles, report)
            report.resumed += report.clustered - before

    def _embedder(self) -> Embedder:
        if self.embedder is None:
            from storyline.embed.e5 import E5Embedder

            self.embedder = E5Embedder()
        return self.embedder

    def _embed(self, articles: list[Article], report: IngestReport) -> None:
        """Cache story vectors of newly stored articles, for similar news.

        Runs after the batch is committed, so a failing embedder never loses an article: the
        failure is recorded in the report, embedding stops for the rest of the run, and
        ``storyline similar`` embeds what is missing later.
        """
        store = self.store
        if not articles or not self.options.embed or report.embed_error is not None:
            return
        if not isinstance(store, VectorStore):
            return
        from storyline.similar import embed_articles

        try:
            report.embedded += embed_articles(store, self._embedder(), articles)
        except (StorylineError, OSError, RuntimeError, ValueError, MemoryError) as error:
            report.embed_error = (
                f"embedding stopped ({error}); articles were stored without vectors"
            )

    def _enrich(self, articles: list[Article], report: IngestReport) -> None:
        """Store entities, quotes and dates of newly stored articles (after their commit, like
        embedding: a failure is recorded in the report and never loses an article)."""
        store = self.store
        if not articles or not self.options.enrich or report.enrich_error is not None:
            return
        from storyline.store.sqlite_entities import EntityStore

        if not isinstance(store, EntityStore):
            return
        try:
            if self.enricher is None:
                self.enricher = Enricher()
                self.enricher.seed(store.known_entities())
            enricher = self.enricher
            results = enricher.enrich_many(articles)
            report.enriched += store.put_enrichments(
                [(a.id, r) for a, r in zip(articles, results, strict=True)]
            )
        except (StorylineError, OSError, RuntimeError, ValueError, MemoryError) as error:
            report.enrich_error = f"enrichment stopped ({error}); articles were stored without it"

    def _cluster(self, articles: list[Article], report: IngestReport) -> None:
        """Cluster newly stored articles into events and storylines (docs/events.md).

        Runs after storing and embedding, with the cached vectors; like them, a failure is
        recorded in the report and never loses an article.
        """
        store = self.store
        if not articles or not self.options.events or report.cluster_error is not None:
            return
        if not isinstance(store, EventStore):
            return
        try:
            if self.event_stream is None:
                model = None
                if self.options.embed and report.embed_error is None:
                    model = self._embedder().name
                self.event_stream = EventStream(store, model)
            report.clustered += len(self.event_stream.add(articles))
        except (StorylineError, OSError, RuntimeError, ValueError, MemoryError) as error:
            report.cluster_error = f"event clustering stopped ({error}); articles were stored"
