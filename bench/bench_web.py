"""Web app load: requests/s and p50/p99 latency for the front page, an event page and search,
from a second process on loopback, against a store of 100k articles.

Run: ``.venv/bin/python -m bench.bench_web [--articles 100000] [--seconds 10]
[--concurrency 8] [--db PATH] [--json]``

How the store is built (synthetic, stated because it matters): ``--articles`` articles of
~150 words drawn from a 5,000-word vocabulary plus per-event names, written with the
store's own ``add_articles`` (so the full-text index is the real one); events of 1-12
articles (~6 on average, ~1,000 articles a day over 100 days, 12 publishers, 4 languages)
and storylines of 1-5 events are written with ``save_clustering``, as the clusterer
would. No entities or vectors: event pages skip the entity and quote lookups' rows (the
queries still run), and the article page (similar news) is not measured. A built store is
reused when ``--db`` names an existing file.

Search queries are words of news-like document frequency in the 100k store: from ~7 % of
the articles (``w40``, like "government") down to a handful (names), an AND and a phrase;
the commonest synthetic words (``w3``, ``w10``: in 70-100 % of articles, stopwords) are left
out, since no reader searches for "the".

The server is the real ``storyline serve`` (uvicorn, one worker) in its own process; the
load comes from this process with ``--concurrency`` keep-alive connections (threads), each
request waiting for the previous answer on its connection (closed loop, like ``wrk``).

Baseline, in the same run: a static file (``/static/app.css``) from the same server, the
floor any page pays for HTTP, routing and middleware. Ratios are page cost over that floor.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import quantiles

import httpx

from storyline.link.events import Assignment, event_id
from storyline.link.storylines import storyline_id
from storyline.link.stream import EventRow, StorylineRow
from storyline.model import Article
from storyline.store.sqlite import SQLiteStore

VOCAB = 5000
PUBLISHERS = [f"paper{i}.example" for i in range(12)]
LANGUAGES = ["en", "nb", "de", "fr"]
START = datetime(2025, 1, 1, tzinfo=UTC)


def _word(rng: random.Random) -> str:
    n = int(rng.paretovariate(1.1)) % VOCAB
    return f"w{n}"


def build(path: Path, articles: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """Fill ``path`` (see the module docstring); returns event ids and search words."""
    rng = random.Random(seed)
    store = SQLiteStore(str(path))
    store.migrate()
    made = 0
    events: list[str] = []
    batch: list[Article] = []
    assignments: list[Assignment] = []
    rows: list[EventRow] = []
    stories: list[StorylineRow] = []
    story: str | None = None
    story_left = 0
    story_events = 0
    story_articles = 0
    started = time.perf_counter()
    while made < articles:
        size = min(articles - made, rng.randint(1, 12))
        when = START + timedelta(seconds=made * 86.4)
        names = [f"Name{rng.randint(0, 20000)}" for _ in range(3)]
        title_words = [_word(rng) for _ in range(6)]
        founder = f"a{made:07d}"
        eid = event_id(founder)
        if story_left == 0:
            story, story_left, story_events, story_articles = (
                storyline_id(eid),
                rng.randint(1, 5),
                0,
                0,
            )
        assert story is not None
        langs: set[str] = set()
        pubs: set[str] = set()
        for i in range(size):
            aid = f"a{made + i:07d}"
            lang = LANGUAGES[0] if rng.random() < 0.7 else rng.choice(LANGUAGES)
            pub = rng.choice(PUBLISHERS)
            langs.add(lang)
            pubs.add(pub)
            words = [_word(rng) for _ in range(150)] + names
            rng.shuffle(words)
            text = " ".join(words[:75]) + ".\n\n" + " ".join(words[75:]) + "."
            batch.append(
                Article(
                    id=aid,
                    title=" ".join([*title_words, names[0]]),
                    text=text,
                    source_id=pub,
                    url=f"https://{pub}/news/{aid}",
                    language=lang,
                    published=when + timedelta(minutes=10 * i),
                )
            )
            assignments.append(Assignment(aid, eid, story, 0.9, i == 0))
        story_left -= 1
        story_events += 1
        story_articles += size
        rows.append(
            EventRow(
                id=eid,
                storyline_id=story,
                title=" ".join([*title_words, names[0]]),
                event_date=when.date(),
                first_seen=when,
                last_seen=when + timedelta(minutes=10 * size),
                articles=size,
                languages=sorted(langs),
                publishers=sorted(pubs),
            )
        )
        stories = [s for s in stories if s.id != story] + [
            StorylineRow(
                story,
                " ".join(title_words[:4]),
                names[:2],
                when,
                when,
                story_events,
                story_articles,
            )
        ]
        events.append(eid)
        made += size
        if len(batch) >= 2000 or made >= articles:
            store.add_articles(batch, batch_size=2000)
            store.save_clustering(assignments, rows, stories, [])
            batch, assignments, rows, stories = [], [], [], stories[-1:]
            print(
                f"  {made} articles stored ({time.perf_counter() - started:.0f} s)", file=sys.stderr
            )
    store.close()
    return events, [f"w{n}" for n in (40, 80, 150, 300, 600)]


def _ids(path: Path) -> list[str]:
    store = SQLiteStore(str(path))
    try:
        return [e.id for e in store.list_events(limit=100_000)]
    finally:
        store.close()


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "storyline.cli",
        "serve",
        "--db",
        str(db),
        "--port",
        str(port),
        "--token",
        "bench",
        # Capacity, not the rate limiter (docs/security.md), is what is measured here.
        "--api-rate",
        "0",
        "--search-rate",
        "0",
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/static/app.css", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(
        f"storyline serve did not start: {server.stderr.read().decode() if server.stderr else ''}"
    )


def load(base: str, paths: list[str], seconds: float, concurrency: int) -> dict[str, float]:
    """Closed-loop load over ``paths`` (picked at random) for ``seconds``; latency stats."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(n: int) -> None:
        nonlocal errors
        rng = random.Random(n)
        mine: list[float] = []
        bad = 0
        with httpx.Client(base_url=base, timeout=60) as client:
            while time.monotonic() < stop:
                path = rng.choice(paths)
                began = time.perf_counter()
                response = client.get(path)
                mine.append(time.perf_counter() - began)
                if response.status_code != 200:
                    bad += 1
        with lock:
            latencies.extend(mine)
            errors += bad

    began = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    cuts = quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(cuts[49] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
    }


def _rss_peak(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--db", type=Path, default=None, help="Store file (reused if present).")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    db = args.db or Path(f"/tmp/storyline-bench-web-{args.articles}.db")
    build_seconds = 0.0
    if not db.exists():
        began = time.perf_counter()
        build(db, args.articles)
        build_seconds = time.perf_counter() - began
    events = _ids(db)
    rng = random.Random(1)
    sample = rng.sample(events, min(200, len(events)))
    words = ["w40", "w80", "w150", "w300", "w600", "Name123", "Name5000", "w80 w150", '"w40 w80"']
    targets = {
        "static (baseline)": ["/static/app.css"],
        "front page": ["/"],
        "event page": [f"/event/{e}" for e in sample],
        "search": [f"/search?q={w}" for w in words],
        "front page JSON": ["/index.json"],
    }
    # Reference: the store's own full-text search in this process (search pages pay it).
    fts: dict[str, float] = {}
    store = SQLiteStore(str(db))
    try:
        for word in words:
            times = []
            for _ in range(5):
                began = time.perf_counter()
                store.search(word, limit=50)
                times.append(time.perf_counter() - began)
            fts[word] = round(sorted(times)[2] * 1000, 2)
    finally:
        store.close()
    server = start_server(db, args.port)
    base = f"http://127.0.0.1:{args.port}"
    try:
        for paths in targets.values():  # warm caches and connections
            for path in paths[:3]:
                httpx.get(base + path, timeout=120)
        results = {
            name: load(base, paths, args.seconds, args.concurrency)
            for name, paths in targets.items()
        }
        rss = _rss_peak(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    floor = results["static (baseline)"]
    for row in results.values():
        row["rps_vs_static"] = round(row["rps"] / floor["rps"], 3) if floor["rps"] else 0.0
        row["p50_vs_static"] = round(row["p50_ms"] / floor["p50_ms"], 1) if floor["p50_ms"] else 0.0
    report = {
        "articles": args.articles,
        "events": len(events),
        "build_seconds": round(build_seconds, 1),
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "server_peak_rss_mb": rss,
        "load_average": os.getloadavg(),
        "store_search_ms": fts,
        "results": results,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(
        f"store: {args.articles} articles, {len(events)} events (built in {build_seconds:.0f} s); "
        f"{args.concurrency} connections x {args.seconds:g} s; server peak RSS {rss} MB; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(f"{'endpoint':<20}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'rps/static':>12}")
    for name, row in results.items():
        print(
            f"{name:<20}{row['rps']:>9}{row['p50_ms']:>9}{row['p99_ms']:>9}"
            f"{row['errors']:>8}{row['rps_vs_static']:>12}"
        )
    print("store.search alone, in-process median ms per query (what search pages pay):")
    print("  " + ", ".join(f"{w}: {ms}" for w, ms in fts.items()))


if __name__ == "__main__":
    main()
