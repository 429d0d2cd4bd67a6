"""The ``storyline`` command line: a thin layer over the pipeline and the store.

Each module of this package holds a few related commands; this one assembles them. Every
command is documented in ``docs/cli.md`` (a test checks). Exit status: 0 all went well, 1 some
inputs failed (the rest was still processed), 2 usage or configuration error.
"""

from __future__ import annotations

import click

from storyline import __version__
from storyline.cli.db import db
from storyline.cli.ingest import extract, ingest, run
from storyline.cli.read import list_articles, search, show
from storyline.eval.cli import eval_group

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="storyline")
def cli() -> None:
    """Storyline: collect news, clean it, and follow stories across sources."""


for command in (db, ingest, extract, run, search, show, list_articles, eval_group):
    cli.add_command(command)


def main() -> None:
    """Console entry point."""
    cli(prog_name="storyline")
