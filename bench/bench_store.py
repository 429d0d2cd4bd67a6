"""SQLite vs PostgreSQL at scale: bulk load, search latency and similar-news latency.

Run: ``.venv/bin/python -m bench.bench_store [--articles 1000000] [--pg-url URL] [--json]``

Both stores get the same synthetic articles in the same run (SQLite, the embedded default,
is the baseline; ratios are PostgreSQL / SQLite). Without ``--pg-url`` a throw-away
PostgreSQL 15 server is started from /usr/lib/postgresql/15/bin with its default
durability settings (fsync on), like the tests do (tests/pg.py); SQLite runs in WAL mode with
``synchronous=NORMAL`` as the store always does.

* **load**: ``add_articles`` in batches of 1,000 (PostgreSQL: COPY into a staging table, then
  one ``INSERT ... ON CONFLICT DO NOTHING``), articles/s; then 384-dimension vectors for every
  article with ``put_vectors`` (vectors/s).
* **search**: p50/p99 of ``store.search`` (20 hits, folding copies) over 200 queries: one or
  two words of middling frequency, a quoted phrase, an OR, an exclusion.
* **similar news**: p50/p99 of ``SimilarNews.for_article`` over 100 stored articles
  (``--similar-queries``; ``--hnsw-threshold`` above the size keeps the exact index): the
  whole query (vector index over every stored vector, candidate articles and vectors read
  from the store, term statistics from the full-text index, re-ranking), plus the time the
  first query spends loading every vector into the index.

Articles are made of words from a synthetic Zipf vocabulary (news text is Zipfian), about 120
words each, in three languages (so PostgreSQL indexes them with three configurations); their
vectors sit around topic centres so that neighbours exist. The load average is printed with
the figures, since the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from storyline.link.index import HNSW_THRESHOLD
from storyline.link.similarity import SimilarityModel
from storyline.model import Article
from storyline.similar import SimilarNews
from storyline.store.postgres import PostgresStore
from storyline.store.sqlite import SQLiteStore

DIM = 384
VOCABULARY = 40_000
WORDS = 120
LANGUAGES = ("en", "nb", "de")


def vocabulary(rng: np.random.Generator) -> list[str]:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyzæøå"))
    lengths = rng.integers(3, 11, VOCABULARY)
    words = {"".join(rng.choice(letters, size)) for size in lengths}
    return sorted(words)


def articles(n: int, words: list[str], seed: int = 7) -> Iterator[Article]:
    """``n`` deterministic articles; every 20th is marked a copy of its predecessor."""
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, len(words) + 1)
    weights = 1.0 / ranks
    weights /= weights.sum()
    for start in range(0, n, 10_000):
        count = min(10_000, n - start)
        picks = rng.choice(len(words), size=(count, WORDS), p=weights)
        for k in range(count):
            number = start + k
            text = " ".join(words[i] for i in picks[k])
            yield Article(
                id=f"b{number:08d}",
                title=" ".join(words[i] for i in picks[k][:8]).capitalize(),
                text=text,
                source_id=f"s{number % 50}",
                language=LANGUAGES[number % 3],
                duplicate_of=f"b{number - 1:08d}" if number % 20 == 19 else None,
            )


def vectors(n: int, rng: np.random.Generator) -> Iterator[tuple[list[str], np.ndarray]]:
    topics = max(10, n // 20)
    centres = rng.standard_normal((topics, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    for start in range(0, n, 5000):
        stop = min(n, start + 5000)
        noise = rng.standard_normal((stop - start, DIM)).astype(np.float32)
        noise /= np.linalg.norm(noise, axis=1, keepdims=True)
        block = centres[(np.arange(start, stop) // 20) % topics] + 0.6 * noise
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        yield [f"b{i:08d}" for i in range(start, stop)], block


def queries(words: list[str], rng: np.random.Generator, count: int = 200) -> list[str]:
    middle = words[50:2000]
    out = []
    for n in range(count):
        a, b = (middle[i] for i in rng.integers(0, len(middle), 2))
        out.append([a, f"{a} {b}", f'"{a} {b}"', f"{a} OR {b}", f"{a} -{b}"][n % 5])
    return out


class CachedVectors:
    """An embedder whose vectors are all in the store already (the benchmark stores them), so
    similar-news queries measure the store and the index, never the neural model."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.dim = DIM

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        raise RuntimeError("every benchmark article has a stored vector")


def percentiles(samples: list[float]) -> dict[str, float]:
    ms = np.array(samples) * 1000
    return {"p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99))}


def run(
    store: Any, n: int, words: list[str], model: str, similar_queries: int, threshold: int
) -> dict[str, Any]:
    out: dict[str, Any] = {}

    def done(step: str) -> None:  # progress on stderr, so a long run shows partial figures
        print(f"{store!r} {step}: {json.dumps(out, default=str)}", file=sys.stderr, flush=True)

    store.migrate()
    started = time.perf_counter()
    store.add_articles(articles(n, words), batch_size=1000)
    seconds = time.perf_counter() - started
    out["load_s"] = seconds
    out["load_articles_per_s"] = n / seconds
    done("load")
    started = time.perf_counter()
    for ids, block in vectors(n, np.random.default_rng(11)):
        store.put_vectors(model, list(zip(ids, block, strict=True)))
    seconds = time.perf_counter() - started
    out["vectors_per_s"] = n / seconds
    done("vectors")
    rng = np.random.default_rng(3)
    samples = []
    hits = 0
    for query in queries(words, rng):
        started = time.perf_counter()
        hits += len(store.search(query))
        samples.append(time.perf_counter() - started)
    out["search"] = percentiles(samples) | {"mean_hits": hits / len(samples)}
    done("search")
    similar = SimilarNews(store, CachedVectors(model), hnsw_threshold=threshold)  # type: ignore[arg-type]
    started = time.perf_counter()
    similar.index()
    out["similar_index_load_s"] = time.perf_counter() - started
    samples = []
    for number in rng.integers(0, n, similar_queries):
        started = time.perf_counter()
        similar.for_article(f"b{int(number):08d}")
        samples.append(time.perf_counter() - started)
    out["similar"] = percentiles(samples)
    done("similar")
    out["stats"] = {k: v for k, v in store.stats().items() if k.endswith("bytes")}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--pg-url", help="an empty PostgreSQL database (default: start one)")
    parser.add_argument("--similar-queries", type=int, default=100)
    parser.add_argument(
        "--hnsw-threshold",
        type=int,
        default=HNSW_THRESHOLD,
        help="vectors from which the similar-news index is HNSW (default: the app's)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    words = vocabulary(np.random.default_rng(5))
    model = SimilarityModel().params.embedder
    folder = Path(tempfile.mkdtemp(prefix="bench-store-"))
    server = None
    results: dict[str, Any] = {"articles": args.articles, "load_before": os.getloadavg()}
    try:
        with SQLiteStore(f"sqlite:///{folder / 'bench.db'}") as sqlite:
            results["sqlite"] = run(
                sqlite, args.articles, words, model, args.similar_queries, args.hnsw_threshold
            )
        pg_url = args.pg_url
        if pg_url is None:
            from tests.pg import PgServer

            server = PgServer(durable=True)
            pg_url = server.new_database()
        with PostgresStore(pg_url) as postgres:
            results["postgresql"] = run(
                postgres, args.articles, words, model, args.similar_queries, args.hnsw_threshold
            )
    finally:
        if server is not None:
            server.close()
        shutil.rmtree(folder, ignore_errors=True)
    results["load_after"] = os.getloadavg()
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    s, p = results["sqlite"], results["postgresql"]
    results["ratios_pg_over_sqlite"] = {
        "load_articles_per_s": p["load_articles_per_s"] / s["load_articles_per_s"],
        "vectors_per_s": p["vectors_per_s"] / s["vectors_per_s"],
        "search_p50": p["search"]["p50_ms"] / s["search"]["p50_ms"],
        "search_p99": p["search"]["p99_ms"] / s["search"]["p99_ms"],
        "similar_p50": p["similar"]["p50_ms"] / s["similar"]["p50_ms"],
        "similar_p99": p["similar"]["p99_ms"] / s["similar"]["p99_ms"],
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{args.articles} articles; load average {results['load_before']} -> "
          f"{results['load_after']}; peak RSS {results['peak_rss_mb']:.0f} MB")  # fmt: skip
    for name in ("sqlite", "postgresql"):
        r = results[name]
        print(
            f"{name:>10}: load {r['load_articles_per_s']:8.0f} articles/s, vectors "
            f"{r['vectors_per_s']:8.0f}/s, search p50 {r['search']['p50_ms']:7.1f} ms p99 "
            f"{r['search']['p99_ms']:7.1f} ms ({r['search']['mean_hits']:.1f} hits), similar "
            f"p50 {r['similar']['p50_ms']:7.1f} ms p99 {r['similar']['p99_ms']:7.1f} ms, index "
            f"load {r['similar_index_load_s']:.1f} s, {r['stats']}"
        )
    print(
        "PostgreSQL / SQLite:",
        {k: round(v, 2) for k, v in results["ratios_pg_over_sqlite"].items()},
    )


if __name__ == "__main__":
    main()
