"""Enrichment throughput beside extraction: articles per second, and their ratio.

Run: ``.venv/bin/python -m bench.bench_enrich [--pages N] [--workers 2] [--json]``

Pages are a fixed subsample of the WCXB development articles (real HTML from many sites).
In one run, on the same pages:

* ``extract``: HTML -> clean article (trafilatura + our cleaning), the baseline;
* ``enrich``: entities (spaCy small pipeline or rules), quotes, dates and keyphrases of the
  extracted articles, in batches as ingest does (``Enricher.enrich_many``), and one by one
  (``Enricher.enrich``, what ``storyline extract --enrich`` does);
* both again with ``--workers`` processes (default 2, the machine's cores), each worker
  warmed up first so model loading is not counted.

Issue 6 asks that enrichment not be the pipeline's bottleneck by more than a factor of two
against extraction: ``ratio`` = extraction's articles/s divided by enrichment's (below 1:
enrichment is the faster stage).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from storyline.enrich import Enricher
from storyline.errors import BadInputError
from storyline.extract import extract
from storyline.model import Article, RawDoc

SHARED = Path(os.environ.get("STORYLINE_SHARED", Path(__file__).resolve().parents[2] / "shared"))

_ENRICHER: Enricher | None = None


def load_pages(count: int) -> list[tuple[str, bytes]]:
    """A fixed, evenly spaced subsample of WCXB dev pages as (name, HTML bytes)."""
    folder = SHARED / "data" / "extraction" / "wcxb-dev-articles" / "html"
    paths = sorted(folder.glob("*.html.gz"))
    step = max(1, len(paths) // count)
    return [(p.name, gzip.decompress(p.read_bytes())) for p in paths[::step][:count]]


def extract_page(page: tuple[str, bytes]) -> Article | None:
    try:
        return extract(RawDoc(page[0], page[1], "text/html"))
    except BadInputError:
        return None


def _enricher() -> Enricher:
    global _ENRICHER
    if _ENRICHER is None:
        _ENRICHER = Enricher()
        _ENRICHER.enrich(Article(id="w", title="", text="Warm up in Paris.", language="en"))
        _ENRICHER.enrich(Article(id="w", title="", text="Bonjour à Paris.", language="fr"))
    return _ENRICHER


def enrich_article(article: Article) -> int:
    return len(_enricher().enrich(article).entities)


def enrich_batch(articles: Sequence[Article]) -> int:
    """What ingest does with each stored batch (spaCy reads the batch together)."""
    return sum(len(e.entities) for e in _enricher().enrich_many(articles))


def _chunks(items: Sequence[Article], size: int) -> list[Sequence[Article]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _warm(_: int) -> int:
    extract_page(
        ("warm.html", b"<html><body><article><p>Warm up text.</p></article></body></html>")
    )
    return len(_enricher().registry)


def timed(label: str, run: Callable[[], Sequence[object]], count: int) -> dict[str, object]:
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    return {
        "stage": label,
        "articles": count,
        "seconds": round(seconds, 2),
        "per_second": round(count / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=150)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    pages = load_pages(args.pages)
    _warm(0)
    rows: list[dict[str, object]] = []
    articles: list[Article] = []

    def run_extract() -> list[Article | None]:
        found = [extract_page(p) for p in pages]
        articles.extend(a for a in found if a is not None)
        return found

    rows.append(timed("extract, 1 process", run_extract, len(pages)))
    rows.append(timed("enrich, 1 process", lambda: [enrich_batch(articles)], len(articles)))
    rows.append(
        timed(
            "enrich one by one, 1 process",
            lambda: [enrich_article(a) for a in articles],
            len(articles),
        )
    )
    languages: dict[str, int] = {}
    for article in articles:
        languages[article.language or "?"] = languages.get(article.language or "?", 0) + 1
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            list(pool.map(_warm, range(args.workers)))
            rows.append(
                timed(
                    f"extract, {args.workers} processes",
                    lambda: list(pool.map(extract_page, pages, chunksize=8)),
                    len(pages),
                )
            )
            rows.append(
                timed(
                    f"enrich, {args.workers} processes",
                    lambda: list(pool.map(enrich_batch, _chunks(articles, 16))),
                    len(articles),
                )
            )
    ratios = {}
    for mode in ("1 process", f"{args.workers} processes"):
        by = {str(r["stage"]).split(",")[0]: r for r in rows if str(r["stage"]).endswith(mode)}
        if "extract" in by and "enrich" in by:
            extract_rate = float(str(by["extract"]["per_second"]))
            enrich_rate = float(str(by["enrich"]["per_second"]))
            ratios[mode] = round(extract_rate / enrich_rate, 2)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    chars = sum(len(a.text) for a in articles) / max(1, len(articles))
    result = {
        "pages": len(pages),
        "articles": len(articles),
        "mean_chars": round(chars),
        "languages": languages,
        "rows": rows,
        "extract_over_enrich": ratios,
        "peak_rss_mb_main_process": round(peak_mb),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{len(pages)} WCXB pages -> {len(articles)} articles, mean {chars:.0f} characters")
    for row in rows:
        print(f"{row['stage']:<30} {row['per_second']:>8} articles/s  ({row['seconds']} s)")
    for mode, ratio in ratios.items():
        print(f"extraction/enrichment speed ratio, {mode}: {ratio} (enrichment must stay <= 2)")
    print(f"peak RSS of the main process: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
