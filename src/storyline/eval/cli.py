"""``storyline eval ...``: evaluation commands (a click group the main CLI attaches).

Run without the main CLI as ``python -m storyline.eval.cli extraction --sample 40``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from storyline.eval.extraction import (
    PageResult,
    SystemScores,
    default_data_dir,
    evaluate_pages,
    load_pages,
    subsample,
    summarise,
)
from storyline.eval.options import data_option

__all__ = ["eval_group"]


@click.group(name="eval")
def eval_group() -> None:
    """Measure Storyline's stages on the public evaluation sets."""


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _print_table(summary: dict[str, dict[str, SystemScores]], wall: float) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.width = max(console.width, 100)  # the table needs ~90 columns; wrap nothing
    for name, systems in summary.items():
        pages = next(iter(systems.values())).pages
        table = Table(title=f"{name} ({pages} pages)", box=box.SIMPLE_HEAD, pad_edge=False)
        columns = ("system", "P", "R", "F1", "sh.F1", "title", "date", "±1d", "p/s", "empty")
        for column in columns:
            table.add_column(
                column, justify="left" if column == "system" else "right", no_wrap=True
            )
        for system, s in systems.items():
            table.add_row(
                system,
                _fmt(s.word.precision),
                _fmt(s.word.recall),
                _fmt(s.word.f1),
                _fmt(s.shingle.f1),
                _fmt(s.title_accuracy),
                _fmt(s.date_accuracy),
                _fmt(s.date_within_one_day),
                f"{s.pages_per_second:.1f}",
                str(s.failures),
            )
        console.print(table)
    console.print(
        f"wall time {wall:.0f} s. P/R/F1: word precision/recall/F1, mean over pages of "
        "lower-cased \\w+ token multisets (WCXB); sh.F1: 4-gram shingle F1, F1 of mean P and "
        "mean R (ScrapingHub); title: title tokens equal; date: same day as gold (±1d: within "
        "a day); p/s: pages per second on one core; empty: pages without text."
    )


@eval_group.command("extraction")
@data_option
@click.option(
    "--set",
    "which",
    type=click.Choice(["scrapinghub", "wcxb", "all"]),
    default="all",
    show_default=True,
    help="Which evaluation set to run.",
)
@click.option(
    "--sample",
    type=click.IntRange(min=1),
    default=None,
    help="A fixed subsample of about N pages per set (every k-th id in sorted order).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes (speed figures stay single-core).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def extraction_command(
    data_dir: Path | None, which: str, sample: int | None, jobs: int, as_json: bool
) -> None:
    """Word F1, shingle F1, title/date accuracy and speed of Storyline vs trafilatura."""
    root = data_dir or default_data_dir()
    if not (root / "extraction").is_dir():
        raise click.UsageError(
            f"no extraction data under {root}; pass --data or set STORYLINE_SHARED"
        )
    pages = subsample(load_pages(root, which), sample)
    if not pages:
        raise click.UsageError(f"no pages found for --set {which} under {root}")
    start = time.perf_counter()
    if as_json:
        results = evaluate_pages(pages, jobs=jobs)
    else:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("extracting", total=len(pages))

            def advance(_: PageResult) -> None:
                bar.advance(task)

            results = evaluate_pages(pages, jobs=jobs, progress=advance)
    wall = time.perf_counter() - start
    summary = summarise(results)
    if as_json:
        payload: dict[str, Any] = {
            "data": str(root),
            "sample": sample,
            "wall_seconds": round(wall, 1),
            "sets": {n: {s: v.as_dict() for s, v in d.items()} for n, d in summary.items()},
        }
        click.echo(json.dumps(payload, indent=2))
    else:
        _print_table(summary, wall)


if __name__ == "__main__":
    sys.exit(eval_group())
