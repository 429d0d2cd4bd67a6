"""Crash safety of the SQLite store: a writer killed with SIGKILL loses no committed batch.

A child process inserts batches and prints each batch number once ``add_articles`` has
returned (committed). The test kills it with SIGKILL, the one signal a process cannot
handle, at different moments, then reopens the database and checks that every reported batch
is there, that no batch is there in part, that the database and its search index are sound,
and that inserting can go on. One run kills the child from inside a transaction whose pages
have already spilled into the WAL file, so recovery must skip uncommitted frames.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

from storyline.model import Article
from storyline.store.sqlite import SQLiteStore
from tests.integration.crashkit import run_child_until_killed

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")

BATCH = 150

CHILD = r"""
import os, signal, sys
from storyline.model import Article
from storyline.store.sqlite import SQLiteStore

url, start, die_in, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
wal = url + "-wal"
store = SQLiteStore(url)
store.migrate()
begins = inserts = 0
if die_in >= 0:
    # A tiny page cache makes SQLite spill uncommitted pages into the WAL mid-transaction;
    # no checkpoints, so the WAL only grows and its size shows those frames.
    store._writer.execute("PRAGMA cache_size = 8")
    store._writer.execute("PRAGMA wal_autocheckpoint = 0")

    def trace(statement):
        global begins, inserts
        begins += statement == "BEGIN IMMEDIATE"
        if begins == die_in - start + 1 and statement.startswith("INSERT INTO articles ("):
            inserts += 1
            if inserts == size // 2:  # well inside batch die_in, before its COMMIT
                print("dying", os.path.getsize(wal), flush=True)
                os.kill(os.getpid(), signal.SIGKILL)

    store._writer.set_trace_callback(trace)
body = "lorem ipsum dolor sit amet " * 100
k = start
while True:
    print("begin", k, flush=True)
    batch = [
        Article(id=f"b{k:05d}-{i:04d}", title=f"batch {k}", text=f"{body} batch{k}")
        for i in range(size)
    ]
    result = store.add_articles(batch, batch_size=size)
    assert len(result.inserted) == size, result
    print("committed", k, os.path.getsize(wal), flush=True)
    k += 1
"""


def run_until_killed(
    db: Path, start: int, *, delay: float | None, die_in: int = -1
) -> list[list[str]]:
    """Run the child; kill it ``delay`` s after its 3rd "begin" (or let it kill itself)."""
    lines = run_child_until_killed(
        CHILD, [str(db), str(start), str(die_in), str(BATCH)], delay=delay
    )
    return [line.split() for line in lines]


def committed(output: list[list[str]]) -> list[int]:
    """The batch numbers the child reported committed."""
    return [int(words[1]) for words in output if words[0] == "committed"]


def check_after_crash(db: Path, reported: list[int]) -> int:
    """Reopen and check the invariants; returns how many batches are stored."""
    with SQLiteStore(str(db)) as store:
        assert store.integrity_check() == []
        per_batch = Counter(article.id[:6] for article in store.iter_articles())
        sizes = set(per_batch.values())
        assert sizes <= {BATCH}, f"a partial batch survived: {per_batch}"
        stored = sorted(int(key[1:]) for key in per_batch)
        assert stored == list(range(len(stored))), stored
        assert set(reported) <= set(stored), (reported, stored)
        assert len(stored) <= max(reported, default=-1) + 2  # at most the one in flight
        assert store.count_articles() == BATCH * len(stored)
        if stored:
            assert len(store.search(f"batch{stored[-1]}", limit=BATCH + 1)) == BATCH
        return len(stored)


def test_sigkill_mid_batch_loses_no_committed_batch_and_keeps_none_in_part(
    tmp_path: Path,
) -> None:
    db = tmp_path / "crash.db"
    stored = 0
    for delay in (0.0, 0.004, 0.013, 0.031):
        reported = committed(run_until_killed(db, stored, delay=delay))
        assert len(reported) >= 2
        stored = check_after_crash(db, reported)

    # Deterministic: die half-way through a batch whose pages already reached the WAL.
    output = run_until_killed(db, stored, delay=None, die_in=stored + 2)
    reported = committed(output)
    assert reported == [stored, stored + 1]
    wal_at_last_commit = int([w for w in output if w[0] == "committed"][-1][2])
    assert output[-1][0] == "dying" and int(output[-1][1]) > wal_at_last_commit
    stored = check_after_crash(db, reported)
    assert stored == reported[-1] + 1

    # Inserting goes on: the lost batch can be written now, committed ones are skipped.
    with SQLiteStore(str(db)) as store:
        again = [Article(id=f"b00000-{i:04d}", title="x", text="x") for i in range(BATCH)]
        assert store.add_articles(again).inserted == []
        lost = [Article(id=f"b{stored:05d}-{i:04d}", title="y", text="y") for i in range(BATCH)]
        assert len(store.add_articles(lost).inserted) == BATCH
        assert store.integrity_check() == []
