"""``storyline selftest``: the reliability and security suite (docs/reliability.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from storyline.cli.common import err_console

__all__ = ["selftest"]


@click.command()
@click.option(
    "--fast", is_flag=True, help="The CI subset: light inputs, 10 s of fuzzing per target."
)
@click.option(
    "--fuzz-seconds",
    type=click.IntRange(1, 3600),
    default=60,
    show_default=True,
    help="Seconds of coverage-guided fuzzing (atheris) per target.",
)
@click.option("--no-fuzz", is_flag=True, help="Skip the atheris fuzzing.")
@click.option(
    "--load-seconds",
    type=click.IntRange(0, 3600),
    default=120,
    show_default=True,
    help="Seconds of the web app load soak in a full run (0: skip).",
)
@click.option("--case", "cases", multiple=True, help="Run only this bad-input case (repeatable).")
@click.option("--fault", "faults", multiple=True, help="Run only this fault scenario (repeatable).")
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep inputs, fuzzing corpora and crash files here (default: a temporary folder).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def selftest(
    fast: bool,
    fuzz_seconds: int,
    no_fuzz: bool,
    load_seconds: int,
    cases: tuple[str, ...],
    faults: tuple[str, ...],
    workdir: Path | None,
    as_json: bool,
) -> None:
    """Run the reliability suite: hostile inputs, fuzzing, crash and fault recovery, security.

    Prints a table (inputs tried, crashes, data lost, duplicates after faults); exit status 1
    when any check failed.
    """
    from storyline.reliability.corpus import all_cases
    from storyline.reliability.faults import FAULTS
    from storyline.reliability.runner import SelftestOptions, run, table

    unknown = [c for c in cases if c not in all_cases()] + [f for f in faults if f not in FAULTS]
    if unknown:
        raise click.UsageError(
            f"unknown case or fault {', '.join(unknown)}; faults are {', '.join(FAULTS)}, "
            f"cases are {', '.join(all_cases())}"
        )
    options = SelftestOptions(
        fast=fast,
        fuzz_seconds=fuzz_seconds,
        cases=cases,
        faults=faults,
        skip_fuzz=no_fuzz,
        workdir=workdir,
        load_seconds=load_seconds,
    )
    report = run(options, progress=lambda line: err_console.print(line, soft_wrap=True))
    rows = table(report)
    failures = report.failures()
    if as_json:
        click.echo(json.dumps({"summary": dict(rows), "failures": failures}, indent=2))
    else:
        grid = Table("check", "result", title="storyline selftest")
        for name, value in rows:
            grid.add_row(name, value)
        Console().print(grid)
        for failure in failures:
            err_console.print(f"FAILED {failure}", soft_wrap=True)
    if failures:
        sys.exit(1)
