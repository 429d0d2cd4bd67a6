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
from storyline.cli.sources import (
    import_feeds,
    make_poller,
    poll_store,
    poll_summary,
    print_message,
)
from storyline.errors import BadInputError
from storyline.ingest.files import FileOptions, document_from_bytes, sniff_kind
from storyline.ingest.opml import starter_feeds
from storyline.ingest.scheduler import Poller, ScheduleOptions
from storyline.model import Article, RawDoc, utcnow
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
    if report.duplicates or report.revisions:
        text += (
            f"; {report.duplicates} of the added are copies of stored stories, "
            f"{report.revisions} revisions of stored articles"
        )
    if report.ignored:
        text += f" ({report.ignored} files of unknown type ignored)"
    if report.resumed:
        text += f"; finished {report.resumed} articles an interrupted run had stored"
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
@click.option(
    "--enrich", is_flag=True, help="Add entities, quotes, dates and keyphrases (docs/enrich.md)."
)
@click.option(
    "--all-fields", is_flag=True, help="Output every article field, not only the contract."
)
@max_bytes_option
def extract(
    files: tuple[str, ...], output: str, enrich: bool, all_fields: bool, max_bytes: int
) -> None:
    """Extract clean articles from HTML and text files as JSONL (nothing is stored).

    Each output line is {"path","title","text","published","author","language"}; --enrich
    adds "entities", "quotes", "dates" and "keyphrases". FILE may be ``-`` to read one
    document from stdin. Exit status 1 if any input failed.
    """
    enricher = None
    if enrich:
        from storyline.enrich import Enricher

        enricher = Enricher()
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
            if enricher is not None:
                line.update(enricher.enrich(item).contract())
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
@click.option(
    "--feeds/--no-feeds",
    default=True,
    show_default=True,
    help="Poll the feeds followed (see `storyline source list`).",
)
@click.option(
    "--starter-feeds",
    is_flag=True,
    help="Follow Storyline's starter list of public news feeds if no feed is followed yet.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 32),
    default=4,
    show_default=True,
    help="Feeds fetched at the same time (still one request at a time per host).",
)
def run(
    db_url: str,
    inbox: Path | None,
    interval: float,
    examples: bool,
    once: bool,
    feeds: bool,
    starter_feeds: bool,
    workers: int,
) -> None:
    """Run Storyline: set up the database, ingest the examples, then poll the feeds followed
    on their schedules and watch the inbox, until Ctrl-C."""
    with opened_store(db_url) as store:
        err_console.print(f"Storyline {__version__}: database {store.url}")
        if examples:
            report = _ingest(store, example_paths(), FileOptions().max_bytes, quiet=True)
            err_console.print(f"examples: {_summary(report)}")
        if inbox is not None:
            inbox.mkdir(parents=True, exist_ok=True)
        poller = _feed_poller(store, starter_feeds, workers) if feeds else None
        err_console.print(
            f"{store.count_articles()} articles stored. Try: storyline search "
            f"ceasefire --db {store.url}"
        )
        if once:
            if inbox is not None:
                _ingest(store, [inbox], FileOptions().max_bytes, quiet=True)
            if poller is not None:
                _poll(poller)
            return
        if inbox is None and poller is None:
            return
        watching = [f"watching {inbox} every {interval:g}s"] if inbox is not None else []
        if poller is not None:
            watching.append(f"polling {len(poller.store.feed_sources())} feeds")
        err_console.print(f"{'; '.join(watching)}; Ctrl-C to stop")
        seen: dict[Path, float] = {}
        try:
            while True:
                if poller is not None:
                    due = poller.next_due()
                    if due is not None and due <= utcnow():
                        _poll(poller)
                if inbox is not None:
                    changed = [
                        p
                        for p in inbox.rglob("*")
                        if p.is_file() and seen.get(p) != p.stat().st_mtime
                    ]
                    if changed:
                        for path in changed:
                            seen[path] = path.stat().st_mtime
                        report = _ingest(store, changed, FileOptions().max_bytes, quiet=True)
                        err_console.print(f"inbox: {_summary(report)}")
                time.sleep(interval)
        except KeyboardInterrupt:
            err_console.print("stopped")


def _feed_poller(store: Store, starter: bool, workers: int) -> Poller | None:
    """The poller over the feeds followed (after following the starter list if asked)."""
    sources = poll_store(store)
    if starter and not sources.feed_sources():
        added = import_feeds(sources, starter_feeds())
        err_console.print(
            f"following {added} starter feeds (see `storyline source list`; "
            "`storyline source remove` or `pause` the ones you do not want)"
        )
    if not sources.feed_sources(include_paused=False):
        return None
    return make_poller(store, Pipeline(store), options=ScheduleOptions(workers=workers))


def _poll(poller: Poller) -> None:
    """One poll cycle; each failing feed is one line, then a summary line."""
    report = poller.run_cycle(on_message=print_message)
    print_message(poll_summary(report))
    if report.polled > 1 and report.failed == report.polled:
        print_message(
            "no feed could be reached: if this machine is offline, Storyline keeps retrying "
            "each feed with back-off; everything else keeps working"
        )
