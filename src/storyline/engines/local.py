"""The local batch engine: the Spark engine's pipeline in one process, same output.

It is the reference the Spark engine is measured against (docs/spark.md): the same stages
(:class:`~storyline.engines.stages.Stages`), the service's own sequential dedup stage
(:class:`~storyline.dedup.Deduplicator`, every article against everything before it in
stream order) and one streaming event clusterer over the whole input in stream order (no
time blocks, so no stitching). Only the corpus statistics are those of the whole input, as
in the Spark engine, so the two differ only where distribution changes the algorithm.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from storyline.dedup import Deduplicator
from storyline.engines.blocks import BlockResult, cluster_block
from storyline.engines.inputs import expand_inputs, read_input
from storyline.engines.output import (
    article_row,
    error_row,
    event_row,
    storyline_row,
    write_local,
)
from storyline.engines.stages import (
    EngineOptions,
    Processed,
    Stages,
    corpus_stats,
    document_terms,
    order_key,
)
from storyline.errors import BadInputError
from storyline.ingest.files import FileOptions
from storyline.link.events import load_event_params

__all__ = ["RunReport", "duplicate_rows", "run_local"]


@dataclass(slots=True)
class RunReport:
    """What a batch run did (both engines)."""

    engine: str
    articles: int = 0
    errors: int = 0
    duplicates: int = 0
    groups: int = 0
    events: int = 0
    storylines: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Articles per second over the whole run."""
        return self.articles / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rate"] = round(self.rate, 2)
        return data


def run_manifest(engine: str, options: EngineOptions, report: RunReport) -> dict[str, Any]:
    """The single ``run`` row."""
    model = None
    if options.embed:
        from storyline.embed.e5 import E5Embedder

        model = E5Embedder().name
    opts = {
        "enrich": options.enrich,
        "embed": options.embed,
        "window_days": options.window_days,
        "min_df": options.min_df,
        "max_bucket": options.max_bucket,
    }
    return {
        "engine": engine,
        "embed_model": model,
        "lsh_scheme": options.dedup.params.name,
        "options": json.dumps(opts, sort_keys=True),
        "counts": json.dumps(report.as_dict(), sort_keys=True),
    }


def duplicate_rows(processed: Sequence[Processed]) -> list[dict[str, Any]]:
    """``duplicates`` rows from articles whose ``duplicate_of`` is set (groups of 2+)."""
    members: dict[str, list[Processed]] = {}
    for p in processed:
        if p.article.duplicate_of:
            members.setdefault(p.article.duplicate_of, []).append(p)
    by_id = {p.article.id: p for p in processed}
    rows = []
    for group in sorted(members):
        head = by_id.get(group)
        group_members = ([head] if head else []) + sorted(
            members[group], key=lambda p: order_key(p.article)
        )
        original = next(
            (p.article.syndicated_from for p in group_members if p.article.syndicated_from),
            group,
        )
        for position, p in enumerate(group_members):
            rows.append(
                {
                    "group_id": group,
                    "article_id": p.article.id,
                    "original_id": original,
                    "position": position,
                }
            )
    return rows


def run_local(
    inputs: Sequence[str],
    output: Path,
    options: EngineOptions | None = None,
    *,
    on_error: Callable[[BadInputError], None] | None = None,
) -> RunReport:
    """Run the whole batch pipeline in this process and write ``output`` (see module doc)."""
    options = options or EngineOptions()
    report = RunReport("local")
    started = time.perf_counter()
    expansion = expand_inputs(inputs)
    errors: list[BadInputError] = list(expansion.errors)
    processed: list[Processed] = []
    file_options = FileOptions(max_bytes=options.max_bytes)
    for name, kind in expansion.files:
        stages = Stages(options)  # fresh per file, as a Spark task reads one file
        for item in stages.process(read_input(name, kind, file_options)):
            if isinstance(item, BadInputError):
                errors.append(item)
            else:
                processed.append(item)
    if on_error is not None:
        for error in errors:
            on_error(error)
    mark = time.perf_counter()
    report.timings["stages"] = mark - started

    dedup = Deduplicator(options=options.dedup)
    dedup.revisions = False  # a batch keeps every page; the Spark engine does the same
    kept: list[Processed] = []
    for p in sorted(processed, key=lambda p: order_key(p.article)):
        if dedup.stage(p.article).repeat:
            continue
        kept.append(p)
    report.timings["dedup"] = time.perf_counter() - mark
    mark = time.perf_counter()

    df: Counter[str] = Counter()
    for p in kept:
        df.update(document_terms(p.article))
    stats = corpus_stats(df.items(), len(kept), options.min_df)
    block: BlockResult = cluster_block(0, kept, load_event_params(), stats)
    report.timings["events"] = time.perf_counter() - mark

    placed = {m: (e.id, e.storyline, e.scores.get(m)) for e in block.events for m in e.members}
    duplicates = duplicate_rows(kept)
    report.articles = len(kept)
    report.errors = len(errors)
    report.duplicates = sum(1 for p in kept if p.article.duplicate_of)
    report.groups = len({r["group_id"] for r in duplicates})
    report.events = len(block.events)
    report.storylines = len(block.storylines)
    report.seconds = time.perf_counter() - started
    tables = {
        "articles": [article_row(p, *placed.get(p.article.id, (None, None, None))) for p in kept],
        "duplicates": duplicates,
        "events": [event_row(e) for e in block.events],
        "storylines": [storyline_row(s) for s in block.storylines],
        "errors": [error_row(e) for e in errors],
        "run": [run_manifest("local", options, report)],
    }
    write_local(output, tables)
    return report
