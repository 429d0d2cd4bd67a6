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

from storyline.errors import BadInputError
from storyline.extract import DEFAULT_OPTIONS, ExtractOptions, LineStats, MemoryLineStats, extract
from storyline.ingest.files import FileOptions, expand_paths, read_file, source_for
from storyline.model import Article, RawDoc
from storyline.store.base import Store

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


@dataclass(slots=True)
class IngestReport:
    """What a run did; ``ok`` is False when any input failed."""

    files: int = 0
    documents: int = 0
    inserted: int = 0
    skipped: int = 0
    ignored: int = 0
    errors: list[BadInputError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class Pipeline:
    """Runs documents through extraction and into a store (or out, for ``extract``)."""

    def __init__(self, store: Store | None = None, options: PipelineOptions | None = None) -> None:
        self.store = store
        self.options = options or PipelineOptions()
        # Boilerplate is learned per source across runs when a store keeps the counts.
        self.line_stats: LineStats = store if store is not None else MemoryLineStats()

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
                yield extract(doc, self.options.extract, self.line_stats)
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
            batch.append(item)
            if len(batch) >= self.options.batch_size:
                self._flush(batch, report)
        self._flush(batch, report)
        return report

    def _flush(self, batch: list[Article], report: IngestReport) -> None:
        if not batch or self.store is None:
            return
        result = self.store.add_articles(batch, batch_size=self.options.batch_size)
        report.inserted += len(result.inserted)
        report.skipped += len(result.skipped)
        batch.clear()
