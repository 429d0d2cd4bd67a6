"""``storyline db ...``: create, upgrade, check and count the database."""

from __future__ import annotations

import json
import sys

import click

from storyline.cli.common import db_option, json_option, opened_store

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
