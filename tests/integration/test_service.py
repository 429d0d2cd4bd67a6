"""``storyline run`` as the polling service, in a subprocess: kill -9 in the middle of a poll
cycle loses nothing committed, and the next start continues without duplicates; an
unreachable feed is reported once per cycle while the rest keeps working."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storyline.ingest.netguard import ALLOW_ENV
from storyline.ingest.sources import PollState, SourceSettings, feed_source
from storyline.store.sqlite import SQLiteStore
from tests.data.feeds.server import FeedServer, start

REPO = Path(__file__).resolve().parents[2]
FEEDS = 12
ITEMS = 5
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
]


def _feed(server: FeedServer, number: int) -> bytes:
    items = []
    for k in range(ITEMS):
        n = number * ITEMS + k
        body = " ".join(f"{WORDS[(n * 7 + j) % len(WORDS)]}{n * 31 + j}" for j in range(180))
        items.append(
            f"<item><title>Report {n} on the {WORDS[n % len(WORDS)]} question</title>"
            f"<link>{server.url(f'/story/{n}')}</link><guid>story-{n}</guid>"
            f"<pubDate>Mon, 03 Nov 2025 {k + 8:02d}:00:00 +0000</pubDate>"
            f"<description><![CDATA[<p>{body.capitalize()}.</p>]]></description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Feed {number}</title><link>{server.url('/')}</link>"
        f"{''.join(items)}</channel></rss>"
    ).encode()


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    srv = start()
    for number in range(FEEDS):
        srv.static(f"/many/{number}.xml", _feed(srv, number), "application/rss+xml")
    yield srv
    srv.close()


def _follow(db: str, urls: list[str]) -> None:
    store = SQLiteStore(db)
    try:
        store.migrate()
        for url in urls:
            store.save_source(feed_source(url), PollState(settings=SourceSettings("never")))
    finally:
        store.close()


def _command(db: str) -> list[str]:
    return [sys.executable, "-m", "storyline.cli", "run", "--db", db, "--no-examples", "--once"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env[ALLOW_ENV] = "127.0.0.1/32"
    env["PYTHONPATH"] = str(REPO / "src")
    return env


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_kill_during_a_poll_cycle_loses_nothing_and_resumes(
    server: FeedServer, tmp_path: Path
) -> None:
    path = tmp_path / "service.db"
    db = f"sqlite:///{path}"
    _follow(db, [server.url(f"/many/{n}.xml") for n in range(FEEDS)])
    proc = subprocess.Popen(
        _command(db), env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
        stored = _rows(path, "SELECT count(*) FROM articles")[0][0]  # type: ignore[assignment]
        if stored >= 2 * ITEMS:
            break
    assert proc.poll() is None, "the cycle ended before it could be killed; add feeds"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = {row[0] for row in _rows(path, "SELECT id FROM articles")}
    polled = _rows(path, "SELECT count(*) FROM sources WHERE last_polled IS NOT NULL")[0][0]
    assert len(before) >= stored and polled < FEEDS  # killed in the middle of the cycle
    assert len(before) % ITEMS == 0  # a feed's articles are committed together

    done = subprocess.run(_command(db), env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"poll: {FEEDS - polled} feeds" in done.stderr  # only what was left
    after = {row[0] for row in _rows(path, "SELECT id FROM articles")}
    assert before <= after and len(after) == FEEDS * ITEMS
    urls = _rows(path, "SELECT count(DISTINCT url), count(*) FROM articles")[0]
    assert urls == (FEEDS * ITEMS, FEEDS * ITEMS)
    keys = _rows(path, "SELECT count(DISTINCT article_id) FROM feed_items")[0][0]
    assert keys == FEEDS * ITEMS
    assert _rows(path, "PRAGMA integrity_check")[0][0] == "ok"
    statuses = _rows(path, "SELECT status FROM source_poll")
    # A feed whose articles were committed just before the kill, but not its poll state, is
    # polled again and finds them stored: "0 new", not duplicates.
    assert len(statuses) == FEEDS
    assert all(s[0] in (f"{ITEMS} new", "0 new") for s in statuses)
    assert sum(s[0] == "0 new" for s in statuses) <= 1


def test_unreachable_feeds_are_reported_once_per_cycle(server: FeedServer, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'offline.db'}"
    _follow(db, [server.url("/many/0.xml"), "http://127.0.0.1:9/a.xml", "http://127.0.0.1:9/b.xml"])
    done = subprocess.run(_command(db), env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    err = done.stderr
    assert err.count("127.0.0.1:9/a.xml: connection refused") == 1
    assert err.count("127.0.0.1:9/b.xml: connection refused") == 1
    assert f"poll: 3 feeds, {ITEMS} new articles, 2 failed" in err
