"""Event clustering throughput: articles/s at 10k and 100k articles, cost per article as the
stream grows, memory; the TF-IDF single-pass baseline side by side.

Run: ``.venv/bin/python -m bench.bench_cluster [--sizes 10000,100000] [--store 10000] [--json]``

The stream is synthetic but shaped like news, with vectors "cached" (precomputed, as they
are once ``storyline ingest`` has embedded the articles): events of 1-12 articles spread
over time (~1,000 articles a day), each with its own vocabulary and names on top of common
words, ~350 words an article, story vectors (384 dimensions, like multilingual-e5-small)
around the event's centre, events grouped in storylines that share words.

Measured, in one run:

* **storyline**: :class:`storyline.link.events.EventClusterer` (events + storylines, merge
  pass every 200 articles), articles/s per block of 10,000 (the *curve*: flat means the
  cost per article does not grow with the store), overall articles/s, peak RSS;
* **store**: the same through :class:`storyline.link.stream.EventStream` on an SQLite store
  (decisions written per batch of 200), for the first ``--store`` articles;
* **baseline**: the TF-IDF single-pass of Allan et al. (1998)
  (:func:`storyline.eval.events.tfidf_single_pass`), compared with every cluster so far,
  over the first ``--baseline`` articles (its cost per article grows with the stream, so
  100k would take hours), with the same blocks.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from storyline.eval.events import tfidf_single_pass
from storyline.link.events import EventClusterer
from storyline.model import Article

DIM = 384
BLOCK = 10_000
_COMMON = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "on",
    "was",
    "with",
    "said",
    "by",
    "as",
    "at",
    "from",
    "his",
    "her",
    "it",
    "an",
    "are",
    "were",
    "has",
    "have",
    "had",
    "will",
    "would",
    "which",
    "their",
    "they",
    "after",
    "over",
    "more",
    "about",
    "also",
    "been",
    "this",
    "who",
    "new",
    "year",
    "people",
    "government",
    "officials",
    "told",
    "two",
    "first",
    "last",
    "week",
    "report",
    "police",
    "city",
]


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def _name(rng: np.random.Generator) -> str:
    letters = rng.choice(list("abcdefghijklmnopqrstuvwxyz"), 7)
    return "".join(letters).title()


def stream(n: int, seed: int = 7) -> tuple[list[Article], np.ndarray]:
    """``n`` synthetic articles in publication order and their story vectors."""
    rng = np.random.default_rng(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    articles: list[Article] = []
    vectors = np.empty((n, DIM), dtype=np.float32)
    made = 0
    event = 0
    while made < n:
        story = event // 6
        story_words = [f"story{story}w{i}" for i in range(8)]
        words = [f"ev{event}w{i}" for i in range(25)]
        names = [_name(rng) for _ in range(4)] + [_name(np.random.default_rng(story))]
        centre = rng.standard_normal(DIM).astype(np.float32)
        size = int(min(12, 1 + rng.geometric(0.35)))
        for _ in range(min(size, n - made)):
            body = rng.choice(_COMMON, 260).tolist()
            body += rng.choice(words, 60).tolist() + rng.choice(story_words, 20).tolist()
            body += rng.choice(names, 12).tolist()
            rng.shuffle(body)
            published = start + timedelta(seconds=86.4 * made)  # ~1,000 a day
            articles.append(
                Article(
                    id=f"a{made:07d}",
                    title=" ".join(body[:9]),
                    text=" ".join(body),
                    language="en",
                    published=published,
                    source_id=f"src{made % 50}",
                )
            )
            v = centre + 0.35 * rng.standard_normal(DIM).astype(np.float32)
            vectors[made] = v / np.linalg.norm(v)
            made += 1
        event += 1
    return articles, vectors


def bench_clusterer(articles: list[Article], vectors: np.ndarray) -> dict[str, Any]:
    clusterer = EventClusterer()
    curve = []
    started = time.perf_counter()
    block_start = started
    for i, (article, vector) in enumerate(zip(articles, vectors, strict=True), start=1):
        clusterer.add(article, vector)
        if i % BLOCK == 0 or i == len(articles):
            now = time.perf_counter()
            done = i - (len(curve) * BLOCK)
            curve.append(round(done / (now - block_start), 1))
            block_start = now
    wall = time.perf_counter() - started
    return {
        "articles": len(articles),
        "articles_per_s": round(len(articles) / wall, 1),
        "curve_per_block": curve,
        "events": len({e for _, e, _ in clusterer.iter_assignments()}),
        "open_events": len(clusterer.index),
        "rss_mb": round(rss_mb(), 1),
    }


def bench_store(articles: list[Article], vectors: np.ndarray) -> dict[str, Any]:
    from storyline.link.stream import EventStream
    from storyline.store.sqlite import SQLiteStore

    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteStore(str(Path(folder) / "bench.db"))
        store.migrate()
        store.add_articles(articles)
        store.put_vectors("bench", [(a.id, vectors[i]) for i, a in enumerate(articles)])
        events = EventStream(store, "bench")
        started = time.perf_counter()
        for s in range(0, len(articles), 200):
            events.add(articles[s : s + 200])
        wall = time.perf_counter() - started
        resumed = time.perf_counter()
        EventStream(store, "bench")
        resume_s = time.perf_counter() - resumed
        store.close()
    return {
        "articles": len(articles),
        "articles_per_s": round(len(articles) / wall, 1),
        "resume_s": round(resume_s, 2),
    }


def bench_baseline(articles: list[Article]) -> dict[str, Any]:
    marks: list[float] = []

    def tick(done: int) -> None:
        if done % BLOCK == 0 or done == len(articles):
            marks.append(time.perf_counter())

    started = time.perf_counter()
    tfidf_single_pass(articles, 0.2, progress=tick)
    wall = time.perf_counter() - started
    sizes = [min(BLOCK, len(articles) - i * BLOCK) for i in range(len(marks))]
    edges = [started, *marks]
    per_block = [round(n / (b - a), 1) for n, a, b in zip(sizes, edges, marks, strict=False)]
    return {
        "articles": len(articles),
        "articles_per_s": round(len(articles) / wall, 1),
        "curve_per_block": per_block,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--store", type=int, default=10_000, help="Articles for the store run.")
    parser.add_argument("--baseline", type=int, default=20_000, help="Articles for the baseline.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    articles, vectors = stream(max([*sizes, args.store, args.baseline]))
    results: dict[str, Any] = {"storyline": {}, "rss_after_data_mb": round(rss_mb(), 1)}
    for size in sizes:
        results["storyline"][str(size)] = bench_clusterer(articles[:size], vectors[:size])
    if args.store:
        results["store"] = bench_store(articles[: args.store], vectors[: args.store])
    if args.baseline:
        results["baseline"] = bench_baseline(articles[: args.baseline])
        ours = results["storyline"][str(sizes[0])]["articles_per_s"]
        results["ratio_vs_baseline"] = round(ours / results["baseline"]["articles_per_s"], 2)
    results["peak_rss_mb"] = round(peak_mb(), 1)
    results["load_average"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"load average (1, 5, 15 min) at the end: {results['load_average']}")
    for size, row in results["storyline"].items():
        print(
            f"storyline {size:>7} articles: {row['articles_per_s']:>7.1f} articles/s, "
            f"{row['events']} events ({row['open_events']} open), RSS {row['rss_mb']} MB"
        )
        print(f"  articles/s per block of {BLOCK}: {row['curve_per_block']}")
    if "store" in results:
        row = results["store"]
        print(
            f"store     {row['articles']:>7} articles: {row['articles_per_s']:>7.1f} articles/s "
            f"(SQLite, decisions persisted), resume {row['resume_s']} s"
        )
    if "baseline" in results:
        row = results["baseline"]
        print(
            f"baseline  {row['articles']:>7} articles: {row['articles_per_s']:>7.1f} articles/s "
            f"(TF-IDF single-pass); per block: {row['curve_per_block']}"
        )
        print(f"storyline/baseline speed at {sizes[0]}: {results['ratio_vs_baseline']}x")
    print(f"peak RSS {results['peak_rss_mb']} MB")


if __name__ == "__main__":
    main()
