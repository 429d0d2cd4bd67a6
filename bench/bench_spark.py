"""Batch engines: articles/s of the Spark engine on local[1] and local[2], the local engine
beside it on the same input, memory per executor, and agreement of the results.

Run: ``.venv/bin/python -m bench.bench_spark [--pages 60] [--events 60] [--split 4]
[--no-enrich] [--json]``

The input is the sample WARC of :mod:`storyline.engines.sample` (ScrapingHub pages and
WikinewsSum sources, with copies), split into ``--split`` files so that Spark can read
them in parallel (a WARC.gz is one task). Each engine runs the whole pipeline (extraction,
cleaning, language, fingerprints, enrichment, embedding, dedup, events, Parquet output).

* **local**: :func:`storyline.engines.local.run_local` (one process, the reference);
* **spark local[1]** and **local[2]**: :class:`storyline.engines.spark.SparkEngine` in a
  fresh session each; the session start is reported apart and not counted in the rate.

Memory: peak resident memory of the Spark JVM and of each Python worker, sampled every
0.2 s (in local mode the executor lives in the driver JVM; its Python workers hold the
models). The load average is printed with the figures: on a shared machine compare the
ratios, not the absolute rates.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from storyline.engines.agreement import COLUMNS, table_agreement
from storyline.engines.local import run_local
from storyline.engines.output import read_table
from storyline.engines.sample import build_sample_warc
from storyline.engines.stages import EngineOptions

SHARED = Path(os.environ.get("STORYLINE_SHARED", Path(__file__).resolve().parents[2] / "shared"))


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def _descendants(root: int) -> dict[int, str]:
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        names[int(entry.name)] = cmd
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in found:
                found[child] = names.get(child, "")
                frontier.append(child)
    return found


class MemorySampler:
    """Peak RSS of the JVM and of each Python worker under this process."""

    def __init__(self) -> None:
        self.jvm_kb = 0
        self.worker_kb = 0
        self.workers = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        seen: set[int] = set()
        while not self._stop.wait(0.2):
            for pid, cmd in _descendants(os.getpid()).items():
                rss = _rss_kb(pid)
                if "java" in cmd.split(" ", 1)[0]:
                    self.jvm_kb = max(self.jvm_kb, rss)
                elif "pyspark.daemon" in cmd:
                    self.worker_kb = max(self.worker_kb, rss)
                    seen.add(pid)
            self.workers = max(self.workers, len(seen))

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_spark(master: str, inputs: list[str], out: Path, options: EngineOptions) -> dict[str, Any]:
    from storyline.engines.spark import SparkEngine, spark_session

    with MemorySampler() as memory:
        started = time.perf_counter()
        spark = spark_session(
            master,
            {
                "spark.ui.enabled": "false",
                "spark.ui.showConsoleProgress": "false",
                "spark.driver.memory": "1g",
            },
        )
        spark.sparkContext.setLogLevel("ERROR")
        session = time.perf_counter() - started
        try:
            report = SparkEngine(spark, options).run(inputs, str(out))
        finally:
            spark.stop()
    return {
        "engine": f"spark {master}",
        "articles": report.articles,
        "seconds": round(report.seconds, 2),
        "session_start_s": round(session, 2),
        "rate": round(report.rate, 3),
        "timings": {k: round(v, 2) for k, v in report.timings.items()},
        "jvm_peak_mb": round(memory.jvm_kb / 1024),
        "python_worker_peak_mb": round(memory.worker_kb / 1024),
        "python_workers": memory.workers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--events", type=int, default=60)
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--split", type=int, default=4)
    parser.add_argument("--no-enrich", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    options = EngineOptions(enrich=not args.no_enrich)
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as tmp:
        folder = Path(tmp)
        sample = build_sample_warc(
            SHARED / "data",
            folder / "sample.warc.gz",
            pages=args.pages,
            events=args.events,
            copies=args.copies,
            split=args.split,
        )
        inputs = [str(p) for p in sample.paths]
        load_before = os.getloadavg()
        started = time.perf_counter()
        local = run_local(inputs, folder / "local", options)
        results: list[dict[str, Any]] = [
            {
                "engine": "local",
                "articles": local.articles,
                "seconds": round(time.perf_counter() - started, 2),
                "rate": round(local.rate, 3),
                "timings": {k: round(v, 2) for k, v in local.timings.items()},
            }
        ]
        for master in ("local[1]", "local[2]"):
            name = master.replace("[", "").replace("]", "")
            results.append(run_spark(master, inputs, folder / name, options))
        base = results[0]["rate"] or 1.0
        for row in results:
            row["rate_vs_local"] = round(row["rate"] / base, 3)
        ref = read_table(folder / "local", "articles")
        agree = {}
        for name in ("local1", "local2"):
            got = read_table(folder / name, "articles")
            agree[name] = {
                COLUMNS[table]: scores["bcubed_f1"]
                for table, scores in table_agreement(ref, got).items()
            }
        summary = {
            "input": {"files": len(inputs), "records": sample.pages},
            "load_average": {"before": load_before, "after": os.getloadavg()},
            "cpus": os.cpu_count(),
            "results": results,
            "agreement_bcubed_f1_vs_local": agree,
        }
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"input: {len(inputs)} WARC files, {sample.pages} records; load {load_before}")
    for row in results:
        extra = ""
        if "jvm_peak_mb" in row:
            extra = (
                f"  session {row['session_start_s']} s, JVM {row['jvm_peak_mb']} MB, "
                f"Python worker {row['python_worker_peak_mb']} MB x {row['python_workers']}"
            )
        print(
            f"{row['engine']:>16}: {row['articles']} articles in {row['seconds']} s = "
            f"{row['rate']} articles/s ({row['rate_vs_local']}x local){extra}"
        )
    print(f"agreement with local (B-cubed F1): {agree}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
