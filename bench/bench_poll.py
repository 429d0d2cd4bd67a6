"""One full poll cycle over 1,000 feeds served by a local server, and what conditional GET saves.

Run: ``.venv/bin/python -m bench.bench_poll [--feeds 1000] [--items 5] [--workers 4] [--json]``

A server in a **separate process** (so its CPU is not counted) serves ``--feeds`` RSS feeds
of ``--items`` full-text items each, with ETags, answering 304 to a matching
``If-None-Match``. Each feed has its own host name (``feedN.bench``, resolved to 127.0.0.1
by the benchmark's resolver), as real feeds mostly do, so per-host politeness does not
serialise the cycle. The poller runs the real stack: fetcher, feedparser, identity keys,
extraction, dedup and the SQLite store. Embedding, enrichment and event clustering are off:
they cost the same per article whatever brought it, and have their own benchmarks.

Cycles, in one run:

1. **cold**: an empty store, every item new (fetch, parse, extract, dedup, store);
2. **conditional**: every feed again with the stored ETag/Last-Modified (the service's way);
3. **unconditional baseline**: every feed again with the validators removed (a client
   without conditional GET): bodies transferred and parsed, every item recognised as known.

Reported: wall time and this process's CPU time per cycle, requests, 304 answers, body bytes,
and the ratios of cycle 2 to cycle 3 (requests answered without a body, bytes, time).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from storyline.ingest.fetch import Fetcher, FetchOptions, Response
from storyline.ingest.netguard import NetPolicy
from storyline.ingest.scheduler import Poller, ScheduleOptions
from storyline.ingest.sources import PollState, SourceSettings, feed_source
from storyline.pipeline import Pipeline, PipelineOptions
from storyline.store.sqlite import SQLiteStore

WORDS = [
    "harbour",
    "storm",
    "ferry",
    "council",
    "budget",
    "school",
    "bridge",
    "election",
    "river",
    "power",
    "market",
    "police",
    "court",
    "hospital",
    "train",
    "airport",
    "strike",
    "minister",
    "parliament",
    "weather",
    "festival",
    "museum",
]


def feed_body(number: int, items: int, port: int) -> bytes:
    entries = []
    for k in range(items):
        n = number * items + k
        words = [f"{WORDS[(n * 7 + j * 3) % len(WORDS)]}{(n * 131 + j) % 9973}" for j in range(220)]
        paragraphs = "".join(
            f"<p>{' '.join(words[i : i + 44]).capitalize()}.</p>" for i in range(0, 220, 44)
        )
        entries.append(
            f"<item><title>Report {n}: the {WORDS[n % len(WORDS)]} question</title>"
            f"<link>http://feed{number}.bench:{port}/story/{n}</link><guid>s{n}</guid>"
            f"<pubDate>Mon, 03 Nov 2025 {k % 24:02d}:00:00 +0000</pubDate>"
            f"<content:encoded><![CDATA[{paragraphs}]]></content:encoded></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>Bench feed {number}</title><link>http://feed{number}.bench/</link>"
        f"{''.join(entries)}</channel></rss>"
    ).encode()


def serve(port_file: str, items: int) -> None:
    """The server process: ``/feed/N.xml`` for any N, with an ETag per feed."""
    cache: dict[int, tuple[bytes, str]] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            number = int(self.path.rsplit("/", 1)[-1].split(".")[0])
            if number not in cache:
                body = feed_body(number, items, self.server.server_address[1])  # type: ignore[index]
                cache[number] = (body, '"' + hashlib.sha1(body).hexdigest()[:16] + '"')
            body, etag = cache[number]
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    Path(port_file).write_text(str(httpd.server_address[1]))
    httpd.serve_forever()


class CountingFetcher(Fetcher):
    """Counts answers and body bytes (the fetcher itself counts requests)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bytes = 0
        self.not_modified = 0

    def get(self, url: str, **kwargs: Any) -> Response:
        response = super().get(url, **kwargs)
        self.bytes += len(response.body)
        self.not_modified += int(response.not_modified)
        return response


def cycle(
    store: SQLiteStore, poller: Poller, fetcher: CountingFetcher, strip: bool
) -> dict[str, Any]:
    todo = store.feed_sources()
    if strip:
        todo = [(replace_validators(s), st) for s, st in todo]
    fetcher.requests = fetcher.bytes = fetcher.not_modified = 0
    wall, cpu = time.perf_counter(), time.process_time()
    report = poller.run_cycle(todo)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "feeds": report.polled,
        "failed": report.failed,
        "new_articles": report.new_articles,
        "requests": fetcher.requests,
        "not_modified": fetcher.not_modified,
        "body_mb": round(fetcher.bytes / 1_048_576, 2),
    }


def replace_validators(source: Any) -> Any:
    source.etag = source.last_modified = None
    return source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.items)
        return
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp) / "port"
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.bench_poll",
                "--serve",
                str(port_file),
                "--items",
                str(args.items),
            ]
        )
        try:
            while not port_file.exists() or not port_file.read_text():
                time.sleep(0.05)
            port = int(port_file.read_text())
            results = run(Path(tmp), port, args)
        finally:
            server.terminate()
            server.wait()
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for name in ("cold", "conditional", "unconditional"):
        print(f"{name:>14}: {results[name]}")
    print(f"        ratios: {results['ratios']}")
    print(f"   peak memory: {results['peak_rss_mb']} MB")


def run(tmp: Path, port: int, args: argparse.Namespace) -> dict[str, Any]:
    store = SQLiteStore(f"sqlite:///{tmp / 'bench.db'}")
    store.migrate()
    for number in range(args.feeds):
        url = f"http://feed{number}.bench:{port}/feed/{number}.xml"
        store.save_source(feed_source(url), PollState(settings=SourceSettings("never")))
    policy = NetPolicy(
        allowed=NetPolicy.allowing("127.0.0.1/32").allowed,
        resolver=lambda host, _port: ["127.0.0.1"],
    )
    fetcher = CountingFetcher(FetchOptions(), policy)
    # The collecting stack: extraction, dedup, storing; the later stages have their benches.
    pipeline = Pipeline(store, PipelineOptions(embed=False, enrich=False, events=False))
    poller = Poller(store, fetcher, pipeline, ScheduleOptions(workers=args.workers))
    results: dict[str, Any] = {"feeds": args.feeds, "items_per_feed": args.items}
    results["cold"] = cycle(store, poller, fetcher, strip=False)
    results["conditional"] = cycle(store, poller, fetcher, strip=False)
    results["unconditional"] = cycle(store, poller, fetcher, strip=True)
    cond, base = results["conditional"], results["unconditional"]
    results["ratios"] = {
        "requests_answered_304": f"{cond['not_modified']}/{cond['requests']}",
        "bytes_conditional_vs_unconditional": round(
            cond["body_mb"] / max(base["body_mb"], 1e-9), 4
        ),
        "wall_unconditional_over_conditional": round(base["wall_s"] / max(cond["wall_s"], 1e-9), 2),
        "cpu_unconditional_over_conditional": round(base["cpu_s"] / max(cond["cpu_s"], 1e-9), 2),
    }
    store.close()
    return results


if __name__ == "__main__":
    main()
