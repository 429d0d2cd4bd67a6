"""Sources a user follows: ids, per-source settings, poll state, and adding a feed by URL.

``storyline source add https://example.org/`` accepts either a feed URL or a site's page:
a page is searched for ``<link rel="alternate" type="application/rss+xml" href=...>`` (the
feed autodiscovery convention of RSS Board's "RSS Autodiscovery" note and the Atom spec) and
the first announced feed is followed instead.

The store side is the :class:`SourceStore` protocol (implemented by
:class:`~storyline.store.sqlite_sources.SQLiteSourcesMixin`), so this module, like every
stage, imports no store.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from storyline.errors import ConfigError, SourceError
from storyline.ingest.feeds import FEED_TYPES, discover_feeds, looks_like_feed, parse_feed
from storyline.ingest.fetch import Fetcher
from storyline.model import Source, SourceKind

__all__ = [
    "FULL_TEXT_MODES",
    "AddedSource",
    "PollState",
    "SourceSettings",
    "SourceStore",
    "add_feed",
    "feed_source",
    "find_source",
    "source_id_for",
]

FULL_TEXT_MODES = ("auto", "always", "never")
FEED_ACCEPT = ", ".join(FEED_TYPES[:3]) + ", application/xml;q=0.9, text/html;q=0.5, */*;q=0.1"


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """Per-source settings (``storyline source set``).

    ``full_text``: ``auto`` fetches the article page when an item carries only a summary,
    ``always`` fetches it for every item, ``never`` keeps what the feed gives. ``interval``
    pins the polling interval in seconds (None: adaptive). ``language`` overrides the feed's.
    """

    full_text: str = "auto"
    interval: float | None = None
    language: str | None = None

    def __post_init__(self) -> None:
        if self.full_text not in FULL_TEXT_MODES:
            raise ConfigError(
                f"full text mode {self.full_text!r}: use one of {', '.join(FULL_TEXT_MODES)}"
            )
        if self.interval is not None and self.interval < 60:
            raise ConfigError(f"interval {self.interval:g} s: use at least 60 seconds")

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceSettings:
        known = {k: data[k] for k in ("full_text", "interval", "language") if k in data}
        return cls(**known)


@dataclass(slots=True)
class PollState:
    """Where a source's polling stands (kept with the source, survives restarts).

    ``interval`` is the current adaptive interval in seconds; ``failures`` counts errors in a
    row (0 after a success); ``status`` is one line for the user ("3 new", "not modified",
    "HTTP 503 Service Unavailable; retrying in 2 h").
    """

    interval: float = 1800.0
    next_poll: datetime | None = None
    failures: int = 0
    last_ok: datetime | None = None
    status: str | None = None
    stored: int = 0
    settings: SourceSettings = field(default_factory=SourceSettings)


@runtime_checkable
class SourceStore(Protocol):
    """What polling needs from a store besides the :class:`~storyline.store.base.Store`."""

    def feed_sources(self, *, include_paused: bool = True) -> list[tuple[Source, PollState]]:
        """Feed sources with their poll state, by id."""
        ...

    def poll_state(self, source_id: str) -> PollState | None:
        """A source's poll state (None for an unknown source)."""
        ...

    def save_source(self, source: Source, state: PollState) -> None:
        """Insert or update a source and its poll state, in one transaction."""
        ...

    def remove_source(self, source_id: str) -> bool:
        """Forget a source and its item keys (its articles stay); False if unknown."""
        ...

    def known_item_keys(self, source_id: str, keys: list[str]) -> dict[str, str]:
        """Which of these identity keys are recorded for the source, and their article ids."""
        ...

    def record_poll(self, source: Source, state: PollState, keys: list[tuple[str, str]]) -> None:
        """After a poll: the source row, its state and the new (key, article id) pairs, in one
        transaction (so a crash leaves either the old state or the new, never half)."""
        ...


def source_id_for(url: str) -> str:
    """A short stable id for a feed URL (``feed-1a2b3c4d5e``)."""
    return "feed-" + hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:10]


def feed_source(
    url: str,
    *,
    title: str | None = None,
    category: str | None = None,
    language: str | None = None,
) -> Source:
    """A new feed source for ``url``."""
    return Source(
        id=source_id_for(url),
        kind=SourceKind.FEED,
        url=url.strip(),
        title=title,
        category=category,
        language=language,
    )


def find_source(store: SourceStore, ref: str) -> tuple[Source, PollState]:
    """A source by id, URL, or (unique) title; :class:`ConfigError` naming the choices."""
    sources = store.feed_sources()
    for source, state in sources:
        if ref in (source.id, source.url):
            return source, state
    by_title = [(s, st) for s, st in sources if (s.title or "").casefold() == ref.casefold()]
    if len(by_title) == 1:
        return by_title[0]
    if by_title:
        ids = ", ".join(s.id for s, _ in by_title)
        raise ConfigError(f"{ref!r} names several sources ({ids}); use an id")
    raise ConfigError(f"no source {ref!r}; see `storyline source list` for ids and URLs")


@dataclass(slots=True)
class AddedSource:
    """What ``add_feed`` found: the source, whether it was discovered from a page, and how
    many items the feed has now."""

    source: Source
    discovered_from: str | None
    items: int
    warning: str | None = None


def add_feed(
    fetcher: Fetcher,
    url: str,
    *,
    title: str | None = None,
    category: str | None = None,
    language: str | None = None,
) -> AddedSource:
    """Fetch ``url``; if it is a page, follow the feed it announces. Checks the feed parses.

    Raises :class:`SourceError` when nothing usable is found (with the reason).
    """
    if "://" not in url:
        url = "https://" + url
    response = fetcher.get(url, accept=FEED_ACCEPT)
    discovered_from = None
    if not looks_like_feed(response.body, response.content_type):
        links = discover_feeds(response.body, response.url)
        if not links:
            raise SourceError(
                url,
                'this is a web page that announces no feed (no <link rel="alternate" '
                'type="application/rss+xml">); give the feed\'s own URL',
            )
        discovered_from = url
        url = links[0]
        response = fetcher.get(url, accept=FEED_ACCEPT)
    final = response.permanent_url or url
    feed = parse_feed(final, response.body, headers=response.headers)
    source = feed_source(
        final,
        title=title or feed.title,
        category=category,
        language=language or feed.language,
    )
    return AddedSource(source, discovered_from, len(feed.items), feed.warning)
