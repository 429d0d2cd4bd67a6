"""Load soak: the real ``storyline serve --ingest`` under sustained reading load while it
ingests, from a second process on loopback, for a bounded time.

What it does (``run_load``):

1. Writes the first ``events`` WikinewsSum events (reports and their sources, dated a day
   apart from November 2004, as ``tests/web/corpus.py`` does) to a JSONL file and runs
   ``storyline ingest`` on it: the real pipeline (extraction, dedup, embedding, entities,
   events) into a fresh SQLite store.
2. Starts ``storyline serve --ingest --inbox DIR`` on 127.0.0.1 as a subprocess, with the
   server's default rate limits (loopback clients get the generous ones).
3. This process then drops a new JSONL file (the next event; once they run out, renamed
   copies, which dedup folds) into the inbox every ``ingest_every`` seconds, while
   ``workers`` threads request the front page, event pages, article pages (with similar
   news) and searches on a fixed schedule of ``rate`` requests a second. Latency is timed
   from the scheduled start, so a stalled server shows up in p99 instead of silently
   lowering the rate (Tene's "coordinated omission").
4. The server's resident memory (``/proc/PID/status``) is sampled every second. The first
   ``warmup`` seconds (models loading, caches filling) are driven but not timed; the RSS
   slope is a least-squares fit over the rest.
5. The server is stopped and ``storyline db check`` runs on the store.

Any non-2xx answer, timeout or connection error counts as an error; the soak passes with
0 errors, a p99 the caller bounds and a flat RSS. ``python -m storyline.reliability.load
--seconds 600`` is the 10-minute soak (docs/reliability.md, docs/security.md).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from storyline.errors import ConfigError

__all__ = ["SEARCH_WORDS", "main", "run_load"]

START = datetime(2004, 11, 1, 6, 0, tzinfo=UTC)
#: Search terms drawn by the driver: common in WikinewsSum headlines and text.
SEARCH_WORDS = (
    "government",
    "police",
    "election",
    "president",
    "minister",
    "court",
    "fire",
    "oil",
    "united states",
    "killed",
    "earthquake",
    "football",
)
#: Share of each request kind (front page, event, article, search).
MIX = (("front", 2), ("event", 3), ("article", 3), ("search", 2))


def _shared_data() -> Path:
    from storyline.eval.enrich_cli import shared_data_dir

    return shared_data_dir()


def _rows(data: Path) -> list[dict[str, Any]]:
    from storyline.eval.events_data import wikinewssum_path, wikinewssum_rows

    return [row for _, row in wikinewssum_rows(wikinewssum_path(data))]


def event_lines(row: dict[str, Any], number: int, tag: str = "") -> list[dict[str, Any]]:
    """One WikinewsSum event as JSONL records (report + sources), ids suffixed by ``tag``."""
    day = START + timedelta(days=number % 400)
    title = str(row.get("title") or "")
    out = [
        {
            "id": f"w{number:03d}{tag}-report",
            "title": title,
            "text": row.get("text") or title,
            "url": f"https://en.wikinews.org/wiki/{quote(title.replace(' ', '_')[:80])}{tag}",
            "source": "en.wikinews.org",
            "language": "en",
            "published": (day + timedelta(hours=8)).isoformat(),
        }
    ]
    for i, source in enumerate(row.get("sources") or []):
        text = source.get("maintext") or ""
        if not text.strip():
            continue
        url = source.get("url") or None
        host = (urlsplit(url).hostname or "").removeprefix("www.") if url else None
        out.append(
            {
                "id": f"w{number:03d}{tag}-s{i:02d}",
                "title": source.get("title"),
                "text": text,
                "url": f"{url}{'#' + tag if tag else ''}" if url else None,
                "source": host or f"source{i}",
                "language": source.get("language"),
                "published": (day + timedelta(hours=i)).isoformat(),
            }
        )
    return out


def _write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    tmp = path.with_suffix(".part")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    tmp.rename(path)  # the inbox only ever sees whole files


def _storyline(*args: str) -> list[str]:
    return [sys.executable, "-m", "storyline.cli", *args]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB (Linux ``/proc``), or None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def slope_per_minute(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) samples, in MB per minute."""
    if len(samples) < 2:
        return 0.0
    n = len(samples)
    mt = sum(t for t, _ in samples) / n
    mm = sum(m for _, m in samples) / n
    var = sum((t - mt) ** 2 for t, _ in samples)
    if var == 0:
        return 0.0
    return 60 * sum((t - mt) * (m - mm) for t, m in samples) / var


def percentile(values: list[float], q: float) -> float:
    """The ``q``-quantile (0..1) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.5) - 1))]


@contextmanager
def serving(db_url: str, inbox: Path, log: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """``storyline serve --ingest`` on 127.0.0.1:``port``, stopped (SIGINT, then kill)."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            _storyline(
                "serve",
                "--db",
                db_url,
                "--port",
                str(port),
                "--ingest",
                "--inbox",
                str(inbox),
                "--token",
                "load-test-token",
            ),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_up(proc, port, log)
            yield proc
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_up(proc: subprocess.Popen[bytes], port: int, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ConfigError(f"storyline serve exited ({proc.returncode}): {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise ConfigError(f"storyline serve did not listen on port {port} in {timeout:.0f} s")


class Driver:
    """Threads sending the request mix on a fixed schedule; records latency and errors."""

    def __init__(self, port: int, rate: float, workers: int, seed: int = 7) -> None:
        self.port = port
        self.rate = rate
        self.workers = workers
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.events: list[str] = []
        self.articles: list[str] = []
        self.latency: dict[str, list[float]] = {kind: [] for kind, _ in MIX}
        self.errors: list[str] = []
        self.sent = 0
        self.timing = False
        self.stop_at = 0.0
        self._slot = 0
        self._t0 = 0.0
        self._kinds = [kind for kind, weight in MIX for _ in range(weight)]

    def get(self, conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
        conn.request("GET", path, headers={"Accept": "text/html"})
        response = conn.getresponse()
        return response.status, response.read()

    def refresh(self) -> None:
        """Event and article ids from the front page and a few searches (new ones appear)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            status, body = self.get(conn, "/index.json")
            if status == 200:
                items = json.loads(body)["data"]["items"]
                events = [i["event"]["id"] for i in items if i.get("event")]
                with self.lock:
                    self.events = events or self.events
            found = []
            for word in SEARCH_WORDS[:4]:
                status, body = self.get(conn, f"/search.json?q={quote(word)}")
                if status == 200:
                    for group in json.loads(body)["data"]["groups"]:
                        found += [h["id"] for h in group["hits"]]
            with self.lock:
                self.articles = sorted(set(found)) or self.articles
        finally:
            conn.close()

    def _path(self, kind: str) -> str:
        with self.lock:
            if kind == "event" and self.events:
                return f"/event/{quote(self.random.choice(self.events))}"
            if kind == "article" and self.articles:
                return f"/article/{quote(self.random.choice(self.articles))}"
            if kind == "search":
                return f"/search?q={quote(self.random.choice(SEARCH_WORDS))}"
        return "/"

    def _next(self) -> tuple[float, str] | None:
        """The next scheduled request, or None at the end (a backlog is dropped, not drained:
        the slots never sent are reported as ``missed``)."""
        with self.lock:
            due = self._t0 + self._slot / self.rate
            if due >= self.stop_at or time.monotonic() >= self.stop_at:
                return None
            kind = self._kinds[self._slot % len(self._kinds)]
            self._slot += 1
        return due, kind

    @property
    def missed(self) -> int:
        """Scheduled requests never sent because the server fell behind."""
        return max(0, int((self.stop_at - self._t0) * self.rate) - self._slot)

    def _worker(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while True:
            slot = self._next()
            if slot is None:
                break
            due, kind = slot
            time.sleep(max(0.0, due - time.monotonic()))
            path = self._path(kind)
            try:
                status, _ = self.get(conn, path)
                ok = 200 <= status < 300
                problem = f"{status} {path}"
            except (OSError, http.client.HTTPException) as error:
                ok, problem = False, f"{type(error).__name__}: {error} {path}"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            took = time.monotonic() - due
            with self.lock:
                self.sent += 1
                if not ok:
                    self.errors.append(problem)
                elif self.timing:
                    self.latency[kind].append(took)
        conn.close()

    def run(self, until: float) -> list[threading.Thread]:
        self._t0 = time.monotonic()
        self.stop_at = until
        threads = [threading.Thread(target=self._worker, daemon=True) for _ in range(self.workers)]
        for thread in threads:
            thread.start()
        return threads


def run_load(
    seconds: int,
    *,
    rate: float = 3.0,
    workers: int = 6,
    events: int = 30,
    ingest_every: float = 5.0,
    warmup: float | None = None,
    data: Path | None = None,
    workdir: Path | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Soak ``storyline serve --ingest`` for ``seconds`` (see the module docstring).

    Returns the figures: requests, req/s, p50/p99 (ms, overall and per kind), errors (with
    up to 10 samples), RSS samples and slope, files and articles ingested, ``db check``.
    """
    if seconds < 5:
        raise ConfigError(f"--seconds {seconds}: a soak needs at least 5 seconds")
    rows = _rows(data or _shared_data())
    warm = warmup if warmup is not None else min(60.0, max(5.0, seconds * 0.2))
    with tempfile.TemporaryDirectory(prefix="storyline-load-") as tmp:
        root = workdir or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        db = root / "load.db"
        db_url = f"sqlite:///{db}"
        inbox = root / "inbox"
        inbox.mkdir(exist_ok=True)
        first = root / "initial.jsonl"
        initial = min(events, len(rows))
        _write_jsonl(first, [r for n in range(initial) for r in event_lines(rows[n], n)])
        built = time.monotonic()
        subprocess.run(_storyline("ingest", "-q", "--db", db_url, str(first)), check=True)
        build_seconds = time.monotonic() - built
        articles_before = _count_articles(db)
        port = _free_port()
        load_before = os.getloadavg()
        with serving(db_url, inbox, root / "serve.log", port) as proc:
            report = _soak(proc, port, rows, initial, inbox, seconds, warm, rate, workers,
                           ingest_every, progress)  # fmt: skip
        check = subprocess.run(
            _storyline("db", "check", "--db", db_url), capture_output=True, text=True
        )
        report.update(
            build_seconds=round(build_seconds, 1),
            initial_events=initial,
            loadavg_before=[round(x, 2) for x in load_before],
            loadavg_after=[round(x, 2) for x in os.getloadavg()],
            db_check=(check.stdout + check.stderr).strip(),
            db_ok=check.returncode == 0,
            articles_before=articles_before,
            articles_after=_count_articles(db),
        )
        return report


def _count_articles(db: Path) -> int:
    import sqlite3

    # A sqlite3 connection's "with" ends a transaction, not the connection: close it too.
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])


def _soak(
    proc: subprocess.Popen[bytes],
    port: int,
    rows: list[dict[str, Any]],
    initial: int,
    inbox: Path,
    seconds: int,
    warm: float,
    rate: float,
    workers: int,
    ingest_every: float,
    progress: bool,
) -> dict[str, Any]:
    driver = Driver(port, rate, workers)
    driver.refresh()
    start = time.monotonic()
    until = start + warm + seconds
    threads = driver.run(until)
    samples: list[tuple[float, float]] = []
    next_file, number, refreshed = start, initial, start
    timed_from = start + warm
    sent_at_timing = 0
    while time.monotonic() < until:
        now = time.monotonic()
        if not driver.timing and now >= timed_from:
            with driver.lock:
                driver.timing = True
                sent_at_timing = driver.sent
        if ingest_every > 0 and now >= next_file:
            row_no = number % len(rows)
            tag = "" if number < len(rows) else f"r{number // len(rows)}"
            _write_jsonl(inbox / f"n{number:05d}.jsonl", event_lines(rows[row_no], row_no, tag))
            number += 1
            next_file = now + ingest_every
        if now - refreshed >= 30:
            threading.Thread(target=driver.refresh, daemon=True).start()
            refreshed = now
        mb = rss_mb(proc.pid)
        if mb is not None and driver.timing:
            samples.append((now - timed_from, mb))
        if progress and samples and int(now - start) % 30 == 0:
            print(
                f"[{now - start:5.0f} s] sent {driver.sent}, errors {len(driver.errors)}, "
                f"RSS {mb:.0f} MB, load {os.getloadavg()[0]:.1f}",
                file=sys.stderr,
            )
        if proc.poll() is not None:
            driver.errors.append(f"server exited with {proc.returncode}")
            break
        time.sleep(1.0)
    for thread in threads:
        thread.join(timeout=90)
    timed = [x for values in driver.latency.values() for x in values]
    ms = 1000.0
    rss = [m for _, m in samples]
    return {
        "seconds": seconds,
        "warmup_seconds": round(warm, 1),
        "target_rate": rate,
        "workers": workers,
        "requests": driver.sent,
        "timed_requests": len(timed),
        "req_per_s": round((driver.sent - sent_at_timing) / seconds, 2),
        "p50_ms": round(percentile(timed, 0.5) * ms, 1),
        "p99_ms": round(percentile(timed, 0.99) * ms, 1),
        "by_kind": {
            kind: {
                "requests": len(values),
                "p50_ms": round(percentile(values, 0.5) * ms, 1),
                "p99_ms": round(percentile(values, 0.99) * ms, 1),
            }
            for kind, values in driver.latency.items()
        },
        "missed": driver.missed,
        "errors": len(driver.errors),
        "error_samples": driver.errors[:10],
        "files_dropped": number - initial,
        "rss_start_mb": round(rss[0], 1) if rss else None,
        "rss_end_mb": round(rss[-1], 1) if rss else None,
        "rss_max_mb": round(max(rss), 1) if rss else None,
        "rss_slope_mb_per_min": round(slope_per_minute(samples), 2),
        "rss_samples": [
            (round(t, 1), round(m, 1)) for t, m in samples[:: max(1, len(samples) // 60)]
        ],
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m storyline.reliability.load --seconds 600``: print the figures as JSON."""
    parser = argparse.ArgumentParser(prog="python -m storyline.reliability.load")
    parser.add_argument("--seconds", type=int, default=60, help="timed soak length")
    parser.add_argument("--rate", type=float, default=3.0, help="requests a second")
    parser.add_argument("--workers", type=int, default=6, help="client threads")
    parser.add_argument("--events", type=int, default=30, help="WikinewsSum events stored first")
    parser.add_argument(
        "--ingest-every", type=float, default=5.0, help="seconds between files (0: read only)"
    )
    parser.add_argument("--warmup", type=float, default=None, help="untimed seconds first")
    parser.add_argument("--data", type=Path, default=None, help="shared data folder")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the store here")
    args = parser.parse_args(argv)
    report = run_load(
        args.seconds,
        rate=args.rate,
        workers=args.workers,
        events=args.events,
        ingest_every=args.ingest_every,
        warmup=args.warmup,
        data=args.data,
        workdir=args.workdir,
        progress=True,
    )
    print(json.dumps(report, indent=2))
    return 0 if report["errors"] == 0 and report["db_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
