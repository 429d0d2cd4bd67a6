"""Shared pieces of the command line: option decorators, the store context, output helpers.

In the manner of sqlite-utils' CLI: shared option decorators, machine-readable output with
``--json``/JSONL, errors as one line each on stderr naming the input.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from storyline.config import default_db_url
from storyline.errors import BadInputError, StorylineError
from storyline.ingest.files import FileOptions
from storyline.store.base import Store, open_store

__all__ = [
    "db_option",
    "err_console",
    "file_progress",
    "json_option",
    "max_bytes_option",
    "opened_store",
    "output_stream",
    "report_error",
]

F = TypeVar("F", bound=Callable[..., Any])
err_console = Console(stderr=True, highlight=False)


def db_option(func: F) -> F:
    """``--db URL``: the store to use (env STORYLINE_DB; default under ~/.local/share)."""
    return click.option(
        "--db",
        "db_url",
        default=default_db_url,
        show_default="$STORYLINE_DB or ~/.local/share/storyline/storyline.db",
        metavar="URL",
        help="Store URL, e.g. sqlite:///news.db, or a path to an SQLite file.",
    )(func)


def max_bytes_option(func: F) -> F:
    """``--max-bytes N``: refuse larger files, decompressed streams and JSONL lines."""
    return click.option(
        "--max-bytes",
        type=click.IntRange(min=1),
        default=FileOptions().max_bytes,
        show_default=True,
        help="Largest file, decompressed file or JSONL line accepted, in bytes.",
    )(func)


def json_option(func: F) -> F:
    """``--json``: print machine-readable JSON instead of a table."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(func)


def report_error(error: BadInputError) -> None:
    """One line per failed input on stderr: ``error: PATH[:LINE]: reason``."""
    err_console.print(f"[red]error:[/red] {error}", markup=True, soft_wrap=True)


@contextmanager
def opened_store(db_url: str, *, migrate: bool = True) -> Iterator[Store]:
    """Open (and by default create/migrate) the store; storage errors become usage errors."""
    try:
        store = open_store(db_url)
        if migrate:
            store.migrate()
    except StorylineError as error:
        raise click.ClickException(str(error)) from error
    try:
        yield store
    except StorylineError as error:
        raise click.ClickException(str(error)) from error
    finally:
        store.close()


@contextmanager
def file_progress(enabled: bool) -> Iterator[Callable[[int, int, Path], None] | None]:
    """A rich progress bar over input files on stderr, or nothing when disabled."""
    if not enabled:
        yield None
        return
    bar = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    task = bar.add_task("files", total=None)

    def update(done: int, total: int, path: Path) -> None:
        bar.update(task, completed=done, total=total, description=path.name[:40])

    with bar:
        yield update


@contextmanager
def output_stream(output: str) -> Iterator[IO[str]]:
    """``-`` is stdout; a path is written whole or, on a crash, left as it was."""
    if output == "-":
        yield sys.stdout
        return
    target = Path(output)
    partial = target.with_name(target.name + ".partial")
    with partial.open("w", encoding="utf-8") as handle:
        yield handle
    partial.replace(target)
