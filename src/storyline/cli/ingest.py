"""``storyline ingest``, ``extract`` and ``run``: documents in, articles out or stored."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import click

from storyline import __version__
from storyline.cli.common import (
    db_option,
    err_console,
    file_progress,
    max_bytes_option,
    opened_store,
    output_stream,
    report_error,
)
from storyline.errors import BadInputError
from storyline.ingest.files import FileOptions, document_from_bytes, sniff_kind
from storyline.model import Article, RawDoc
from storyline.pipeline import IngestReport, Pipeline, PipelineOptions
from storyline.store.base import Store

__all__ = ["extract", "ingest", "run"]


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


@click.command()
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


@click.command()
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


def example_paths() -> list[Path]:
    """The seed documents shipped inside the package."""
    folder = resources.files("storyline") / "examples"
    return sorted(Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith(".txt"))


@click.command()
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
