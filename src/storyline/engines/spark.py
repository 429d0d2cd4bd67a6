"""The Spark engine: the batch pipeline over WARC, JSONL and Parquet inputs on a cluster.

Plan of a run (docs/spark.md has the reasoning and the measured figures):

1. **Per-document stages** in ``mapPartitions``: one task per local input file (a WARC.gz
   cannot be split), Spark's own readers for URIs (``binaryFiles``) and Parquet. Each task
   runs :class:`~storyline.engines.stages.Stages`, the same extraction, cleaning, language,
   fingerprint, enrichment and embedding code as the service; models load once per Python
   worker.
2. **Near duplicates**: MinHash LSH *banding with a join* over the signatures and band keys
   the dedup stage itself computes (Leskovec, Rajaraman and Ullman, *Mining of Massive
   Datasets*, ch. 3.4): every article is keyed by its 42 band buckets and its exact keys
   (URL, canonical URL, text hash); a bucket's members become candidate pairs, each judged
   by the dedup stage's :func:`~storyline.dedup.compare` (containment, facts guard,
   headlines). Not MLlib's ``MinHashLSH``: it hashes its own random sets with its own
   family, so its buckets and Jaccard estimates differ from the service's stored ones, and
   it offers only a Jaccard-distance threshold, not the containment and fact checks that
   tell a copy from a template. Duplicate pairs are edges; their **connected components**
   (label propagation, below) are the groups, headed by the earliest article, and the
   syndication original is chosen per group with the stage's ``choose_original``.
3. **Events**: articles are grouped into time blocks and each block is clustered by the
   streaming clusterer; events and storylines founded on both sides of a boundary are
   stitched and joined by connected components (:mod:`storyline.engines.blocks`).
4. **Output**: Parquet tables (:mod:`storyline.engines.output`).

Connected components use min-label propagation (each node takes the smallest label among
itself and its neighbours until nothing changes; the number of rounds is the graph's
diameter, two or three for duplicate stars and stitched events).
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from storyline.dedup.compare import compare
from storyline.dedup.fingerprints import Fingerprint, band_keys, fingerprint_from_article
from storyline.dedup.syndication import choose_original
from storyline.engines.blocks import (
    UNDATED,
    EventSummary,
    UnionFind,
    block_of,
    cluster_block,
    combine_events,
    combine_stories,
    stitch,
)
from storyline.engines.inputs import expand_inputs, read_input, row_document
from storyline.engines.local import RunReport, run_manifest
from storyline.engines.output import (
    TABLES,
    article_row,
    error_row,
    event_row,
    storyline_row,
)
from storyline.engines.stages import (
    EngineOptions,
    Processed,
    Stages,
    corpus_stats,
    document_terms,
    order_key,
    stream_rank,
)
from storyline.errors import BadInputError, MissingExtraError
from storyline.ingest.files import FileOptions
from storyline.link.events import EventClusterer, EventOptions, load_event_params
from storyline.link.storylines import StorylineLinker, StorylineOptions

__all__ = ["SparkEngine", "components", "spark_session"]

Rank = tuple[bool, float, str]


def spark_session(master: str | None = None, config: dict[str, str] | None = None) -> Any:
    """A SparkSession with the settings the engine relies on (UTC, microsecond timestamps)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise MissingExtraError("pyspark", "spark") from error
    builder = SparkSession.builder.appName("storyline")
    if master:
        builder = builder.master(master)
    settings = {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.python.worker.reuse": "true",
    }
    if (master or "").startswith("local") and not os.environ.get("PYSPARK_PYTHON"):
        # Local mode: the Python workers are this interpreter (with Storyline installed).
        os.environ["PYSPARK_PYTHON"] = sys.executable
    settings.update(config or {})
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _spark_type(kind: str) -> Any:
    from pyspark.sql import types as T

    simple = {
        "string": T.StringType(),
        "timestamp": T.TimestampType(),
        "date": T.DateType(),
        "int": T.IntegerType(),
        "double": T.DoubleType(),
        "list<string>": T.ArrayType(T.StringType()),
        "list<float>": T.ArrayType(T.FloatType()),
    }
    return simple[kind]


def spark_schema(table: str) -> Any:
    from pyspark.sql import types as T

    return T.StructType(
        [T.StructField(name, _spark_type(kind), True) for name, kind in TABLES[table].items()]
    )


# -- stage 1: documents to processed articles (runs on executors) ------------------------


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed input on its way to the driver: a plain record for the errors table."""

    origin: str
    reason: str


def _safe(items: Iterable[Processed | BadInputError]) -> Iterator[Processed | Failure]:
    for item in items:
        yield Failure(item.origin, item.reason) if isinstance(item, BadInputError) else item


def _stages(options: EngineOptions, files: Iterable[tuple[str, str]]) -> Iterator[Any]:
    file_options = FileOptions(max_bytes=options.max_bytes)
    for name, kind in files:
        yield from _safe(Stages(options).process(read_input(name, kind, file_options)))


def _remote(options: EngineOptions, kind: str, blobs: Iterable[tuple[str, bytes]]) -> Iterator[Any]:
    """Inputs Spark fetched (``binaryFiles``): through a temporary file to the same readers,
    named by their URI. The copy keeps the URI's suffixes, so ``.jsonl.gz`` stays gzip."""
    file_options = FileOptions(max_bytes=options.max_bytes)
    default = {"warc": ".warc.gz", "jsonl": ".jsonl", "html": ".html"}.get(kind, ".txt")
    for uri, data in blobs:
        suffix = "".join(PurePosixPath(urlsplit(uri).path).suffixes[-2:]) or default
        with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
            handle.write(data)
            handle.flush()
            docs = read_input(handle.name, kind, file_options, label=uri)
            yield from _safe(Stages(options).process(docs))


def _rows(options: EngineOptions, origin: str, rows: Iterable[Any]) -> Iterator[Any]:
    docs = (row_document(origin, row.asDict()) for row in rows)
    yield from _safe(Stages(options).process(docs))


# -- stage 2: near duplicates ------------------------------------------------------------


def _keys(item: tuple[Rank, Fingerprint], params: Any) -> Iterator[tuple[tuple[str, Any], Rank]]:
    rank, fp = item
    if fp.signature is not None:
        for key in band_keys(fp.signature, params):
            yield ("b", key), rank
    for value in dict.fromkeys(v for v in (fp.url_key, fp.canonical_key) if v):
        yield ("u", value), rank
    if fp.text_hash:
        yield ("t", fp.text_hash), rank


def _bucket_pairs(members: Iterable[Rank], limit: int) -> Iterator[tuple[Rank, Rank]]:
    """(later, earlier) pairs of a bucket: each member with up to ``limit`` earlier ones."""
    ordered = sorted(set(members))
    for j in range(1, len(ordered)):
        for i in range(max(0, j - limit), j):
            yield ordered[j], ordered[i]


def components(
    edges: Any, partitions: int, *, local_limit: int = 200_000, max_rounds: int = 200
) -> Any:
    """Connected components of an RDD of (node, node) edges: RDD of (node, smallest node).

    Nodes must be comparable; only nodes on some edge appear in the result. Up to
    ``local_limit`` edges are joined on the driver (union-find: one Spark job instead of
    two per propagation round); more go through distributed min-label propagation.
    """
    sample = edges.take(local_limit + 1)
    if len(sample) <= local_limit:
        forest: UnionFind[Any] = UnionFind(lambda node: node)  # named by the smallest node
        for a, b in sample:
            forest.union(a, b)
        nodes = {n for edge in sample for n in edge}
        return edges.context.parallelize([(n, forest.find(n)) for n in sorted(nodes)], partitions)
    adjacent = edges.flatMap(lambda e: [(e[0], e[1]), (e[1], e[0])]).distinct(partitions).cache()
    labels = adjacent.reduceByKey(min, partitions).map(lambda kv: (kv[0], min(kv))).cache()
    for _ in range(max_rounds):
        sent = adjacent.join(labels, partitions).map(lambda x: (x[1][0], x[1][1]))
        updated = labels.union(sent).reduceByKey(min, partitions).cache()
        changed = updated.join(labels, partitions).filter(lambda x: x[1][0] != x[1][1]).count()
        labels.unpersist()
        labels = updated
        if not changed:
            break
    adjacent.unpersist()
    return labels


def _group(members: Iterable[tuple[Rank, Fingerprint]]) -> tuple[str, str, list[Fingerprint]]:
    """(head, original, members in stream order) of one duplicate group."""
    ordered = sorted(members, key=lambda m: m[0])
    head = ordered[0][1].article_id
    fps = [fp.with_group(head) for _, fp in ordered]
    return head, choose_original(fps).article_id, fps


Group = tuple[str, str, list[Fingerprint]]


def _group_rows(group: Group) -> list[dict[str, Any]]:
    head, original, fps = group
    return [
        {"group_id": head, "article_id": fp.article_id, "original_id": original, "position": i}
        for i, fp in enumerate(fps)
    ]


def _group_marks(group: Group) -> list[tuple[str, Any]]:
    """(article id, (duplicate_of, syndicated_from)) for the members of one group."""
    head, original, fps = group
    out = []
    for fp in fps:
        dup = None if fp.article_id == head else head
        synd = None if fp.article_id == original else original
        out.append((fp.article_id, (dup, synd)))
    return out


# -- stage 3: events ---------------------------------------------------------------------


def _event_rank(state: Any) -> Rank:
    return stream_rank(state.first, state.id)


def _emit_sides(block: int, states: Sequence[Any], reach: int) -> Iterator[tuple[Any, Any]]:
    if block == UNDATED or not states:
        return
    for k in range(1, reach + 1):
        yield (block, block + k), ("L", list(states))
        yield (block - k, block), ("R", list(states))


def _stitch_events(sides: Iterable[tuple[str, list[Any]]], gap: float) -> list[tuple[Rank, Rank]]:
    params = load_event_params()
    sides = list(sides)
    left = [s for side, states in sides if side == "L" for s in states]
    right = [s for side, states in sides if side == "R" for s in states]
    clusterer = EventClusterer(params)
    ranks = {s.id: _event_rank(s) for s in [*left, *right]}
    # The boundary decision stitching replaces is an article joining an open event, so the
    # article join threshold applies (measured: docs/spark.md, agreement with the local run).
    pairs = stitch(left, right, clusterer.pair_score, params.threshold, gap)
    return [(ranks[a], ranks[b]) for a, b, _ in pairs]


def _stitch_stories(
    sides: Iterable[tuple[str, list[Any]]], options: StorylineOptions
) -> list[tuple[Rank, Rank]]:
    sides = list(sides)
    left = [s for side, states in sides if side == "L" for s in states]
    right = [s for side, states in sides if side == "R" for s in states]
    linker = StorylineLinker(options)
    ranks = {s.id: _event_rank(s) for s in [*left, *right]}
    pairs = stitch(left, right, linker.pair_score, options.merge_threshold, options.quiet_days)
    return [(ranks[a], ranks[b]) for a, b, _ in pairs]


def _merged_events(
    item: tuple[str, Iterable[tuple[EventSummary, str]]],
) -> tuple[EventSummary, list[str]]:
    final, parts = item
    summaries = [p for p, _ in parts]
    stories = sorted({s for _, s in parts})
    return combine_events(summaries, final, ""), stories


class SparkEngine:
    """Runs the batch pipeline on a SparkSession (see the module docstring)."""

    def __init__(self, spark: Any, options: EngineOptions | None = None) -> None:
        self.spark = spark
        self.sc = spark.sparkContext
        cores = int(self.sc.getConf().get("spark.task.cpus", "1"))
        #: Partitions of every shuffle (the cluster's cores; Spark's default would grow them).
        self.partitions = max(1, int(self.sc.defaultParallelism))
        base = options or EngineOptions()
        # Every option as given (the local engine's run must be the same), threads per task.
        self.options = replace(base, embed_threads=base.embed_threads or cores)

    # -- reading ---------------------------------------------------------------------------

    def documents(self, inputs: Sequence[str]) -> tuple[Any, list[BadInputError]]:
        """An RDD of :class:`Processed` or :class:`BadInputError`, and the naming errors."""
        options = self.options
        expansion = expand_inputs(inputs)
        parts = []
        local = [(n, k) for n, k in expansion.files if "://" not in n and k != "parquet"]
        if local:
            rdd = self.sc.parallelize(local, len(local))
            parts.append(rdd.mapPartitions(lambda files: _stages(options, files)))
        for name, kind in expansion.files:
            if kind == "parquet":
                frame = self.spark.read.parquet(name)
                parts.append(frame.rdd.mapPartitions(lambda rows, n=name: _rows(options, n, rows)))
            elif "://" in name:
                blobs = self.sc.binaryFiles(name)
                parts.append(blobs.mapPartitions(lambda b, k=kind: _remote(options, k, b)))
        if not parts:
            return self.sc.emptyRDD(), expansion.errors
        return self.sc.union(parts), expansion.errors

    # -- the run ---------------------------------------------------------------------------

    def run(self, inputs: Sequence[str], output: str) -> RunReport:
        """Read ``inputs``, run every stage and write the Parquet tables under ``output``."""
        from pyspark import StorageLevel

        options = self.options
        n = self.partitions
        params = options.dedup.params
        dedup_options = options.dedup
        report = RunReport("spark")
        started = time.perf_counter()
        docs, naming_errors = self.documents(inputs)
        docs = docs.persist(StorageLevel.MEMORY_AND_DISK)
        errors = docs.filter(lambda x: isinstance(x, Failure)).map(
            lambda f: {"origin": f.origin, "reason": f.reason}
        )
        errors = errors.union(self.sc.parallelize([error_row(e) for e in naming_errors], 1))

        arts = (
            docs.filter(lambda x: isinstance(x, Processed))
            .map(lambda p: (p.article.id, p))
            .reduceByKey(lambda a, b: a if order_key(a.article) <= order_key(b.article) else b, n)
            .persist(StorageLevel.MEMORY_AND_DISK)
        )
        report.articles = arts.count()
        report.timings["stages"] = time.perf_counter() - started
        mark = time.perf_counter()

        # near duplicates: banding join -> compare -> components
        fps = arts.map(
            lambda kv: (order_key(kv[1].article), fingerprint_from_article(kv[1].article, params))
        ).filter(lambda x: x[1] is not None)
        fps = fps.persist(StorageLevel.MEMORY_AND_DISK)
        limit = options.max_bucket
        pairs = (
            fps.flatMap(lambda item: _keys(item, params))
            .groupByKey(n)
            .flatMap(lambda kv: _bucket_pairs(kv[1], limit))
            .distinct(n)
        )
        judged = (
            pairs.join(fps, n)  # (later, (earlier, fp_later))
            .map(lambda x: (x[1][0], (x[0], x[1][1])))
            .join(fps, n)  # (earlier, ((later, fp_later), fp_earlier))
            .filter(lambda x: compare(x[1][0][1], x[1][1], dedup_options).duplicate)
            .map(lambda x: (x[1][0][0], x[0]))
        )
        labels = components(judged, n)
        groups = (
            labels.join(fps, n)  # (rank, (head rank, fp))
            .map(lambda x: (x[1][0], (x[0], x[1][1])))
            .groupByKey(n)
            .mapValues(_group)  # (head, original, members) once per group
            .persist(StorageLevel.MEMORY_AND_DISK)
        )
        marks = groups.flatMap(lambda kv: _group_marks(kv[1]))
        duplicate_rows = groups.flatMap(lambda kv: _group_rows(kv[1]))

        def mark_article(kv: tuple[str, tuple[Processed, Any]]) -> Processed:
            p, found = kv[1]
            if found is not None:
                p.article.duplicate_of, p.article.syndicated_from = found
            return p

        marked = (
            arts.leftOuterJoin(marks, n).map(mark_article).persist(StorageLevel.MEMORY_AND_DISK)
        )
        report.duplicates = marked.filter(lambda p: p.article.duplicate_of is not None).count()
        arts.unpersist()
        fps.unpersist()
        report.timings["dedup"] = time.perf_counter() - mark
        mark = time.perf_counter()

        # corpus statistics of the whole input
        min_df = options.min_df
        df = (
            marked.flatMap(lambda p: ((t, 1) for t in document_terms(p.article)))
            .reduceByKey(lambda a, b: a + b, n)
            .filter(lambda kv: kv[1] >= min_df)
            .collect()
        )
        stats = self.sc.broadcast(corpus_stats(df, report.articles, min_df))
        event_params = load_event_params()
        window = options.window_days

        blocks = (
            marked.map(lambda p: (block_of(p.article.published, window), p))
            .groupByKey(n)
            .map(lambda kv: cluster_block(kv[0], kv[1], None, stats.value))
            .persist(StorageLevel.MEMORY_AND_DISK)
        )
        quiet = EventOptions().quiet_days
        story_options = StorylineOptions(
            threshold=event_params.storyline_threshold,
            merge_threshold=event_params.storyline_merge_threshold,
        )
        reach = max(1, math.ceil(quiet / window))
        story_reach = max(1, math.ceil(story_options.quiet_days / window))
        event_edges = (
            blocks.flatMap(lambda b: _emit_sides(b.block, b.event_states, reach))
            .groupByKey(n)
            .flatMap(lambda kv: _stitch_events(kv[1], quiet))
        )
        event_final = components(event_edges, n).map(lambda kv: (kv[0][2], kv[1][2]))
        summaries = blocks.flatMap(lambda b: [(e.id, e) for e in b.events])
        merged = (
            summaries.leftOuterJoin(event_final, n)
            .map(lambda kv: (kv[1][1] or kv[0], (kv[1][0], kv[1][0].storyline)))
            .groupByKey(n)
            .map(_merged_events)
            .persist(StorageLevel.MEMORY_AND_DISK)
        )
        story_rank = blocks.flatMap(
            lambda b: [(s.id, _event_rank(s)) for s in b.story_states]
        ).persist(StorageLevel.MEMORY_AND_DISK)
        implied = merged.flatMap(lambda m: [(m[1][0], s) for s in m[1][1:]])
        implied_ranks = (
            implied.join(story_rank, n)  # (story a, (story b, rank a))
            .map(lambda kv: (kv[1][0], (kv[1][1], kv[0])))  # (story b, (rank a, story a))
            .join(story_rank, n)  # (story b, ((rank a, story a), rank b))
            .map(lambda kv: (kv[1][0][0], kv[1][1]))  # the edge (rank a, rank b)
        )
        story_edges = (
            blocks.flatMap(lambda b: _emit_sides(b.block, b.story_states, story_reach))
            .groupByKey(n)
            .flatMap(lambda kv: _stitch_stories(kv[1], story_options))
            .union(implied_ranks)
        )
        story_final = components(story_edges, n).map(lambda kv: (kv[0][2], kv[1][2]))

        def settle(kv: tuple[str, tuple[EventSummary, str | None]]) -> EventSummary:
            event, final = kv[1]
            event.storyline = final or kv[0]
            return event

        events = (
            merged.map(lambda m: (m[1][0], m[0]))
            .leftOuterJoin(story_final, n)
            .map(settle)
            .persist(StorageLevel.MEMORY_AND_DISK)
        )
        story_events = events.map(lambda e: (e.storyline, e.id)).groupByKey(n)
        stories = (
            blocks.flatMap(lambda b: [(s.id, s) for s in b.storylines])
            .leftOuterJoin(story_final, n)
            .map(lambda kv: (kv[1][1] or kv[0], kv[1][0]))
            .groupByKey(n)
            .join(story_events, n)
            .map(lambda kv: combine_stories(list(kv[1][0]), kv[0], sorted(kv[1][1])))
        )
        placed = events.flatMap(
            lambda e: [(m, (e.id, e.storyline, e.scores.get(m))) for m in e.members]
        )
        article_rows = (
            marked.map(lambda p: (p.article.id, p))
            .leftOuterJoin(placed, n)
            .map(lambda kv: article_row(kv[1][0], *(kv[1][1] or (None, None, None))))
        )
        report.timings["events"] = time.perf_counter() - mark
        mark = time.perf_counter()
        self._write(output, "articles", article_rows)
        self._write(output, "duplicates", duplicate_rows)
        self._write(output, "events", events.map(event_row))
        self._write(output, "storylines", stories.map(storyline_row))
        self._write(output, "errors", errors)
        report.errors = self.spark.read.parquet(f"{output}/errors").count()
        report.groups = groups.count()
        report.events = events.count()
        report.storylines = self.spark.read.parquet(f"{output}/storylines").count()
        report.timings["write"] = time.perf_counter() - mark
        report.seconds = time.perf_counter() - started
        manifest = run_manifest("spark", options, report)
        self._write(output, "run", self.sc.parallelize([manifest], 1))
        for rdd in (docs, marked, groups, blocks, merged, story_rank, events):
            rdd.unpersist()
        return report

    def _write(self, output: str, table: str, rows: Any) -> None:
        names = list(TABLES[table])
        tuples = rows.map(lambda r: tuple(r[n] for n in names))
        frame = self.spark.createDataFrame(tuples, spark_schema(table))
        frame.write.mode("overwrite").parquet(f"{output.rstrip('/')}/{table}")
