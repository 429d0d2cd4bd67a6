"""``storyline eval enrich``: print entity, quote and date scores on the gold set."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from storyline.eval.enrich import evaluate_enrich, publication_accuracy, rows
from storyline.eval.options import data_option

__all__ = ["enrich_command", "shared_data_dir"]


def shared_data_dir() -> Path:
    """``$STORYLINE_SHARED/data``, else ``../shared/data`` beside the source tree."""
    env = os.environ.get("STORYLINE_SHARED")
    if env:
        return Path(env) / "data"
    return Path(__file__).resolve().parents[4] / "shared" / "data"


@click.command("enrich")
@data_option
@click.option(
    "--gold",
    "gold_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Gold set JSONL (default: tests/data/enrich/gold.jsonl).",
)
@click.option(
    "--wcxb-sample",
    type=click.IntRange(0),
    default=None,
    help="Pages of WCXB for publication dates (default: all with a gold date; 0: skip).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def enrich_command(
    data_dir: Path | None, gold_path: Path | None, wcxb_sample: int | None, as_json: bool
) -> None:
    """Entities, quotes and dates: precision/recall/F1 on the hand-checked gold set.

    Also prints publication-date accuracy (the extraction's date, same day) on the gold
    articles that state one and on the WCXB development pages' publish_date.
    """
    data = data_dir or shared_data_dir()
    if not data.is_dir():
        raise click.UsageError(f"{data}: shared data not found; pass --data or STORYLINE_SHARED")
    scores = evaluate_enrich(data, gold_path)
    right, total = (0, 0) if wcxb_sample == 0 else publication_accuracy(data, sample=wcxb_sample)
    result: dict[str, dict[str, float | int | None]] = {
        label: {
            "precision": prf.precision,
            "recall": prf.recall,
            "f1": prf.f1,
            "system": system,
            "gold": gold,
        }
        for label, prf, system, gold in rows(scores)
    }
    result["published"] = {
        "gold_set": scores.published_accuracy,
        "gold_set_articles": scores.published_total,
        "wcxb": right / total if total else None,
        "wcxb_pages": total,
    }
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"{scores.articles} gold articles, enriched in {scores.seconds:.1f} s")
    click.echo(f"{'measure':<28}{'P':>7}{'R':>7}{'F1':>7}{'system':>8}{'gold':>6}")
    for label, prf, system, gold in rows(scores):
        click.echo(
            f"{label:<28}{prf.precision:>7.3f}{prf.recall:>7.3f}{prf.f1:>7.3f}{system:>8}{gold:>6}"
        )
    gold_acc = scores.published_accuracy
    click.echo(
        "publication date (same day): gold set "
        + (f"{gold_acc:.3f} of {scores.published_total}" if gold_acc is not None else "–")
        + ", WCXB dev "
        + (f"{right / total:.3f} of {total} pages" if total else "skipped")
    )
    for error in scores.errors:
        click.echo(f"error: {error}", err=True)
    sys.stdout.flush()
