"""Fault injection: kill -9 mid-write, a full disk, a locked database, a stalled network.

Every scenario runs the real code in a child process against a real SQLite file, breaks it
at a bad moment, then restarts and checks three things: nothing that was committed before
the fault is lost, nothing is stored twice, and ``storyline db check`` (run as a separate
process, as a user would) passes. SIGKILL is used because it is the one signal a process
cannot catch: what survives it is what the store's transactions guarantee, nothing more.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["FAULTS", "FaultResult", "run_fault"]


@dataclass(slots=True)
class FaultResult:
    """One scenario: how many faults were injected and what the restart found."""

    name: str
    faults: int = 0
    lost: int = 0
    duplicated: int = 0
    db_check_failures: int = 0
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not (self.problems or self.lost or self.duplicated or self.db_check_failures)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONHASHSEED": "0", "STORYLINE_ALLOW_NETWORKS": "127.0.0.1/32"}


def _run(
    argv: list[str], timeout: float, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env() | (extra_env or {}),
        check=False,
    )


def _cli(
    *args: str, timeout: float = 600, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return _run(["-m", "storyline.cli", *args], timeout, extra_env)


def _child(code: str, *args: object, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -c code *args`` (a child that is killed, or kills itself, mid-write)."""
    return _run(["-c", code, *map(str, args)], timeout)


def _db_check(db: Path, result: FaultResult) -> None:
    """``storyline db check`` in its own process, as a user would run it after a crash."""
    done = _cli("db", "check", "--db", str(db), timeout=120)
    if done.returncode != 0 or done.stdout.strip() != "ok":
        result.db_check_failures += 1
        result.problems.append(f"db check: {(done.stdout + done.stderr).strip()[-300:]}")


def _ids(db: Path) -> Counter[str]:
    conn = sqlite3.connect(db)
    try:
        return Counter(row[0] for row in conn.execute("SELECT id FROM articles"))
    finally:
        conn.close()


def _kill_after(
    command: list[str], delay: float, *, env: dict[str, str] | None = None
) -> tuple[bool, str]:
    """Start ``command``, SIGKILL it after ``delay`` s; returns (was it still running, stderr)."""
    child = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env or _env(), text=True
    )
    try:
        child.wait(timeout=delay)
        finished = True
    except subprocess.TimeoutExpired:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        finished = False
    assert child.stderr is not None
    stderr = child.stderr.read()
    child.stderr.close()
    return not finished, stderr


# -- kill -9 during `storyline ingest` ---------------------------------------------------


def write_articles(path: Path, count: int, *, seed: int = 1) -> list[str]:
    """A JSONL file of ``count`` distinct articles on a few topics; returns their ids."""
    rng = random.Random(seed)
    topics = [[f"t{t}w{i}" for i in range(60)] for t in range(8)]
    common = [f"w{i}" for i in range(3000)]
    ids = []
    with path.open("w", encoding="utf-8") as handle:
        for n in range(count):
            topic = topics[n % len(topics)]
            words = [rng.choice(topic if rng.random() < 0.4 else common) for _ in range(140)]
            record = {
                "id": f"a{seed}-{n:05d}",
                "title": " ".join(rng.choice(topic) for _ in range(7)),
                "text": " ".join(words) + f". Story {seed}-{n}.",
                "published": f"2024-07-{1 + n % 28:02d}T{n % 24:02d}:00:00Z",
                "source": f"src{n % 5}",
            }
            ids.append(record["id"])
            handle.write(json.dumps(record) + "\n")
    return ids


def kill_during_ingest(
    workdir: Path, *, articles: int = 300, delays: tuple[float, ...] = (4.0, 9.0, 14.0)
) -> FaultResult:
    """``storyline ingest`` (store, embed, enrich, dedup, cluster) killed at several moments,
    then run again to completion: every article once, nothing committed lost."""
    result = FaultResult("kill -9 during ingest")
    db = workdir / "ingest.db"
    source = workdir / "articles.jsonl"
    expected = set(write_articles(source, articles))
    command = [sys.executable, "-m", "storyline.cli", "ingest", str(source), "--db", str(db), "-q"]
    committed: set[str] = set()
    for delay in delays:
        killed, _ = _kill_after(command, delay)
        if not killed:
            result.notes.append(f"ingest finished within {delay} s; no kill")
            break
        result.faults += 1
        stored = _ids(db) if db.exists() else Counter()
        result.lost += len(committed - set(stored))
        result.duplicated += sum(n - 1 for n in stored.values())
        committed |= set(stored)
        _db_check(db, result)
        result.notes.append(f"killed after {delay:g} s with {len(stored)} articles stored")
    done = _cli("ingest", str(source), "--db", str(db), "-q")
    if done.returncode != 0:
        result.problems.append(f"ingest after restart failed: {done.stderr.strip()[-300:]}")
    stored = _ids(db)
    result.lost += len((committed | expected) - set(stored))
    result.duplicated += sum(n - 1 for n in stored.values()) + len(set(stored) - expected)
    _db_check(db, result)
    unclustered = _unclustered(db)
    result.notes.append(f"{len(stored)} articles after restart, {unclustered} in no event")
    if unclustered:
        # The re-run finishes the later stages (embedding, enrichment, events) of articles
        # an interrupted run committed (Pipeline._resume): none may be left in no event.
        result.problems.append(f"{unclustered} stored articles in no event after the re-run")
    return result


def _unclustered(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(
            conn.execute(
                "SELECT count(*) FROM articles a WHERE NOT EXISTS "
                "(SELECT 1 FROM article_events e WHERE e.article_id = a.id)"
            ).fetchone()[0]
        )
    finally:
        conn.close()


# -- kill -9 during a clustering merge -----------------------------------------------------

_MERGE_CHILD = r"""
import os, signal, sys
from storyline.store.sqlite import SQLiteStore
db, die_at = sys.argv[1], int(sys.argv[2])
store = SQLiteStore(db)
updates = 0
def trace(statement):
    global updates
    if statement.startswith("UPDATE events SET merged_into"):
        updates += 1
        if updates == die_at:
            print("dying", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
store._writer.set_trace_callback(trace)
events = [e.id for e in store.list_events(limit=1000)]
for source, target in zip(events[1::2], events[0::2]):
    store.merge_events(source, target)
    print("merged", source, target, flush=True)
"""


def _event_state(db: Path) -> tuple[dict[str, str | None], Counter[str], dict[str, int], int]:
    conn = sqlite3.connect(db)
    try:
        merged = dict(conn.execute("SELECT id, merged_into FROM events").fetchall())
        members = Counter(r[0] for r in conn.execute("SELECT event_id FROM article_events"))
        counts = dict(conn.execute("SELECT id, articles FROM events").fetchall())
        assigned = conn.execute("SELECT count(*) FROM article_events").fetchone()[0]
    finally:
        conn.close()
    return merged, members, counts, assigned


def kill_during_merge(workdir: Path, *, articles: int = 120) -> FaultResult:
    """Events merged one after another (``storyline events merge``'s store call), killed
    inside a merge transaction at several points: merges are all-or-nothing."""
    result = FaultResult("kill -9 during clustering merges")
    db = workdir / "merge.db"
    source = workdir / "merge.jsonl"
    write_articles(source, articles, seed=2)
    done = _cli("ingest", str(source), "--db", str(db), "-q")
    if done.returncode != 0:
        result.problems.append(f"setup ingest failed: {done.stderr.strip()[-300:]}")
        return result
    _, members0, _, assigned0 = _event_state(db)
    if len(members0) < 4:
        result.problems.append(f"setup made only {len(members0)} events")
        return result
    for die_at in (1, 2, 3):
        child = _child(_MERGE_CHILD, db, die_at)
        if child.returncode != -signal.SIGKILL:
            result.problems.append(f"merge child was not killed: {child.stderr.strip()[-300:]}")
            continue
        result.faults += 1
        merged, members, counts, assigned = _event_state(db)
        result.lost += max(0, assigned0 - assigned)
        for line in child.stdout.splitlines():
            words = line.split()
            if words[0] == "merged" and merged.get(words[1]) != words[2]:
                result.lost += 1
                result.problems.append(f"reported merge {words[1]} -> {words[2]} not stored")
        for eid, into in merged.items():
            if into is not None and members.get(eid):
                result.problems.append(f"event {eid} merged into {into} but still has articles")
            if into is None and counts.get(eid, 0) != members.get(eid, 0):
                result.problems.append(
                    f"event {eid} says {counts.get(eid)} articles, holds {members.get(eid, 0)}"
                )
        _db_check(db, result)
    result.notes.append(f"{assigned0} article assignments kept through {result.faults} kills")
    return result


# -- kill -9 during a migration ------------------------------------------------------------

_MIGRATE_CHILD = r"""
import os, signal, sys
from storyline.store.sqlite import SQLiteStore
store = SQLiteStore(sys.argv[1])  # at version N-1: the first pending migration is N
seen = 0
def trace(statement):
    global seen
    head = statement.lstrip().upper()
    if head.startswith(("CREATE", "ALTER", "INSERT INTO SCHEMA")):
        seen += 1
        if seen == 2:
            print("dying", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
store._writer.set_trace_callback(trace)
store.migrate()
print("finished", flush=True)
"""


def kill_during_migration(workdir: Path, *, versions: tuple[int, ...] = ()) -> FaultResult:
    """For every migration N: a database at N-1 holding an article is killed inside
    migration N; it must reopen at N-1 (never half-way), migrate on, and keep the article."""
    from storyline.store.migrate import load_migrations
    from storyline.store.sqlite import SQLiteStore

    result = FaultResult("kill -9 during migrations")
    migrations = load_migrations()
    for version in versions or range(2, len(migrations) + 1):
        db = workdir / f"migrate-{version}.db"
        with SQLiteStore(str(db), migrations=migrations[: version - 1]) as store:
            store.migrate()
        conn = sqlite3.connect(db)
        conn.execute(
            "INSERT INTO articles (id, title, text, stored_at) "
            "VALUES ('keep', 'Kept', 'kept', '2024-01-01')"
        )
        conn.commit()
        conn.close()
        child = _child(_MIGRATE_CHILD, db)
        if child.returncode != -signal.SIGKILL:
            result.problems.append(
                f"migration {version}: child not killed "
                f"({child.stdout.strip()} {child.stderr.strip()[-200:]})"
            )
            continue
        result.faults += 1
        conn = sqlite3.connect(db)
        at = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
        conn.close()
        if at != version - 1:
            result.problems.append(f"killed in migration {version}: database at version {at}")
        done = _cli("db", "migrate", "--db", str(db), timeout=120)
        if done.returncode != 0:
            result.problems.append(
                f"migration {version}: re-run failed: {done.stderr.strip()[-300:]}"
            )
        if _ids(db) != Counter({"keep": 1}):
            result.lost += 1
        _db_check(db, result)
    return result


# -- a full disk ----------------------------------------------------------------------------

_FULL_CHILD = r"""
import resource, signal, sys
from storyline.model import Article
from storyline.store.sqlite import SQLiteStore
db, limit = sys.argv[1], int(sys.argv[2])
store = SQLiteStore(db)
store.migrate()
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
body = "lorem ipsum dolor sit amet, consectetur adipiscing elit " * 60
k = 0
try:
    while True:
        batch = [
            Article(id=f"b{k:04d}-{i:03d}", title=f"batch {k}", text=f"{body} {k} {i}")
            for i in range(50)
        ]
        store.add_articles(batch, batch_size=50)
        print("committed", k, flush=True)
        k += 1
except Exception as error:
    print("error", type(error).__name__, str(error).replace("\n", " "), flush=True)
"""


def disk_full(workdir: Path, *, limit: int = 4 * 1024 * 1024) -> FaultResult:
    """Writes past a file-size limit (RLIMIT_FSIZE, as a full disk would): a clear error,
    committed batches intact, no partial batch, and writing resumes once there is room."""
    from storyline.model import Article
    from storyline.store.sqlite import SQLiteStore

    result = FaultResult("disk full (RLIMIT_FSIZE)")
    db = workdir / "full.db"
    child = _child(_FULL_CHILD, db, limit, timeout=300)
    lines = [line.split(" ", 2) for line in child.stdout.splitlines()]
    committed = {int(w[1]) for w in lines if w[0] == "committed"}
    errors = [w for w in lines if w[0] == "error"]
    result.faults += 1
    if child.returncode != 0 or not errors:
        result.problems.append(
            f"no clean error: exit {child.returncode}: {child.stderr.strip()[-300:]}"
        )
    else:
        kind, message = errors[0][1], errors[0][2] if len(errors[0]) > 2 else ""
        result.notes.append(f"{len(committed)} batches, then {kind}: {message[:160]}")
        if kind not in ("StorageError", "BatchError") or (
            "disk is full" not in message and "I/O error" not in message
        ):
            result.problems.append(f"unclear error: {kind}: {message[:200]}")
    per_batch = Counter(i[:5] for i in _ids(db))
    result.lost += len({f"b{k:04d}" for k in committed} - set(per_batch))
    if set(per_batch.values()) - {50}:
        result.problems.append(f"a partial batch survived: {per_batch}")
    _db_check(db, result)
    with SQLiteStore(str(db)) as store:
        more = [Article(id=f"after-{i}", title="after", text="room again") for i in range(10)]
        if len(store.add_articles(more).inserted) != 10:
            result.problems.append("could not write after space was freed")
    _db_check(db, result)
    return result


# -- a locked database ----------------------------------------------------------------------


def database_locked(workdir: Path) -> FaultResult:
    """Another process holds the write lock: the writer waits its timeout, then fails with a
    clear "database is locked" error, and succeeds (once, no duplicates) after release."""
    from storyline.errors import StorageError
    from storyline.model import Article
    from storyline.store.sqlite import SQLiteStore

    result = FaultResult("database locked")
    db = workdir / "locked.db"
    with SQLiteStore(str(db)) as store:
        store.migrate()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True)\n"
            "time.sleep(float(sys.argv[2]))\n"
            "c.execute('COMMIT')",
            str(db),
            "3",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    holder.stdout.readline()
    batch = [Article(id=f"l{i}", title="locked", text="waiting for the lock") for i in range(20)]
    result.faults += 1
    with SQLiteStore(str(db), timeout=0.5) as store:
        started = time.monotonic()
        try:
            store.add_articles(batch)
            result.problems.append("wrote while another process held the lock")
        except StorageError as error:
            waited = time.monotonic() - started
            if "locked" not in str(error):
                result.problems.append(f"unclear error: {error}")
            result.notes.append(f"refused after {waited:.2f} s: {str(error)[:120]}")
    holder.wait(timeout=30)
    holder.stdout.close()
    with SQLiteStore(str(db), timeout=5) as store:
        inserted = store.add_articles(batch).inserted
        again = store.add_articles(batch).inserted
    if len(inserted) != 20 or again:
        result.duplicated += len(again)
        result.problems.append(f"after release: {len(inserted)} inserted, {len(again)} again")
    result.duplicated += sum(n - 1 for n in _ids(db).values())
    _db_check(db, result)
    return result


# -- the network stalls mid-response --------------------------------------------------------


def network_stall(workdir: Path) -> FaultResult:
    """A feed whose server stalls half-way through the answer, then recovers, then grows:
    the stalled poll stores nothing and reports a timeout; later polls store each item once."""
    from storyline.ingest.fetch import Fetcher, FetchOptions
    from storyline.ingest.netguard import NetPolicy
    from storyline.ingest.scheduler import Poller
    from storyline.pipeline import Pipeline, PipelineOptions
    from storyline.reliability.hostile import respond, serve, stall
    from storyline.store.sqlite import SQLiteStore

    result = FaultResult("network timeout mid-response")
    db = workdir / "stall.db"
    items = [
        f"<item><title>Stalled story number {n}</title><link>https://example.org/{n}</link>"
        f"<guid>s{n}</guid><description>Leaders met in Oslo on day {n} for more talks on "
        f"emissions and money.</description></item>"
        for n in range(12)
    ]
    state: dict[str, str | int] = {"mode": "stall", "count": 8}

    def feed_body() -> bytes:
        inner = "".join(items[: int(state["count"])])
        channel = f"<channel><title>S</title>{inner}</channel>"
        return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()

    def route(sock: object, stop: threading.Event) -> None:
        body = feed_body()
        if state["mode"] == "stall":
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
            head += b"Content-Length: %d\r\n\r\n" % len(body) + body[: len(body) // 2]
            stall(sock, stop, head, 5)  # type: ignore[arg-type]
        else:
            respond(sock, body, headers={"Content-Type": "application/rss+xml"})  # type: ignore[arg-type]

    from storyline.ingest.sources import PollState, add_feed

    fetcher = Fetcher(
        FetchOptions(timeout=1.0, total_timeout=3.0, host_delay=0.0),
        NetPolicy.allowing("127.0.0.1/32"),
    )
    with (
        serve(
            {
                "/feed.xml": route,
                "/robots.txt": lambda s, e: respond(s, b"", status="404 No", headers={}),
            }
        ) as base,
        SQLiteStore(str(db)) as store,
    ):
        store.migrate()
        state["mode"] = "ok"
        found = add_feed(fetcher, base + "/feed.xml")
        store.save_source(found.source, PollState())
        pipeline = Pipeline(store, PipelineOptions(embed=False, enrich=False, events=False))
        poller = Poller(store, fetcher, pipeline)
        counts = []
        for mode, count in (("stall", 8), ("ok", 8), ("ok", 8), ("stall", 12), ("ok", 12)):
            state["mode"], state["count"] = mode, count
            report = poller.run_cycle(store.feed_sources())
            counts.append((mode, report.new_articles, report.failed))
            result.faults += mode == "stall"
        stored = store.count_articles()
    result.notes.append(f"polls (mode, new, failed): {counts}")
    if [c[1] for c in counts] != [0, 8, 0, 0, 4] or [c[2] for c in counts] != [1, 0, 0, 1, 0]:
        result.problems.append(f"unexpected poll results {counts}")
    result.lost += max(0, 12 - stored)
    result.duplicated += max(0, stored - 12) + sum(n - 1 for n in _ids(db).values())
    _db_check(db, result)
    return result


FAULTS: dict[str, Callable[[Path], FaultResult]] = {
    "ingest": kill_during_ingest,
    "merge": kill_during_merge,
    "migration": kill_during_migration,
    "disk-full": disk_full,
    "locked": database_locked,
    "network": network_stall,
}


def run_fault(name: str, workdir: Path) -> FaultResult:
    """Run one scenario in its own folder; an unexpected exception is reported, not raised."""
    folder = workdir / f"fault-{name}"
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        result = FAULTS[name](folder)
    except Exception as error:
        result = FaultResult(name, problems=[f"{type(error).__name__}: {error}"])
    result.seconds = time.monotonic() - started
    return result
