"""Duplicate checks per second against a store of 100k and 1M fingerprints, and memory used,
beside a brute-force rapidfuzz baseline.

The store holds the real fingerprints of the synthetic syndication set's stories (real
article bodies from the shared extraction sets, see ``storyline.eval.dedup_set``) plus
synthetic ones made quickly from them: each synthetic MinHash signature is a real one with
97 % of its values replaced at random (a Jaccard of about 0.03 to its source, like two
unrelated news texts), with the source's other fields. They are bulk-written into the same
tables ``add_deduped`` fills, band rows sorted, so a million take minutes, not hours.

Queries are the set's copies (transformed copies of stored stories: each should be found)
and unseen texts, checked one at a time by :meth:`Deduplicator.check` against the store,
exactly as ingest does (fingerprinting included). The baseline compares a query's text
with every stored text by ``rapidfuzz.fuzz.token_set_ratio`` (``process.extractOne``), run
on a sample of stored texts and extrapolated linearly to the store size: brute force costs
one comparison per stored article.

Run: ``python bench/bench_dedup.py [--sizes 100000 1000000] [--queries 400]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from storyline.dedup import DEFAULT_PARAMS, Deduplicator, Fingerprint
from storyline.dedup.fingerprints import band_keys
from storyline.eval.dedup_set import build_set
from storyline.model import Article
from storyline.store.sqlite import SQLiteStore

KEEP = 0.03
CHUNK = 20_000


def rss_mb() -> float:
    """Resident memory of this process now, in MB (from /proc; peak where that is missing)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthesize(store: SQLiteStore, real: list[Fingerprint], count: int, seed: int = 1) -> None:
    """Bulk-write ``count`` synthetic fingerprints (and their band rows) into the store."""
    rng = np.random.default_rng(seed)
    base = np.stack([np.frombuffer(fp.signature or b"", dtype="<u4") for fp in real])
    conn = store._writer
    made = 0
    while made < count:
        size = min(CHUNK, count - made)
        source = rng.integers(0, len(real), size)
        keep = rng.random((size, DEFAULT_PARAMS.num_perm)) < KEEP
        noise = rng.integers(0, 2**32, (size, DEFAULT_PARAMS.num_perm), dtype=np.uint64)
        sigs = np.where(keep, base[source], noise.astype(np.uint32)).astype("<u4")
        rows = []
        bands: list[tuple[int, int]] = []
        first = made + 1_000_000_000  # fp numbers far above the real ones
        for n in range(size):
            fp = real[int(source[n])]
            sig = sigs[n].tobytes()
            number = first + n
            aid = f"syn{made + n:08d}"
            rows.append(
                (
                    number,
                    aid,
                    fp.source_id,
                    fp.tokens,
                    fp.shingles,
                    sig,
                    fp.facts,
                    fp.fact_sketch,
                    fp.title_key,
                    aid,
                )
            )
            bands.extend((key, number) for key in band_keys(sig))
        bands.sort()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO dedup_fingerprints (fp, article_id, source_id, tokens, shingles, "
            "signature, facts, fact_sketch, title_key, seen, group_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '2024-01-01T00:00:00.000000+00:00', ?)",
            rows,
        )
        conn.executemany("INSERT OR IGNORE INTO dedup_bands (bucket, fp) VALUES (?, ?)", bands)
        conn.execute("COMMIT")
        made += size


def bench_lsh(
    folder: Path, size: int, stored: list[Article], queries: list[tuple[Article, str | None]]
) -> dict[str, float]:
    store = SQLiteStore(str(folder / f"bench-{size}.db"))
    store.migrate()
    start = time.perf_counter()
    stage = Deduplicator(store)
    for article in stored:
        stage.stage(article)
    store.add_deduped(stored, stage.take_changes())
    real = [fp for fp in store.iter_fingerprints() if fp.signature is not None]
    synthesize(store, real, size - len(stored))
    build = time.perf_counter() - start
    store._writer.execute("PRAGMA optimize")
    # A fresh process's view: a new stage (its pending batch is empty) and no warm cache.
    stage = Deduplicator(store)
    rss_before = rss_mb()
    found = expected = 0
    start = time.perf_counter()
    for article, original in queries:
        decision = stage.check(article)
        if original is not None:
            expected += 1
            found += decision.duplicate_of is not None
    seconds = time.perf_counter() - start
    db_bytes = sum(p.stat().st_size for p in folder.glob(f"bench-{size}.db*"))
    count = store.dedup_stats()["fingerprints"]
    store.close()
    return {
        "fingerprints": count,
        "build_seconds": round(build, 1),
        "checks_per_second": round(len(queries) / seconds, 1),
        "ms_per_check": round(1000 * seconds / len(queries), 2),
        "copies_found": round(found / max(1, expected), 4),
        "db_mb": round(db_bytes / 2**20, 1),
        "rss_mb_before_checks": round(rss_before, 1),
        "rss_mb_growth_during_checks": round(rss_mb() - rss_before, 1),
    }


def bench_brute(
    stored: list[Article], queries: list[tuple[Article, str | None]], sample: int, n_queries: int
) -> dict[str, float]:
    texts = [a.text for a in stored]
    corpus = (texts * (sample // len(texts) + 1))[:sample]
    picked = queries[:n_queries]
    start = time.perf_counter()
    for article, _ in picked:
        process.extractOne(article.text, corpus, scorer=fuzz.token_set_ratio, score_cutoff=80)
    seconds = time.perf_counter() - start
    per_pair = seconds / (len(picked) * len(corpus))
    return {
        "sample": len(corpus),
        "queries": len(picked),
        "seconds": round(seconds, 1),
        "us_per_pair": round(per_pair * 1e6, 2),
        "text_mb_per_100k": round(
            sum(len(t.encode()) for t in texts) / len(texts) * 1e5 / 2**20, 1
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--baseline-sample", type=int, default=2000)
    parser.add_argument("--baseline-queries", type=int, default=20)
    parser.add_argument("--dir", type=Path, default=None, help="Where to build the stores.")
    args = parser.parse_args(argv)
    dataset = build_set()
    stored = [
        i.article
        for i in dataset.items
        if i.kind in {"original", "boilerplate-negative", "short", "robot", "topic"}
    ]
    copies = [(i.article, i.original) for i in dataset.items if i.kind == "copy"]
    unseen = [(i.article, None) for i in dataset.items if i.kind == "template-twin"]
    queries = (copies[: args.queries // 2] + unseen * 20)[: args.queries]
    stored_ids = {a.id for a in stored}
    queries = [(a, o if o in stored_ids else None) for a, o in queries]
    results: dict[str, object] = {"stored_real": len(stored), "queries": len(queries)}
    brute = bench_brute(stored, queries, args.baseline_sample, args.baseline_queries)
    results["brute_force_rapidfuzz"] = brute
    with tempfile.TemporaryDirectory(prefix="bench-dedup-", dir=args.dir) as tmp:
        for size in args.sizes:
            lsh = bench_lsh(Path(tmp), size, stored, queries)
            brute_cps = 1.0 / (brute["us_per_pair"] * 1e-6 * size)
            lsh["brute_force_checks_per_second"] = round(brute_cps, 3)
            lsh["speedup"] = round(lsh["checks_per_second"] / brute_cps, 0)
            results[f"lsh_{size}"] = lsh
            print(
                f"{size:>9,} fingerprints: {lsh['checks_per_second']:8.1f} checks/s "
                f"({lsh['ms_per_check']} ms), brute force {brute_cps:.3f} checks/s, "
                f"ratio {lsh['speedup']:,.0f}x; copies found {lsh['copies_found']}; "
                f"db {lsh['db_mb']} MB, "
                f"RSS +{lsh['rss_mb_growth_during_checks']} MB while checking; "
                f"built in {lsh['build_seconds']} s",
                file=sys.stderr,
            )
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
