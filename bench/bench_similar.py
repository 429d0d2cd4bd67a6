"""Similar-news query latency: exact numpy search vs HNSW (usearch) at growing store sizes.

Run: ``.venv/bin/python -m bench.bench_similar [--sizes 10000,100000,1000000] [--json]``

Vectors are synthetic but shaped like news: unit vectors around topic centres (articles of
one story sit close together), 384 dimensions like multilingual-e5-small. For each size:

* exact: p50/p99 of one query (``ExactIndex.search``, k = 51, the candidates one similar-news
  query fetches) and the matrix's memory;
* HNSW: build time, p50/p99 of one query, recall@10 against exact search, graph memory;
* the process's peak resident memory after the size is done.

The re-ranking step (similarity model over 50 candidates) is measured too, on real texts
(WikinewsSum sources), since it is paid on every query whatever the index. These figures
choose ``HNSW_THRESHOLD`` in ``storyline/link/index.py`` (docs/similar.md).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from typing import Any

import numpy as np

from storyline.link.index import ExactIndex, HNSWIndex

DIM = 384
K = 51
QUERIES = 200


def synthetic(n: int, rng: np.random.Generator) -> np.ndarray:
    topics = max(10, n // 20)
    centres = rng.standard_normal((topics, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        noise = rng.standard_normal((stop - start, DIM)).astype(np.float32)
        noise /= np.linalg.norm(noise, axis=1, keepdims=True)
        block = centres[rng.integers(0, topics, stop - start)] + 0.6 * noise
        out[start:stop] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def percentiles(samples: list[float]) -> tuple[float, float]:
    ms = np.array(samples) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_size(n: int, rng: np.random.Generator, hnsw: bool) -> dict[str, Any]:
    matrix = synthetic(n, rng)
    ids = [f"a{i}" for i in range(n)]
    queries = matrix[rng.integers(0, n, QUERIES)] + 0.05 * rng.standard_normal(
        (QUERIES, DIM)
    ).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact = ExactIndex(DIM)
    exact.add(ids, matrix)
    exact.search(queries[0], K)  # first call stacks the chunks
    times, truth = [], []
    for q in queries:
        start = time.perf_counter()
        hits = exact.search(q, K)
        times.append(time.perf_counter() - start)
        truth.append({i for i, _ in hits[:10]})
    p50, p99 = percentiles(times)
    row: dict[str, Any] = {
        "vectors": n,
        "exact_p50_ms": round(p50, 2),
        "exact_p99_ms": round(p99, 2),
        "exact_memory_mb": round(matrix.nbytes / 2**20, 1),
    }
    if hnsw:
        index = HNSWIndex(DIM)
        start = time.perf_counter()
        for s in range(0, n, 50_000):
            index.add(ids[s : s + 50_000], matrix[s : s + 50_000])
        row["hnsw_build_s"] = round(time.perf_counter() - start, 1)
        times, recall = [], []
        for q, t in zip(queries, truth, strict=True):
            start = time.perf_counter()
            hits = index.search(q, K)
            times.append(time.perf_counter() - start)
            recall.append(len(t & {i for i, _ in hits[:10]}) / 10)
        p50, p99 = percentiles(times)
        row.update(
            hnsw_p50_ms=round(p50, 3),
            hnsw_p99_ms=round(p99, 3),
            hnsw_recall_at_10=round(float(np.mean(recall)), 3),
            hnsw_memory_mb=round(index.memory_bytes() / 2**20, 1),
        )
    row["peak_rss_mb"] = round(peak_rss_mb(), 0)
    return row


def bench_rerank() -> dict[str, Any]:
    """Re-ranking 50 real candidates with the similarity model (features + score)."""
    from bench.bench_embed import load_articles
    from storyline.embed.e5 import E5Embedder
    from storyline.embed.lexical import CorpusStats
    from storyline.link.features import Weighted, pair_features, profile
    from storyline.link.similarity import SimilarityModel

    articles = load_articles(51)
    embedder = E5Embedder()
    vectors = embedder.embed([a.title + ". " + (a.lead or "") for a in articles])
    stats = CorpusStats()
    for a in articles:
        stats.add(profile(a).body_terms)
    model = SimilarityModel()
    times = []
    for _ in range(5):
        start = time.perf_counter()
        query = profile(articles[0], vectors[0])
        memo: dict[int, Weighted] = {}
        for a, v in zip(articles[1:], vectors[1:], strict=True):
            model.score(pair_features(query, profile(a, v), stats, memo))
        times.append(time.perf_counter() - start)
    p50, _ = percentiles(times)
    return {"rerank_50_p50_ms": round(p50, 1), "rerank_50_max_ms": round(max(times) * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--no-hnsw", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    if not args.json:
        print(
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, {DIM}-d unit "
            f"vectors, k={K}, {QUERIES} queries per size",
            flush=True,
        )
    rows = []
    for n in args.sizes.split(","):
        rows.append(bench_size(int(n), rng, not args.no_hnsw))
        if not args.json:
            print(json.dumps(rows[-1]), flush=True)
    rerank = bench_rerank()
    if args.json:
        print(json.dumps({"cpus": os.cpu_count(), "sizes": rows, **rerank}, indent=2))
        return
    print(json.dumps(rerank))


if __name__ == "__main__":
    main()
