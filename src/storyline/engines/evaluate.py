"""``storyline eval spark``: the Spark engine against the local engine and the gold answers.

Builds the sample WARC (:mod:`storyline.engines.sample`) from the shared data, runs the
local engine and the Spark engine on it, and reports (1) how far Spark agrees with the
local run on duplicate groups, events and storylines (:mod:`storyline.engines.agreement`)
and (2) both runs against the sample's gold: the share of known copies found in their
original's group, and events' B-cubed F1 against the WikinewsSum events.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from storyline.engines.agreement import table_agreement
from storyline.engines.local import run_local
from storyline.engines.output import read_table
from storyline.engines.sample import Sample, build_sample_warc
from storyline.engines.stages import EngineOptions
from storyline.eval.events import bcubed

__all__ = ["evaluate_spark", "gold_scores"]


def gold_scores(rows: list[dict[str, Any]], sample: Sample) -> dict[str, float]:
    """Copies found and events' B-cubed F1 of one run against the sample's gold."""
    by_url = {r["url"]: r for r in rows}
    group = {r["id"]: r["duplicate_of"] or r["id"] for r in rows}
    pairs = [(a, b) for a, b in sample.copies if a in by_url and b in by_url]
    found = sum(group[by_url[a]["id"]] == group[by_url[b]["id"]] for a, b in pairs)
    pred = {u: by_url[u]["event_id"] or u for u in sample.event_of if u in by_url}
    gold = {u: sample.event_of[u] for u in pred}
    return {
        "copies_found": round(found / len(sample.copies), 4) if sample.copies else 1.0,
        "events_bcubed_f1": round(bcubed(pred, gold).f1, 4) if pred else 0.0,
    }


def evaluate_spark(
    data_dir: Path,
    master: str,
    options: EngineOptions,
    *,
    pages: int = 16,
    events: int = 24,
    copies: int = 10,
    split: int = 2,
) -> dict[str, Any]:
    """Run both engines on the sample and score them (see the module docstring)."""
    from storyline.engines.spark import SparkEngine, spark_session

    with tempfile.TemporaryDirectory(prefix="storyline-eval-spark-") as tmp:
        folder = Path(tmp)
        sample = build_sample_warc(
            data_dir,
            folder / "sample.warc.gz",
            pages=pages,
            events=events,
            copies=copies,
            split=split,
        )
        inputs = [str(p) for p in sample.paths]
        local_report = run_local(inputs, folder / "local", options)
        spark = spark_session(master, {"spark.ui.showConsoleProgress": "false"})
        try:
            spark_report = SparkEngine(spark, options).run(inputs, str(folder / "spark"))
        finally:
            spark.stop()
        local = read_table(folder / "local", "articles")
        got = read_table(folder / "spark", "articles")
        return {
            "input": {
                "records": sample.pages,
                "files": len(inputs),
                "window_days": options.window_days,
            },
            "agreement": table_agreement(local, got),
            "gold": {"local": gold_scores(local, sample), "spark": gold_scores(got, sample)},
            "runs": {"local": local_report.as_dict(), "spark": spark_report.as_dict()},
        }
