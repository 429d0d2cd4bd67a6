"""``storyline cluster IN.jsonl [-o OUT.jsonl]``: the batch contract of DESIGN.md section 5.

Articles in, one ``{"id", "event", "storyline", "duplicate_of"}`` line out per valid input
article, in input order. The articles go through the same stages as the service (extraction
and cleaning, then duplicate detection) into a store: a temporary one unless ``--db`` names
one, so a batch can also be checked against (and added to) a running service's articles.
``event`` and ``storyline`` come from event clustering (docs/events.md), which runs on the
stored, embedded articles in publication order; they are ``null`` only if clustering failed.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click

from storyline.cli.common import err_console, max_bytes_option, output_stream, report_error
from storyline.dedup import Decision
from storyline.errors import BadInputError, StorylineError
from storyline.ingest.files import FileOptions
from storyline.model import Article
from storyline.pipeline import IngestReport, Pipeline, PipelineOptions
from storyline.store.base import Store, open_store
from storyline.store.sqlite_events import SQLiteEventsMixin as EventStore

__all__ = ["cluster"]


def _run(store: Store, path: Path, origin: str, max_bytes: int, out_path: str) -> IngestReport:
    options = PipelineOptions(files=FileOptions(max_bytes=max_bytes), embed=True, enrich=False)
    pipeline = Pipeline(store, options)
    report = IngestReport()
    results: list[tuple[str, str | None, bool]] = []

    def record(article: Article, decision: Decision) -> None:
        results.append((article.id, decision.duplicate_of, decision.repeat))

    def good() -> Iterator[Article]:
        for item in pipeline.articles(pipeline.documents([path], report), report):
            if isinstance(item, BadInputError):
                if origin != str(path) and item.origin.startswith(str(path)):
                    item = BadInputError(origin + item.origin[len(str(path)) :], item.reason)
                report_error(item)
                continue
            yield item

    pipeline.on_decision = record
    pipeline.store_articles(good(), report)
    if report.cluster_error:
        err_console.print(f"[yellow]warning:[/yellow] {report.cluster_error}")
    placed = store.events_of([r[0] for r in results]) if isinstance(store, EventStore) else {}
    with output_stream(out_path) as out:
        for article_id, duplicate_of, repeat in results:
            if repeat:  # already stored (an earlier line, or an earlier run with --db)
                stored = store.get_article(article_id)
                duplicate_of = stored.duplicate_of if stored else None
            line = {
                "id": article_id,
                "event": placed.get(article_id, (None, None))[0],
                "storyline": placed.get(article_id, (None, None))[1],
                "duplicate_of": duplicate_of,
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return report


@click.command()
@click.argument("input_path", metavar="IN.jsonl")
@click.option("-o", "--output", default="-", show_default=True, help="Output JSONL file.")
@click.option(
    "--db",
    "db_url",
    default=None,
    metavar="URL",
    help="Store to check against and add to (default: a temporary one, deleted afterwards).",
)
@max_bytes_option
def cluster(input_path: str, output: str, db_url: str | None, max_bytes: int) -> None:
    """Mark duplicates (and, later, events and storylines) in a JSONL file of articles.

    Each input line is {"id","title","text","published","url","source","language"} (id and a
    title or text required); each output line is {"id","event","storyline","duplicate_of"}.
    IN.jsonl may be ``-`` for stdin. Bad lines are reported as ``error: PATH:LINE: reason``
    and skipped; exit status 1 if any line failed.
    """
    with tempfile.TemporaryDirectory(prefix="storyline-cluster-") as folder:
        path, origin = Path(input_path), input_path
        if input_path == "-":
            path, origin = Path(folder) / "stdin.jsonl", "<stdin>"
            with path.open("wb") as handle:
                shutil.copyfileobj(sys.stdin.buffer, handle)
        elif not path.is_file():
            raise click.BadParameter(f"{input_path}: no such file", param_hint="IN.jsonl")
        try:
            store = open_store(db_url or str(Path(folder) / "cluster.db"))
        except StorylineError as error:
            raise click.ClickException(str(error)) from error
        try:
            store.migrate()
            report = _run(store, path, origin, max_bytes, output)
        except StorylineError as error:
            raise click.ClickException(str(error)) from error
        finally:
            store.close()
    if not report.ok:
        sys.exit(1)
