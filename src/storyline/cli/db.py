"""``storyline db ...``: create, upgrade, check, count and copy the database."""

from __future__ import annotations

import json
import sys

import click

from storyline.cli.common import db_option, json_option, opened_store
from storyline.errors import StorylineError

__all__ = ["db"]


@click.group()
def db() -> None:
    """Create, upgrade and check the database."""


@db.command("init")
@db_option
def db_init(db_url: str) -> None:
    """Create the database (if missing) and bring its schema up to date."""
    with opened_store(db_url) as store:
        click.echo(f"{store.url}: schema version {store.schema_version()}")


@db.command("migrate")
@db_option
def db_migrate(db_url: str) -> None:
    """Apply pending schema migrations (safe to run again)."""
    with opened_store(db_url, migrate=False) as store:
        before = store.schema_version()
        after = store.migrate()
        click.echo(f"{store.url}: schema version {before} -> {after}")


@db.command("check")
@db_option
def db_check(db_url: str) -> None:
    """Check the database's integrity; exit status 1 if a problem is found."""
    with opened_store(db_url, migrate=False) as store:
        problems = store.integrity_check()
    for problem in problems:
        click.echo(f"problem: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo("ok")


@db.command("stats")
@db_option
@json_option
def db_stats(db_url: str, as_json: bool) -> None:
    """Count what the database holds."""
    with opened_store(db_url) as store:
        stats = store.stats()
    if as_json:
        click.echo(json.dumps(stats, indent=2))
    else:
        for key, value in stats.items():
            click.echo(f"{key}: {value}")


@db.command("copy")
@click.argument("source")
@click.argument("destination")
@click.option(
    "--page", default=2000, show_default=True, type=click.IntRange(1), help="Rows per transaction."
)
@click.option("--progress/--no-progress", default=True, help="Print a line per table.")
def db_copy(source: str, destination: str, page: int, progress: bool) -> None:
    """Copy everything from SOURCE to DESTINATION (e.g. sqlite:///a.db postgresql://...).

    Resumable: every page is committed on its own, and running the command again skips what
    DESTINATION already holds. DESTINATION is created/migrated first; SOURCE is not changed.
    """
    from storyline.store.copy import copy_store

    def report(table: str, rows: int) -> None:
        if progress:
            click.echo(f"{table}: +{rows}", err=True)

    with opened_store(source, migrate=False) as src, opened_store(destination) as dst:
        try:
            done = copy_store(src, dst, page=page, progress=report)
        except StorylineError as error:
            raise click.ClickException(str(error)) from error
    click.echo(
        f"copied {done.total} rows from {src.url} to {dst.url} "
        f"({done.copied.get('articles', 0)} articles; "
        f"{sum(done.present.values())} rows were already there)"
    )
