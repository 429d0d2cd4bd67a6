"""Crash safety of the duplicate index: after SIGKILL, the index agrees with the articles.

A child process stores batches through the pipeline (dedup on: fingerprints, LSH band rows,
matches and re-named originals) and prints each batch number once it is committed. It is
killed at different moments, once from inside a batch's transaction right after the first
band rows were written. Then the database is reopened and checked: every stored article has
its fingerprint row and all its band rows, no index row lacks its article, duplicate marks
agree with the groups in the index, no batch is there in part, and storing goes on.
"""

from __future__ import annotations

import sqlite3
import sys
from collections import Counter
from pathlib import Path

import pytest

from storyline.dedup import DEFAULT_PARAMS
from storyline.store.sqlite import SQLiteStore
from tests.integration.crashkit import run_child_until_killed

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")

BATCH = 40

CHILD = r"""
import os, random, signal, sys
from storyline.model import Article
from storyline.pipeline import Pipeline, PipelineOptions
from storyline.store.sqlite import SQLiteStore

url, start, die_in, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
store = SQLiteStore(url)
store.migrate()
options = PipelineOptions(embed=False, enrich=False, events=False, batch_size=size)
pipeline = Pipeline(store, options)
rng = random.Random(7)
vocab = [f"w{n}" for n in range(3000)]
begins = bands = 0
if die_in >= 0:
    def trace(statement):
        global begins, bands
        begins += statement == "BEGIN IMMEDIATE"
        if begins >= 1 and statement.startswith("INSERT OR IGNORE INTO dedup_bands"):
            bands += 1
            if bands == 1 and k == die_in:
                print("dying", flush=True)
                os.kill(os.getpid(), signal.SIGKILL)
    store._writer.set_trace_callback(trace)

def text(n):
    r = random.Random(n)
    return " ".join(r.choice(vocab) for _ in range(120)) + f" Story{n}."

k = start
while True:
    print("begin", k, flush=True)
    batch = []
    for i in range(size):
        n = k * size + i
        if i % 2 and n > size:  # every other article copies an earlier story
            body = text(rng.randrange(0, n - 1)) + "\nRead more »"
        else:
            body = text(n)
        batch.append(Article(id=f"b{k:05d}-{i:04d}", title=f"story {n}", text=body,
                             source_id=f"s{i % 3}"))
    bands = 0
    pipeline.store_articles(batch)
    print("committed", k, flush=True)
    k += 1
"""


def run_until_killed(db: Path, start: int, *, delay: float | None, die_in: int = -1) -> list[str]:
    """Run the child; kill it ``delay`` s after its 3rd "begin" (or let it kill itself)."""
    lines = run_child_until_killed(
        CHILD, [str(db), str(start), str(die_in), str(BATCH)], delay=delay
    )
    return lines


def committed(output: list[str]) -> list[int]:
    return [int(line.split()[1]) for line in output if line.startswith("committed")]


def check_consistent(db: Path, reported: list[int]) -> int:
    """The invariants after a crash; returns how many batches are stored."""
    with SQLiteStore(str(db)) as store:
        assert store.integrity_check() == []
        per_batch = Counter(a.id[:6] for a in store.iter_articles())
        assert set(per_batch.values()) <= {BATCH}, f"a partial batch survived: {per_batch}"
        stored = sorted(int(key[1:]) for key in per_batch)
        assert stored == list(range(len(stored))) and set(reported) <= set(stored)
        stats = store.dedup_stats()
        assert stats["unindexed"] == 0
        assert stats["fingerprints"] == BATCH * len(stored)
        assert stats["band_rows"] >= DEFAULT_PARAMS.bands * stats["fingerprints"] * 0.99
    conn = sqlite3.connect(db)
    try:
        orphans = conn.execute(
            "SELECT count(*) FROM dedup_fingerprints f WHERE NOT EXISTS "
            "(SELECT 1 FROM articles a WHERE a.id = f.article_id)"
        ).fetchone()[0]
        stray_bands = conn.execute(
            "SELECT count(*) FROM dedup_bands b WHERE NOT EXISTS "
            "(SELECT 1 FROM dedup_fingerprints f WHERE f.fp = b.fp)"
        ).fetchone()[0]
        disagree = conn.execute(
            "SELECT count(*) FROM articles a JOIN dedup_fingerprints f ON f.article_id = a.id "
            "WHERE f.group_id <> coalesce(a.duplicate_of, a.id)"
        ).fetchone()[0]
        duplicates = conn.execute(
            "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL"
        ).fetchone()[0]
    finally:
        conn.close()
    assert (orphans, stray_bands, disagree) == (0, 0, 0)
    if len(stored) > 1:
        assert duplicates > 0  # the copies were found, so the index rows were really written
    return len(stored)


def test_sigkill_leaves_the_dedup_index_consistent_with_the_articles(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    stored = 0
    for delay in (0.0, 0.02, 0.07):
        stored = check_consistent(db, committed(run_until_killed(db, stored, delay=delay)))

    # Deterministic: die inside a batch, after its articles and first band rows were written.
    output = run_until_killed(db, stored, delay=None, die_in=stored + 1)
    assert output[-1] == "dying" and committed(output) == [stored]
    stored = check_consistent(db, committed(output))
    assert stored == committed(output)[-1] + 1

    # Storing goes on from where it stopped.
    output = run_until_killed(db, stored, delay=None, die_in=stored + 1)
    assert committed(output) == [stored]
    check_consistent(db, committed(output))
