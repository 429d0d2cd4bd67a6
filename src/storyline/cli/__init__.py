"""The ``storyline`` command line: a thin layer over the pipeline and the store.

Each module of this package holds a few related commands; this one assembles them. Every
command is documented in ``docs/cli.md`` (a test checks). Exit status: 0 all went well, 1 some
inputs failed (the rest was still processed), 2 usage or configuration error.
"""

from __future__ import annotations

import click

from storyline import __version__
from storyline.cli.cluster import cluster
from storyline.cli.db import db
from storyline.cli.dedup import dedup
from storyline.cli.events import events_group, storylines_command, timeline_command
from storyline.cli.ingest import extract, ingest, run
from storyline.cli.read import list_articles, search, show
from storyline.cli.selftest import selftest
from storyline.cli.similar import similar, similarity
from storyline.cli.sources import opml, sitemap, source, warc
from storyline.cli.spark import eval_spark_command, load, spark_group
from storyline.cli.web import serve
from storyline.eval.cli import eval_group
from storyline.eval.dedup_cli import dedup_command
from storyline.eval.enrich_cli import enrich_command
from storyline.eval.events_cli import events_command
from storyline.eval.events_cli import storylines_command as eval_storylines_command
from storyline.eval.headlines import headlines_command
from storyline.eval.nonarticles import non_articles_command
from storyline.eval.similarity_cli import similarity_command

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="storyline")
def cli() -> None:
    """Storyline: collect news, clean it, and follow stories across sources."""


for command in (db, ingest, extract, run, search, show, list_articles, eval_group):
    cli.add_command(command)
cli.add_command(similar)
cli.add_command(similarity)
for command in (source, opml, warc, sitemap):
    cli.add_command(command)
eval_group.add_command(similarity_command)
eval_group.add_command(enrich_command)
cli.add_command(dedup)
cli.add_command(cluster)
cli.add_command(spark_group)
cli.add_command(load)
eval_group.add_command(eval_spark_command)
cli.add_command(selftest)
eval_group.add_command(dedup_command)
for command in (events_group, storylines_command, timeline_command):
    cli.add_command(command)
eval_group.add_command(events_command)
eval_group.add_command(eval_storylines_command)
eval_group.add_command(headlines_command)
eval_group.add_command(non_articles_command)
cli.add_command(serve)


def main() -> None:
    """Console entry point."""
    cli(prog_name="storyline")
