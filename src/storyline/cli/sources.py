"""``storyline source ...``, ``storyline opml ...``, ``storyline warc`` and ``storyline sitemap``:
the sources a user follows, and back-filling from archives and sitemaps."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import cast

import click

from storyline.cli.common import (
    db_option,
    err_console,
    json_option,
    max_bytes_option,
    opened_store,
    output_stream,
    report_error,
)
from storyline.errors import BadInputError, SourceError, StorylineError
from storyline.ingest.fetch import Fetcher, FetchOptions
from storyline.ingest.netguard import NetPolicy
from storyline.ingest.opml import OpmlFeed, parse_opml, starter_feeds, write_opml
from storyline.ingest.redact import redact_url
from storyline.ingest.scheduler import CycleReport, Poller, PollStore, ScheduleOptions
from storyline.ingest.sitemaps import sitemap_entries
from storyline.ingest.sources import (
    FULL_TEXT_MODES,
    PollState,
    SourceSettings,
    add_feed,
    feed_source,
    find_source,
)
from storyline.ingest.warc import WarcStats, read_warc, warc_source
from storyline.model import Article, RawDoc, Source, SourceKind, utcnow
from storyline.pipeline import IngestReport, Pipeline
from storyline.store.base import Store

__all__ = [
    "import_feeds",
    "make_fetcher",
    "make_poller",
    "opml",
    "poll_summary",
    "sitemap",
    "source",
    "warc",
]


def make_fetcher() -> Fetcher:
    """The fetcher for commands: network policy from ``STORYLINE_ALLOW_NETWORKS``."""
    try:
        return Fetcher(FetchOptions(), NetPolicy.from_env())
    except StorylineError as error:
        raise click.ClickException(str(error)) from error


def poll_store(store: object) -> PollStore:
    """The store as a :class:`PollStore` (a usage error for stores that keep no sources)."""
    if not isinstance(store, PollStore):
        url = getattr(store, "url", "the store")
        raise click.ClickException(f"{url}: this store does not keep feed sources")
    return store


def make_poller(
    store: object,
    pipeline: Pipeline,
    fetcher: Fetcher | None = None,
    options: ScheduleOptions | None = None,
) -> Poller:
    """A poller storing through ``pipeline`` (the same stages as file ingest)."""
    return Poller(poll_store(store), fetcher or make_fetcher(), pipeline, options)


def poll_summary(report: CycleReport) -> str:
    text = f"poll: {report.polled} feeds, {report.new_articles} new articles"
    if report.pages:
        text += f" ({report.pages} pages fetched for full text)"
    if report.not_modified:
        text += f", {report.not_modified} not modified"
    if report.failed:
        text += f", {report.failed} failed"
    return text


def print_message(message: str) -> None:
    err_console.print(message, highlight=False, soft_wrap=True)


def import_feeds(store: PollStore, feeds: list[OpmlFeed], category: str | None = None) -> int:
    """Follow the feeds (those already followed keep their settings); returns how many are new."""
    known = {s.url for s, _ in store.feed_sources()}
    added = 0
    for feed in feeds:
        if feed.url in known:
            continue
        src = feed_source(
            feed.url,
            title=feed.title,
            category=category or feed.category,
            language=feed.language,
        )
        store.save_source(src, PollState())
        known.add(feed.url)
        added += 1
    return added


@contextmanager
def _sources(db_url: str) -> Iterator[PollStore]:
    with opened_store(db_url) as store:
        yield poll_store(store)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


# -- storyline source -----------------------------------------------------------------------


@click.group()
def source() -> None:
    """Follow, list, pause and remove feeds."""


def _settings_options(func: click.decorators.FC) -> click.decorators.FC:
    func = click.option(
        "--full-text",
        type=click.Choice(FULL_TEXT_MODES),
        default=None,
        help="Fetch the article page: auto (when the feed gives a summary), always, never.",
    )(func)
    func = click.option(
        "--interval",
        type=click.FloatRange(1),
        default=None,
        help="Poll every N minutes instead of adaptively.",
    )(func)
    func = click.option("--language", default=None, help="Language of the feed's articles.")(func)
    func = click.option("--category", default=None, help="Category (folder), e.g. News/Europe.")(
        func
    )
    return click.option("--title", default=None, help="Name to show for the source.")(func)


def _settings(
    base: SourceSettings, full_text: str | None, interval: float | None, language: str | None
) -> SourceSettings:
    try:
        return replace(
            base,
            full_text=full_text or base.full_text,
            interval=interval * 60 if interval is not None else base.interval,
            language=language or base.language,
        )
    except StorylineError as error:
        raise click.UsageError(str(error)) from error


@source.command("add")
@click.argument("url")
@db_option
@_settings_options
def source_add(
    url: str,
    db_url: str,
    title: str | None,
    category: str | None,
    language: str | None,
    interval: float | None,
    full_text: str | None,
) -> None:
    """Follow a feed; URL may be a site's page that announces its feed."""
    fetcher = make_fetcher()
    with _sources(db_url) as store:
        try:
            found = add_feed(fetcher, url, title=title, category=category, language=language)
        except StorylineError as error:
            reason = getattr(error, "reason", str(error)).replace(url, redact_url(url))
            report_error(BadInputError(redact_url(url), reason))
            sys.exit(1)
        if found.discovered_from:
            print_message(
                f"found the feed {redact_url(found.source.url)} on "
                f"{redact_url(found.discovered_from)}"
            )
        if found.warning:
            print_message(f"warning: {found.warning}")
        existing = next((st for s, st in store.feed_sources() if s.id == found.source.id), None)
        state = existing or PollState()
        state.settings = _settings(state.settings, full_text, interval, language)
        store.save_source(found.source, state)
        verb = "updated" if existing else "following"
        click.echo(
            f"{verb} {found.source.id}: {found.source.title or redact_url(found.source.url)} "
            f"({found.items} items now)"
        )


@source.command("list")
@db_option
@json_option
def source_list(db_url: str, as_json: bool) -> None:
    """The feeds followed, with their state: last poll, next poll, status or error."""
    with _sources(db_url) as store:
        rows = store.feed_sources()
    if as_json:
        out = [
            {
                "id": s.id,
                "url": s.url,
                "title": s.title,
                "category": s.category,
                "language": s.language,
                "paused": s.paused,
                "last_polled": s.last_polled.isoformat() if s.last_polled else None,
                "next_poll": st.next_poll.isoformat() if st.next_poll else None,
                "interval_seconds": st.interval,
                "errors_in_a_row": st.failures,
                "status": st.status,
                "articles": st.stored,
                "settings": st.settings.to_dict(),
            }
            for s, st in rows
        ]
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("no feeds followed yet: storyline source add URL (or opml import FILE)")
    for s, st in rows:
        status = "paused" if s.paused else (st.status or "not polled yet")
        category = f"  [{s.category}]" if s.category else ""
        click.echo(f"{s.id}  {s.title or redact_url(s.url)}{category}")
        next_poll = "-" if s.paused else _when(st.next_poll)
        click.echo(
            f"    {redact_url(s.url)}\n    last poll {_when(s.last_polled)}, next {next_poll}, "
            f"{st.stored} articles: {status}"
        )


@source.command("remove")
@click.argument("ref")
@db_option
def source_remove(ref: str, db_url: str) -> None:
    """Stop following a source (by id, URL or title); its articles stay."""
    with _sources(db_url) as store:
        src, _ = _find(store, ref)
        store.remove_source(src.id)
    click.echo(f"removed {src.id} ({src.title or redact_url(src.url)})")


def _find(store: PollStore, ref: str) -> tuple[Source, PollState]:
    try:
        return find_source(store, ref)
    except StorylineError as error:
        raise click.ClickException(str(error)) from error


def _set_paused(db_url: str, ref: str, paused: bool) -> None:
    with _sources(db_url) as store:
        src, state = _find(store, ref)
        src.paused = paused
        if not paused:
            state.next_poll, state.failures = None, 0
        store.save_source(src, state)
    click.echo(f"{'paused' if paused else 'resumed'} {src.id} ({src.title or redact_url(src.url)})")


@source.command("pause")
@click.argument("ref")
@db_option
def source_pause(ref: str, db_url: str) -> None:
    """Stop polling a source for now (it keeps its state)."""
    _set_paused(db_url, ref, True)


@source.command("resume")
@click.argument("ref")
@db_option
def source_resume(ref: str, db_url: str) -> None:
    """Poll a paused source again, at the next cycle."""
    _set_paused(db_url, ref, False)


@source.command("set")
@click.argument("ref")
@db_option
@_settings_options
def source_set(
    ref: str,
    db_url: str,
    title: str | None,
    category: str | None,
    language: str | None,
    interval: float | None,
    full_text: str | None,
) -> None:
    """Change a source's settings (title, category, language, interval, full text)."""
    with _sources(db_url) as store:
        src, state = _find(store, ref)
        src.title = title or src.title
        src.category = category if category is not None else src.category
        src.language = language or src.language
        state.settings = _settings(state.settings, full_text, interval, language)
        if state.settings.interval is not None:
            state.interval = state.settings.interval
        store.save_source(src, state)
    click.echo(f"{src.id}: {json.dumps(state.settings.to_dict())}")


@source.command("poll")
@click.argument("refs", nargs=-1)
@db_option
def source_poll(refs: tuple[str, ...], db_url: str) -> None:
    """Poll the given sources (default: all that are not paused) now, once."""
    with _sources(db_url) as store:
        pipeline = Pipeline(cast(Store, store))
        poller = make_poller(store, pipeline)
        todo = [_find(store, r) for r in refs] if refs else store.feed_sources(include_paused=False)
        report = poller.run_cycle(todo, on_message=print_message)
    print_message(poll_summary(report))
    if report.failed:
        sys.exit(1)


# -- storyline opml -------------------------------------------------------------------------


@click.group()
def opml() -> None:
    """Import and export the feeds followed as OPML (any feed reader reads it)."""


@opml.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@db_option
@click.option("--category", default=None, help="File every imported feed under this category.")
@click.option("--starter", is_flag=True, help="Import Storyline's starter list instead of FILE.")
def opml_import(file: Path, db_url: str, category: str | None, starter: bool) -> None:
    """Follow every feed of an OPML file; folders become categories."""
    try:
        feeds = starter_feeds() if starter else parse_opml(str(file), file.read_bytes())
    except OSError as error:
        raise click.ClickException(f"{file}: cannot read: {error.strerror or error}") from error
    except StorylineError as error:
        raise click.ClickException(str(error)) from error
    with _sources(db_url) as store:
        added = import_feeds(store, feeds, category)
    click.echo(
        f"{len(feeds)} feeds in the file: {added} added, {len(feeds) - added} already followed"
    )


@opml.command("export")
@db_option
@click.option("-o", "--output", default="-", show_default=True, help="Output OPML file.")
def opml_export(db_url: str, output: str) -> None:
    """Write the feeds followed as OPML 2.0, one folder per category."""
    with _sources(db_url) as store:
        sources = [s for s, _ in store.feed_sources()]
    with output_stream(output) as out:
        out.write(write_opml(sources))


# -- archives and sitemaps ------------------------------------------------------------------


def _store_batch(pipeline: Pipeline, articles: list[Article], report: IngestReport) -> None:
    if articles:
        pipeline.store_articles(articles, report)
        articles.clear()


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@max_bytes_option
def warc(paths: tuple[Path, ...], db_url: str, max_bytes: int) -> None:
    """Back-fill from WARC / WARC.gz archives: every archived HTML page (2xx) is ingested."""
    report = IngestReport()
    stats = WarcStats()
    with opened_store(db_url) as store:
        pipeline = Pipeline(store)
        for path in paths:
            report.files += 1
            store.upsert_source(warc_source(path))
            batch: list[Article] = []
            for item in pipeline.articles(
                read_warc(path, max_bytes=max_bytes, stats=stats), report
            ):
                if isinstance(item, BadInputError):
                    report_error(item)
                    continue
                batch.append(item)
                if len(batch) >= pipeline.options.batch_size:
                    _store_batch(pipeline, batch, report)
            _store_batch(pipeline, batch, report)
    print_message(
        f"{stats.records} response records: {stats.pages} HTML pages "
        f"({stats.not_html} not HTML, {stats.not_ok} not 2xx, {stats.too_large} too large); "
        f"{report.inserted} added, {report.skipped} already stored, {len(report.errors)} failed"
    )
    if report.errors:
        sys.exit(1)


@click.command()
@click.argument("url")
@db_option
@click.option(
    "-n",
    "--limit",
    type=click.IntRange(1),
    default=100,
    show_default=True,
    help="Newest pages to fetch.",
)
def sitemap(url: str, db_url: str, limit: int) -> None:
    """Ingest a site's newest pages from its (news) sitemaps; robots.txt is respected."""
    fetcher = make_fetcher()
    problems: list[SourceError] = []
    try:
        entries = sitemap_entries(fetcher, url, errors=problems)
    except StorylineError as error:
        raise click.ClickException(str(error)) from error
    for problem in problems:
        print_message(f"warning: {problem}")
    report = IngestReport()
    with opened_store(db_url) as store:
        pipeline = Pipeline(store)
        src = Source(id=f"sitemap:{url}", kind=SourceKind.PAGE, url=url, title=url)
        store.upsert_source(src)
        articles: list[Article] = []
        for entry in entries[:limit]:
            try:
                response = fetcher.get(entry.url, robots=True, accept="text/html")
                doc = RawDoc(entry.url, response.body, "text/html", src.id, entry.url, utcnow())
                article = pipeline.extract_document(doc)
            except StorylineError as error:
                report.errors.append(BadInputError(entry.url, getattr(error, "reason", str(error))))
                report_error(report.errors[-1])
                continue
            article.title = entry.title or article.title
            if entry.published is not None:
                article.published, article.published_how = entry.published, "sitemap"
            article.language = entry.language or article.language
            articles.append(article)
        _store_batch(pipeline, articles, report)
    print_message(
        f"{len(entries)} pages listed, {min(limit, len(entries))} fetched: "
        f"{report.inserted} added, {report.skipped} already stored, {len(report.errors)} failed"
    )
    if report.errors:
        sys.exit(1)
