"""Polling feeds on an adaptive schedule: the heart of ``storyline run``.

**Schedule.** Each feed has its own interval. After a successful poll it is re-estimated from
the feed's own publishing rate, as Miniflux's ``entry_frequency`` scheduler does: with *k*
items published in the last week, the mean gap is 7 days / *k* and the feed is polled twice
per gap (a page is best re-fetched at a rate proportional to its change rate; Cho and
Garcia-Molina, "Effective page refresh policies for Web crawlers", ACM TODS 2003). Without
dates, the interval shrinks by half after new items and grows by half after none. It is
clamped to [``min_interval``, ``max_interval``]; a per-source setting pins it.

**Back-off.** An error doubles the wait per error in a row (``min_interval`` × 2^n, at most
``max_backoff``), honours ``Retry-After``, and the reason is kept as the source's status
("HTTP 503 Service Unavailable; 3 errors in a row, next try in 40 min"), which ``storyline
source list`` shows. HTTP 410 Gone pauses the source. A permanent redirect updates its URL.

**A cycle.** Due feeds are fetched by a small thread pool (per-host politeness is the
fetcher's); the main thread extracts and stores what they bring, through the same
:class:`~storyline.pipeline.Pipeline` as file ingest, one feed at a time: the feed's articles
are committed first, then its ETag, schedule and item keys in one transaction. A crash in
between re-polls that feed on restart and finds the articles already stored (stable ids).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from storyline.errors import BadInputError, SourceError
from storyline.ingest.feeds import Feed, FeedItem, item_document, item_keys, parse_feed
from storyline.ingest.fetch import Fetcher, FetchError
from storyline.ingest.redact import redact_url
from storyline.ingest.sources import FEED_ACCEPT, PollState, SourceStore
from storyline.model import Article, RawDoc, Source, article_id, utcnow

__all__ = [
    "Collected",
    "CycleReport",
    "Poller",
    "ScheduleOptions",
    "human_duration",
    "next_interval",
]

LOGGER = logging.getLogger(__name__)
WEEK = 7 * 86400.0


@dataclass(frozen=True, slots=True)
class ScheduleOptions:
    """Polling bounds (seconds), the full-text rule and the worker count."""

    min_interval: float = 300.0
    max_interval: float = 86400.0
    initial_interval: float = 1800.0
    max_backoff: float = 86400.0
    #: Items whose feed text has fewer words get the linked page fetched (setting ``auto``).
    full_text_words: int = 150
    #: Pages fetched per feed and poll; more wait for the next poll (politeness).
    max_pages_per_poll: int = 20
    max_feed_bytes: int = 8 * 1024 * 1024
    max_page_bytes: int = 5 * 1024 * 1024
    max_items: int = 1000
    workers: int = 4


def human_duration(seconds: float) -> str:
    """``"40 min"``, ``"2 h"``, ``"1.5 d"``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 129600:
        return f"{seconds / 3600:.1f} h".replace(".0 h", " h")
    return f"{seconds / 86400:.1f} d".replace(".0 d", " d")


def next_interval(
    state: PollState,
    options: ScheduleOptions,
    *,
    new_items: int,
    published: list[datetime],
    now: datetime,
) -> float:
    """The interval after a successful poll (see the module docstring)."""
    if state.settings.interval is not None:
        return state.settings.interval
    recent = [p for p in published if timedelta(0) <= now - p <= timedelta(seconds=WEEK)]
    if len(recent) >= 2:
        span = max((now - min(recent)).total_seconds(), 3600.0)
        target = span / len(recent) / 2
    elif new_items:
        target = state.interval * 0.5
    else:
        target = state.interval * 1.5
    return min(options.max_interval, max(options.min_interval, target))


@dataclass(slots=True)
class Collected:
    """What one feed's fetch brought, before anything is stored (made in a worker thread)."""

    source: Source
    state: PollState
    feed: Feed | None = None
    #: New items with their id, identity keys and the document to extract (page or item).
    new: list[tuple[FeedItem, str, list[str], RawDoc, RawDoc | None]] = field(default_factory=list)
    #: Keys of known items to record (an item seen under a new GUID/URL/title).
    known_keys: list[tuple[str, str]] = field(default_factory=list)
    error: SourceError | None = None
    not_modified: bool = False
    postponed: int = 0
    page_errors: list[str] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None


@dataclass(slots=True)
class CycleReport:
    """One poll cycle: feeds polled, articles stored, and one line per problem."""

    polled: int = 0
    new_articles: int = 0
    not_modified: int = 0
    failed: int = 0
    pages: int = 0
    messages: list[str] = field(default_factory=list)


def _name(source: Source) -> str:
    """How messages name a feed: its title and URL, or its URL."""
    url = redact_url(source.url)
    return f"{source.title} ({url})" if source.title else url


class _Inserted(Protocol):
    inserted: int


class ArticleSink(Protocol):
    """The pipeline's side (:class:`~storyline.pipeline.Pipeline` satisfies it): extract one
    document, and dedup/store/embed a batch of articles."""

    def extract_document(self, doc: RawDoc) -> Article: ...

    def store_articles(self, articles: Iterable[Article]) -> _Inserted: ...


@runtime_checkable
class PollStore(SourceStore, Protocol):
    """A :class:`SourceStore` that can also say whether an article is stored."""

    def has_article(self, article_id: str) -> bool: ...


class Poller:
    """Polls feed sources of a :class:`SourceStore` through a :class:`Fetcher`.

    New articles go through ``sink`` (the pipeline: extraction, dedup, storing, embedding),
    so this module imports neither a store nor the pipeline.
    """

    def __init__(
        self,
        store: PollStore,
        fetcher: Fetcher,
        sink: ArticleSink,
        options: ScheduleOptions | None = None,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.sink = sink
        self.options = options or ScheduleOptions()

    # -- one cycle ----------------------------------------------------------------------

    def due(self, now: datetime | None = None) -> list[tuple[Source, PollState]]:
        now = now or utcnow()
        return [
            (s, st)
            for s, st in self.store.feed_sources(include_paused=False)
            if st.next_poll is None or st.next_poll <= now
        ]

    def next_due(self) -> datetime | None:
        times = [
            st.next_poll for _, st in self.store.feed_sources(include_paused=False) if st.next_poll
        ]
        unscheduled = any(st.next_poll is None for _, st in self.store.feed_sources())
        return utcnow() if unscheduled else min(times, default=None)

    def run_cycle(
        self,
        sources: list[tuple[Source, PollState]] | None = None,
        *,
        on_message: Callable[[str], None] | None = None,
    ) -> CycleReport:
        """Poll the due feeds (or ``sources``) once; every failure is one message."""
        report = CycleReport()
        todo = self.due() if sources is None else sources
        if not todo:
            return report
        workers = max(1, min(self.options.workers, len(todo)))
        with ThreadPoolExecutor(workers, thread_name_prefix="poll") as pool:
            futures = [pool.submit(self.collect, s, st) for s, st in todo]
            for future in as_completed(futures):
                message = self.commit(future.result(), report)
                if message and on_message is not None:
                    on_message(message)
        return report

    # -- fetching (worker threads) --------------------------------------------------------

    def collect(self, source: Source, state: PollState) -> Collected:
        """Fetch and parse one feed, sort its items into known and new, fetch full texts.

        Never raises: a service that runs for months must not stop for one odd feed, so even
        an unexpected error becomes the feed's error (and is logged with its traceback).
        """
        try:
            return self._collect(source, state)
        except Exception as error:
            LOGGER.exception("polling %s failed", redact_url(source.url))
            reason = f"unexpected error ({type(error).__name__}: {error})"
            return Collected(source, state, error=SourceError(redact_url(source.url), reason))

    def _collect(self, source: Source, state: PollState) -> Collected:
        got = Collected(source, state)
        try:
            response = self.fetcher.get(
                source.url,
                etag=source.etag,
                last_modified=source.last_modified,
                max_bytes=self.options.max_feed_bytes,
                accept=FEED_ACCEPT,
            )
        except SourceError as error:
            got.error = error
            return got
        got.etag, got.last_modified = response.etag, response.last_modified
        got.moved_to = response.permanent_url
        if response.not_modified:
            got.not_modified = True
            return got
        try:
            got.feed = parse_feed(
                redact_url(source.url),
                response.body,
                headers=response.headers,
                max_items=self.options.max_items,
            )
        except SourceError as error:
            got.error = error
            return got
        self._sort_items(got)
        return got

    def _sort_items(self, got: Collected) -> None:
        assert got.feed is not None
        source, settings = got.source, got.state.settings
        fetched = utcnow()
        batch_ids: dict[str, str] = {}
        pages = 0
        all_keys = [k for item in got.feed.items for k in item_keys(item)]
        known = self.store.known_item_keys(source.id, all_keys)
        for item in got.feed.items:
            keys = item_keys(item)
            if not keys:
                continue
            match = next((known[k] or batch_ids.get(k) for k in keys if k in known), None)
            match = match or next((batch_ids[k] for k in keys if k in batch_ids), None)
            candidate = article_id(url=item.url) if item.url else None
            if candidate is None:
                try:
                    candidate = article_id(title=item.title, text=item.text)
                except ValueError:
                    continue
            if match is None and self.store.has_article(candidate):
                match = candidate  # stored before a crash, keys not yet recorded
            if match is not None:
                got.known_keys.extend((k, match) for k in keys if k not in known)
                batch_ids.update(dict.fromkeys(keys, match))
                continue
            batch_ids.update(dict.fromkeys(keys, candidate))
            doc = item_document(
                item,
                article_id=candidate,
                source_id=source.id,
                origin=item.url or source.url,
                fetched=fetched,
            )
            page = None
            wants_page = item.url and (
                settings.full_text == "always"
                or (settings.full_text == "auto" and item.words() < self.options.full_text_words)
            )
            if wants_page and item.url:
                if pages >= self.options.max_pages_per_poll:
                    got.postponed += 1
                    continue
                pages += 1
                page = self._page(item.url, source.id, fetched, got)
            got.new.append((item, candidate, keys, doc, page))

    def _page(self, url: str, source_id: str, fetched: datetime, got: Collected) -> RawDoc | None:
        try:
            response = self.fetcher.get(
                url,
                max_bytes=self.options.max_page_bytes,
                accept="text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
                robots=True,
            )
        except SourceError as error:
            got.page_errors.append(error.reason)
            return None
        if response.content_type not in ("text/html", "application/xhtml+xml", ""):
            got.page_errors.append(f"{url}: not an HTML page ({response.content_type})")
            return None
        return RawDoc(
            origin=response.url,
            content=response.body,
            media_type="text/html",
            source_id=source_id,
            url=url,
            fetched=fetched,
        )

    # -- storing (main thread) ------------------------------------------------------------

    def commit(self, got: Collected, report: CycleReport) -> str | None:
        """Store one feed's new articles, then its state; returns the line to show, if any."""
        source, state, now = got.source, got.state, utcnow()
        report.polled += 1
        name = _name(source)
        if got.error is not None:
            report.failed += 1
            message = self._failed(source, state, got.error, now)
            self.store.record_poll(source, state, [])
            report.messages.append(message)
            return message
        articles = [
            article
            for item, _, _, doc, page in got.new
            if (article := self._article(item, doc, page, got)) is not None
        ]
        stored = self.sink.store_articles(articles).inserted if articles else 0
        report.pages += sum(1 for *_, page in got.new if page is not None)
        keys = list(got.known_keys)
        for _item, candidate, item_keys_, _doc, _page in got.new:
            keys.extend((k, candidate) for k in item_keys_)
        if got.postponed:
            # Keep the old validators so the next poll gets the whole feed again.
            state.next_poll = now + timedelta(seconds=self.options.min_interval)
        else:
            source.etag, source.last_modified = got.etag, got.last_modified
            published = [i.published for i in got.feed.items if i.published] if got.feed else []
            state.interval = next_interval(
                state, self.options, new_items=stored, published=published, now=now
            )
            state.next_poll = now + timedelta(seconds=state.interval)
        if got.moved_to and got.moved_to != source.url:
            source.url = got.moved_to
        if got.feed is not None:
            source.title = source.title or got.feed.title
            source.language = source.language or got.feed.language
        source.last_polled, source.last_error = now, None
        state.failures, state.last_ok = 0, now
        state.stored += stored
        report.new_articles += stored
        report.not_modified += int(got.not_modified)
        parts = ["not modified" if got.not_modified else f"{stored} new"]
        if got.feed is not None and got.feed.warning:
            parts.append(got.feed.warning)
        if got.page_errors:
            parts.append(
                f"full text not fetched for {len(got.page_errors)} items "
                f"(first: {got.page_errors[0]}); kept the feed's text"
            )
        if got.postponed:
            parts.append(f"{got.postponed} items wait for the next poll")
        state.status = "; ".join(parts)
        self.store.record_poll(source, state, keys)
        if stored or len(parts) > 1:
            return f"feed {name}: {state.status}"
        return None

    def _failed(self, source: Source, state: PollState, error: SourceError, now: datetime) -> str:
        state.failures += 1
        wait = min(self.options.max_backoff, self.options.min_interval * 2**state.failures)
        wait = max(wait, state.settings.interval or 0)
        retry_after = getattr(error, "retry_after", None)
        if retry_after:
            wait = max(wait, min(retry_after, self.options.max_backoff))
        status = getattr(error, "status", None) if isinstance(error, FetchError) else None
        errors = "1 error" if state.failures == 1 else f"{state.failures} errors in a row"
        if status == 410:
            source.paused = True
            state.status = f"{error.reason}: the feed is gone, paused (resume or remove it)"
        else:
            state.status = f"{error.reason}; {errors}, next try in {human_duration(wait)}"
        state.next_poll = now + timedelta(seconds=wait)
        source.last_polled, source.last_error = now, error.reason
        return f"feed {_name(source)}: {state.status}"

    def _article(
        self, item: FeedItem, doc: RawDoc, page: RawDoc | None, got: Collected
    ) -> Article | None:
        """The article for a new item: from its page when that was fetched and yields more
        text than the feed, else from the feed's own text; the feed's metadata where it is
        better (its structured date, its headline, its author)."""
        article = None
        if page is not None:
            try:
                article = self.sink.extract_document(page)
            except BadInputError as error:
                got.page_errors.append(error.reason)
            if article is not None and len(article.text) < len(item.text):
                article = None
        from_page = article is not None
        if article is None:
            try:
                article = self.sink.extract_document(doc)
            except BadInputError as error:
                got.page_errors.append(error.reason)
                return None
        article.id = str(doc.fields["id"])
        if item.published is not None:
            article.published, article.published_how = item.published, "feed"
        if from_page:
            article.title = item.title or article.title
            article.author = item.author or article.author
            article.url = item.url or article.url
        language = got.state.settings.language
        if language:
            article.language = language
        return article
