"""The ``storyline`` command line: a thin layer over the pipeline and the store.

In the manner of sqlite-utils' CLI: shared option decorators, every command documented in
``docs/cli.md`` (a test checks), machine-readable output with ``--json``/JSONL, errors as
one line each on stderr naming the input. Exit status: 0 all went well, 1 some inputs failed
(the rest was still processed), 2 usage or configuration error.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import IO, Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from storyline import __version__
from storyline.config import default_db_url
from storyline.errors import BadInputError, StorylineError
from storyline.ingest.files import FileOptions, document_from_bytes, sniff_kind
from storyline.model import Article, RawDoc
from storyline.pipeline import IngestReport, Pipeline, PipelineOptions
from storyline.store.base import Store, open_store

__all__ = ["cli", "main"]

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="storyline")
def cli() -> None:
    """Storyline: collect news, clean it, and follow stories across sources."""


@cli.group()
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


def _ingest(store: Store, paths: list[Path], max_bytes: int, quiet: bool) -> IngestReport:
    pipeline = Pipeline(store, PipelineOptions(files=FileOptions(max_bytes=max_bytes)))
    with file_progress(not quiet) as progress:
        return pipeline.ingest_paths(paths, progress=progress, on_error=report_error)


def _summary(report: IngestReport) -> str:
    text = (
        f"{report.files} files, {report.documents} documents: {report.inserted} added, "
        f"{report.skipped} already stored, {len(report.errors)} failed"
    )
    if report.ignored:
        text += f" ({report.ignored} files of unknown type ignored)"
    return text


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@max_bytes_option
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
def ingest(paths: tuple[Path, ...], db_url: str, max_bytes: int, quiet: bool) -> None:
    """Add text, HTML and JSONL files (or folders of them) to the database.

    Inputs that cannot be read are reported one line each and skipped; the rest goes in.
    Running the same input again adds nothing. Exit status 1 if any input failed.
    """
    with opened_store(db_url) as store:
        report = _ingest(store, list(paths), max_bytes, quiet)
    if not quiet:
        err_console.print(_summary(report), highlight=False)
    if not report.ok:
        sys.exit(1)


CONTRACT_FIELDS = ("title", "text", "published", "author", "language")


def _contract_line(article: Article, path: str, all_fields: bool) -> dict[str, Any]:
    """The batch-contract record of DESIGN.md section 5 (or every field with --all-fields)."""
    data = article.to_dict()
    if all_fields:
        return {"path": path, **data}
    return {"path": path, **{key: data[key] for key in CONTRACT_FIELDS}}


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


@cli.command()
@click.argument("files", nargs=-1, required=True)
@click.option("-o", "--output", default="-", show_default=True, help="Output JSONL file.")
@click.option("--enrich", is_flag=True, help="Add entities, quotes and dates (not yet built).")
@click.option(
    "--all-fields", is_flag=True, help="Output every article field, not only the contract."
)
@max_bytes_option
def extract(
    files: tuple[str, ...], output: str, enrich: bool, all_fields: bool, max_bytes: int
) -> None:
    """Extract clean articles from HTML and text files as JSONL (nothing is stored).

    Each output line is {"path","title","text","published","author","language"}. FILE may be
    ``-`` to read one document from stdin. Exit status 1 if any input failed.
    """
    if enrich:
        raise click.UsageError("--enrich needs the enrichment stage, which is not built yet")
    pipeline = Pipeline(None, PipelineOptions(files=FileOptions(max_bytes=max_bytes)))
    report = IngestReport()
    paths = [Path(f) for f in files if f != "-"]

    def docs() -> Iterator[RawDoc | BadInputError]:
        if "-" in files:
            data = sys.stdin.buffer.read(max_bytes + 1)
            try:
                if len(data) > max_bytes:
                    raise BadInputError("<stdin>", f"more than {max_bytes} bytes (see --max-bytes)")
                yield document_from_bytes("<stdin>", data, sniff_kind(data), "stdin")
            except BadInputError as error:
                yield error
        yield from pipeline.documents(paths, report)

    with output_stream(output) as out:
        for item in pipeline.articles(docs(), report):
            if isinstance(item, BadInputError):
                report_error(item)
                continue
            line = _contract_line(item, item.origin or "", all_fields)
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    if not report.ok:
        sys.exit(1)


@cli.command()
@click.argument("query")
@db_option
@click.option("-n", "--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@json_option
def search(query: str, db_url: str, limit: int, as_json: bool) -> None:
    """Full-text search over titles and texts: words, "phrases", OR, -exclusions."""
    with opened_store(db_url) as store:
        hits = store.search(query, limit=limit)
    if as_json:
        click.echo(json.dumps([asdict(hit) for hit in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("no matches")
        return
    table = Table("id", "title", "snippet", box=None)
    for hit in hits:
        table.add_row(hit.article_id, hit.title, hit.snippet)
    Console().print(table)


@cli.command()
@click.argument("article_id")
@db_option
@json_option
def show(article_id: str, db_url: str, as_json: bool) -> None:
    """Show one stored article: metadata, clean text, credits and related links."""
    with opened_store(db_url) as store:
        article = store.get_article(article_id)
    if article is None:
        raise click.ClickException(f"no article with id {article_id!r}; find ids with search")
    if as_json:
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(article.title)
    meta = [
        article.published.isoformat() if article.published else "date unknown",
        article.language or "language unknown",
        article.author or "",
        article.url or "",
    ]
    click.echo(" · ".join(m for m in meta if m))
    click.echo()
    click.echo(article.text)
    for credit in article.credits:
        click.echo(f"\n[{credit.kind}] {credit.text}")
    if article.related:
        click.echo("\nRelated:")
        for link in article.related:
            click.echo(f"  - {link.title}")


@cli.command("articles")
@db_option
@click.option("-n", "--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@json_option
def list_articles(db_url: str, limit: int, as_json: bool) -> None:
    """List stored articles (id, language, title), oldest first."""
    rows = []
    with opened_store(db_url) as store:
        for article in store.iter_articles():
            rows.append(article)
            if len(rows) >= limit:
                break
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": a.id,
                        "title": a.title,
                        "language": a.language,
                        "published": a.to_dict()["published"],
                    }
                    for a in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for article in rows:
        click.echo(f"{article.id}  {article.language or '??'}  {article.title}")


def example_paths() -> list[Path]:
    """The seed documents shipped inside the package."""
    folder = resources.files("storyline") / "examples"
    return sorted(Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith(".txt"))


@cli.command()
@db_option
@click.option(
    "--inbox",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder watched for new files to ingest (default: none).",
)
@click.option(
    "--interval",
    type=click.FloatRange(0.1),
    default=5.0,
    show_default=True,
    help="Seconds between looks at the inbox.",
)
@click.option(
    "--examples/--no-examples",
    default=True,
    show_default=True,
    help="Ingest the seed documents shipped with Storyline first.",
)
@click.option("--once", is_flag=True, help="Do one round and exit (for scripts and tests).")
def run(db_url: str, inbox: Path | None, interval: float, examples: bool, once: bool) -> None:
    """Run Storyline: set up the database, ingest the examples, then watch the inbox.

    This grows into the full service (feed polling, web app) as those parts land.
    """
    with opened_store(db_url) as store:
        err_console.print(f"Storyline {__version__}: database {store.url}")
        if examples:
            report = _ingest(store, example_paths(), FileOptions().max_bytes, quiet=True)
            err_console.print(f"examples: {_summary(report)}")
        if inbox is not None:
            inbox.mkdir(parents=True, exist_ok=True)
        err_console.print(
            f"{store.count_articles()} articles stored. Try: storyline search "
            f"ceasefire --db {store.url}"
        )
        if inbox is None or once:
            if inbox is not None:
                _ingest(store, [inbox], FileOptions().max_bytes, quiet=True)
            return
        err_console.print(f"watching {inbox} every {interval:g}s; Ctrl-C to stop")
        seen: dict[Path, float] = {}
        try:
            while True:
                changed = [
                    p for p in inbox.rglob("*") if p.is_file() and seen.get(p) != p.stat().st_mtime
                ]
                if changed:
                    for path in changed:
                        seen[path] = path.stat().st_mtime
                    report = _ingest(store, changed, FileOptions().max_bytes, quiet=True)
                    err_console.print(f"inbox: {_summary(report)}")
                time.sleep(interval)
        except KeyboardInterrupt:
            err_console.print("stopped")


def _attach_optional_groups() -> None:
    from storyline.eval.cli import eval_group

    cli.add_command(eval_group, "eval")


_attach_optional_groups()


def main() -> None:
    """Console entry point."""
    cli(prog_name="storyline")


if __name__ == "__main__":
    main()
