"""``storyline spark run``, ``storyline spark compare`` and ``storyline load``: batch engines.

``spark run`` needs the ``spark`` extra (pyspark, pyarrow) and a Java runtime; ``--engine
local`` runs the same pipeline in this process (no Spark) and writes the same tables, which
is how the two are compared (``spark compare``). ``load`` needs only pyarrow.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from storyline.cli.common import err_console, opened_store, report_error
from storyline.errors import StorylineError
from storyline.eval.options import data_option

__all__ = ["eval_spark_command", "load", "spark_group"]


@click.group("spark")
def spark_group() -> None:
    """Run the batch pipeline on Apache Spark (extra 'spark'); see docs/spark.md."""


@spark_group.command("run")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-o", "--output", required=True, metavar="DIR", help="Output folder or URI.")
@click.option(
    "--master",
    default=None,
    metavar="URL",
    help="Spark master (local[2], yarn, spark://...); default: spark-submit's, else local[*].",
)
@click.option(
    "--engine",
    type=click.Choice(["spark", "local"]),
    default="spark",
    show_default=True,
    help="'local' runs the same pipeline in this process, without Spark.",
)
@click.option("--no-enrich", is_flag=True, help="Skip entities, quotes and dates.")
@click.option("--no-embed", is_flag=True, help="Skip story vectors (events use words only).")
@click.option(
    "--window-days",
    type=click.FloatRange(min=1.0),
    default=7.0,
    show_default=True,
    help="Length of the time blocks events are clustered in.",
)
@click.option(
    "--min-df",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Rarest term kept in the corpus statistics (raise it for very large inputs).",
)
@click.option(
    "--conf",
    "confs",
    multiple=True,
    metavar="KEY=VALUE",
    help="Extra Spark setting (repeatable), e.g. spark.executor.memory=4g.",
)
def spark_run(
    inputs: tuple[str, ...],
    output: str,
    master: str | None,
    engine: str,
    no_enrich: bool,
    no_embed: bool,
    window_days: float,
    min_df: int,
    confs: tuple[str, ...],
) -> None:
    """Extract, dedup, enrich, embed and cluster INPUT... into Parquet tables under DIR.

    INPUT is a WARC/WARC.gz, JSONL or Parquet file, a folder of them, or any URI Spark
    reads (s3a://, hdfs://). Writes DIR/articles, duplicates, events, storylines, errors
    and run. Exit status 1 if some inputs failed (they are listed in DIR/errors).
    """
    from storyline.engines.stages import EngineOptions

    options = EngineOptions(
        enrich=not no_enrich, embed=not no_embed, window_days=window_days, min_df=min_df
    )
    config: dict[str, str] = {}
    for item in confs:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r}: expected KEY=VALUE", param_hint="--conf")
        config[key.strip()] = value.strip()
    try:
        if engine == "local":
            from storyline.engines.local import run_local

            if "://" in output:
                raise click.BadParameter("the local engine writes local folders only")
            report = run_local(list(inputs), Path(output), options, on_error=report_error)
        else:
            from storyline.engines.spark import SparkEngine, spark_session

            spark = spark_session(master, config)
            try:
                report = SparkEngine(spark, options).run(list(inputs), output)
            finally:
                spark.stop()
    except StorylineError as error:
        raise click.ClickException(str(error)) from error
    summary = report.as_dict()
    click.echo(json.dumps(summary, indent=2))
    if report.errors:
        err_console.print(f"[yellow]{report.errors} inputs failed; see {output}/errors[/yellow]")
        sys.exit(1)


@spark_group.command("compare")
@click.argument("reference", metavar="DIR_A")
@click.argument("other", metavar="DIR_B")
def spark_compare(reference: str, other: str) -> None:
    """How far two runs agree on duplicate groups, events and storylines (B-cubed, ARI).

    DIR_A is taken as the reference (e.g. the local engine's output).
    """
    from storyline.engines.agreement import table_agreement
    from storyline.engines.output import read_table

    try:
        a, b = read_table(reference, "articles"), read_table(other, "articles")
    except StorylineError as error:
        raise click.ClickException(str(error)) from error
    click.echo(json.dumps(table_agreement(a, b), indent=2))


@click.command("load")
@click.argument("folder", metavar="DIR")
@click.option(
    "--into",
    "db_url",
    required=True,
    metavar="URL",
    help="Store to load into: sqlite:///PATH.db or postgresql://...",
)
def load(folder: str, db_url: str) -> None:
    """Load a batch run's Parquet tables (``storyline spark run``) into a store.

    Articles (with fingerprints, enrichment and story vectors), duplicate groups, events
    and storylines; loading the same folder again skips what is stored.
    """
    from storyline.engines.output import load_into

    with opened_store(db_url) as store:
        try:
            counts = load_into(store, folder)
        except StorylineError as error:
            raise click.ClickException(str(error)) from error
    click.echo(json.dumps(counts, indent=2))


@click.command("spark")
@data_option
@click.option("--master", default="local[2]", show_default=True, help="Spark master.")
@click.option(
    "--window-days",
    type=click.FloatRange(min=1.0),
    default=3.0,
    show_default=True,
    help="Event block length (short blocks test the stitching).",
)
@click.option("--no-enrich", is_flag=True, help="Skip entities, quotes and dates.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def eval_spark_command(
    data_dir: Path | None, master: str, window_days: float, no_enrich: bool, as_json: bool
) -> None:
    """Agreement of the Spark engine with the local engine, and both against the gold."""
    from storyline.engines.evaluate import evaluate_spark
    from storyline.engines.stages import EngineOptions
    from storyline.eval.extraction import default_data_dir

    root = data_dir or default_data_dir()
    if not (root / "events").is_dir() or not (root / "extraction").is_dir():
        raise click.UsageError(f"no shared data under {root}; pass --data or set STORYLINE_SHARED")
    options = EngineOptions(enrich=not no_enrich, window_days=window_days)
    try:
        result = evaluate_spark(root, master, options)
    except StorylineError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"input: {result['input']}")
    for name, figures in result["agreement"].items():
        click.echo(
            f"{name:>10} agreement (Spark vs local): B-cubed F1 {figures['bcubed_f1']}, "
            f"ARI {figures['adjusted_rand']}"
        )
    for engine, figures in result["gold"].items():
        click.echo(f"{engine:>10} vs gold: {figures}")
