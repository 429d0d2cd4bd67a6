"""``storyline eval dedup``: pair precision/recall of duplicate detection on the synthetic
syndication set (:mod:`storyline.eval.dedup_set`), per transform and per negative kind."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import click

from storyline.eval.dedup import DedupScores, evaluate
from storyline.eval.dedup_set import DEFAULT_SEED, build_set
from storyline.eval.extraction import default_data_dir
from storyline.eval.options import data_option

__all__ = ["dedup_command"]


def _print(scores: DedupScores, counts: dict[str, int], wall: float) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"[bold]duplicate pairs[/bold] ({scores.articles} articles: "
        + ", ".join(f"{kind} {n}" for kind, n in counts.items())
        + ")"
    )
    console.print(
        f"  precision {scores.precision:.4f}  recall {scores.recall:.4f}  F1 {scores.f1:.4f}  "
        f"({scores.true_pairs} true of {scores.predicted_pairs} predicted, "
        f"{scores.gold_pairs} gold pairs)"
    )
    table = Table(title="recall by transform", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("transform")
    table.add_column("recall", justify="right")
    for name, value in scores.recall_by_transform.items():
        table.add_row(name, f"{value:.4f}")
    console.print(table)
    false = ", ".join(f"{k} {v}" for k, v in scores.false_pairs_by_kind.items()) or "none"
    console.print(f"false pairs by kind: {false}")
    console.print(
        f"revisions recognised {scores.revisions_found}/{scores.revisions} "
        f"(false revisions {scores.false_revisions}); originals named in "
        f"{scores.originals_named:.4f} of {scores.groups_scored} found groups; wire agency "
        f"found for {scores.wire_found:.4f} of {scores.wire_items} credited items "
        f"({scores.wire_false} credited wrongly); {scores.origins} independent origins"
    )
    signals = ", ".join(f"{k} {v}" for k, v in sorted(scores.signals.items()))
    console.print(f"deciding signals: {signals}")
    console.print(
        f"{scores.articles_per_second:.0f} articles/s through the stage "
        f"({scores.seconds:.1f} s); wall time with building the set {wall:.0f} s"
    )


@click.command("dedup")
@data_option
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Set seed.")
@click.option(
    "--sample",
    type=click.IntRange(min=20),
    default=None,
    help="Use about N source bodies (and the rest in proportion) instead of all.",
)
@click.option(
    "--memory",
    is_flag=True,
    help="Run the stage alone in memory instead of through a temporary SQLite store.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def dedup_command(
    data_dir: Path | None, seed: int, sample: int | None, memory: bool, as_json: bool
) -> None:
    """Pair precision/recall of duplicate detection on the synthetic syndication set.

    The set is built from the shared extraction sets' real article bodies: copies with
    another headline, a dateline, a read-more line, a cut ending or publisher boilerplate,
    revisions, and hard negatives (shared boilerplate, template twins, short texts, robot
    reports, same-topic articles). By default articles go through the same path as
    ``storyline ingest`` into a temporary SQLite store.
    """
    root = data_dir or default_data_dir()
    if not (root / "extraction").is_dir():
        raise click.UsageError(
            f"no extraction data under {root}; pass --data or set STORYLINE_SHARED"
        )
    start = time.perf_counter()
    dataset = build_set(root, seed=seed, sample=sample)
    if memory:
        scores = evaluate(dataset)
    else:
        from storyline.store.sqlite import SQLiteStore

        with tempfile.TemporaryDirectory(prefix="storyline-eval-") as folder:
            store = SQLiteStore(str(Path(folder) / "dedup.db"))
            try:
                store.migrate()
                scores = evaluate(dataset, store=store)
            finally:
                store.close()
    wall = time.perf_counter() - start
    if as_json:
        payload = {
            "data": str(root),
            "seed": seed,
            "sample": sample,
            "store": "memory" if memory else "sqlite",
            "counts": dataset.counts(),
            "wall_seconds": round(wall, 1),
            **scores.as_dict(),
        }
        click.echo(json.dumps(payload, indent=2))
    else:
        _print(scores, dataset.counts(), wall)
