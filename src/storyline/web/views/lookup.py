"""Article pages (with similar news), entity pages and search, as plain data.

Search runs the store's full-text index (copies folded into their original), then applies
the date, source, language and entity filters to the hits and groups them by event, so a
story reported forty times is one result with its reports under it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from typing import Any

from storyline.errors import BadInputError, StorylineError
from storyline.similar import SimilarNews
from storyline.web.prefs import Preferences
from storyline.web.safe import paragraphs, plain, safe_url
from storyline.web.store import WebStore
from storyline.web.views.common import article_card, entity_id, iso, publisher

__all__ = [
    "SearchQuery",
    "SimilarService",
    "article_page",
    "entities_page",
    "entity_page",
    "search_page",
]

logger = logging.getLogger(__name__)

#: Hits shown, and fetched from the index before filtering (filters may drop many).
SEARCH_LIMIT = 50
SEARCH_POOL = 300


class SimilarService:
    """One :class:`SimilarNews` for the app's life, built on first use (it loads a model).

    Answers are kept for ``ttl`` seconds (at most ``size`` articles, least recently used
    dropped first): scoring the candidates of one article costs about a second on a busy
    2-core machine (the load soak, docs/security.md), and an article's similar news only
    changes as new articles arrive, so a popular article is scored once a minute, not on
    every view.
    """

    def __init__(
        self, factory: Callable[[], SimilarNews], *, ttl: float = 60.0, size: int = 512
    ) -> None:
        self._factory = factory
        self._similar: SimilarNews | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, int], tuple[float, list[dict[str, Any]]]] = (
            OrderedDict()
        )
        self.ttl = ttl
        self.size = size

    def groups(self, article_id: str, limit: int = 8) -> list[dict[str, Any]] | None:
        """Similar news for an article, or ``None`` when the service is unavailable."""
        key = (article_id, limit)
        with self._lock:  # the index and model are shared
            kept = self._cache.get(key)
            if kept is not None and time.monotonic() - kept[0] < self.ttl:
                self._cache.move_to_end(key)
                return list(kept[1])
            try:
                if self._similar is None:
                    self._similar = self._factory()
                result = self._similar.for_article(article_id, limit=limit)
            except (StorylineError, ImportError, OSError) as error:
                # The page still renders, saying similar news is unavailable; the reason
                # goes to the log.
                logger.warning("similar news unavailable: %s", error)
                return None
        out = []
        for group in result.groups:
            card = article_card(group.article, copies=len(group.more))
            card["score"] = round(group.scored.score, 3)
            out.append(card)
        with self._lock:
            self._cache[key] = (time.monotonic(), out)
            self._cache.move_to_end(key)
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return list(out)


def article_page(
    store: WebStore, prefs: Preferences, similar: SimilarService, article_id: str
) -> dict[str, Any] | None:
    """One article: sanitised text, metadata, its event and similar news."""
    article = store.get_article(article_id)
    if article is None:
        return None
    placed = store.events_of([article.id]).get(article.id)
    event = store.get_event(placed[0]) if placed else None
    groups = similar.groups(article.id)
    if groups is not None:
        groups = [g for g in groups if not prefs.is_hidden("source", g["source_id"])]
    source = store.get_source(article.source_id) if article.source_id else None
    return {
        "article": {
            **article_card(article),
            "author": plain(article.author) or None,
            "fetched": iso(article.fetched),
            "canonical_url": safe_url(article.canonical_url),
            "paragraphs": paragraphs(article.text),
            "credits": [plain(c.text) for c in article.credits],
            "related": [{"title": plain(r.title), "url": safe_url(r.url)} for r in article.related],
            "duplicate_of": article.duplicate_of,
            "syndicated_from": article.syndicated_from,
            "source_title": plain(source.title) if source and source.title else None,
        },
        "event": {"id": event.id, "title": plain(event.title)} if event else None,
        "storyline_id": placed[1] if placed else None,
        "entities": [
            {"id": e.id, "name": plain(e.name), "kind": str(e.kind)}
            for e in store.article_entities(article.id)
            if not prefs.is_hidden("entity", str(e.id))
        ][:20],
        "similar": groups,
    }


def entity_page(store: WebStore, prefs: Preferences, entity_id: int) -> dict[str, Any] | None:
    """An entity: names, articles over time, events, storylines, quotes, co-occurring ones."""
    page = store.entity_page(entity_id, limit=100)
    if page is None:
        return None
    info = page.entity
    return {
        "entity": {
            "id": info.id,
            "name": plain(info.name),
            "kind": str(info.kind),
            "articles": info.articles,
            "mentions": info.mentions,
            "aliases": [plain(a) for a in info.aliases],
            "hidden": prefs.is_hidden("entity", str(info.id)),
            "muted": prefs.is_quiet("entity", str(info.id)),
        },
        "articles": [
            {"id": a.article_id, "title": plain(a.title), "published": iso(a.published)}
            for a in page.articles
        ],
        "timeline": [{"day": d, "articles": n} for d, n in page.timeline],
        "related": [
            {"id": e.id, "name": plain(e.name), "kind": str(e.kind), "shared": n}
            for e, n in page.related
            if not prefs.is_hidden("entity", str(e.id))
        ],
        "quotes": [{"article_id": q.article_id, "text": plain(q.text)} for q in page.quotes],
        "events": [
            {"id": e.id, "title": plain(e.title), "day": e.day, "naming": e.naming}
            for e in page.events
        ],
        "storylines": [
            {"id": e.id, "title": plain(e.title), "day": e.day, "naming": e.naming}
            for e in page.storylines
        ],
    }


def entities_page(store: WebStore, prefs: Preferences, name: str) -> dict[str, Any]:
    """Entities going by a name, or the most named ones."""
    found = (
        store.find_entities(name.strip(), limit=50)
        if name.strip()
        else store.top_entities(limit=60)
    )
    rows = [
        {"id": e.id, "name": plain(e.name), "kind": str(e.kind), "articles": e.articles}
        for e in found
        if not prefs.is_hidden("entity", str(e.id))
    ]
    return {"query": name, "entities": rows}


class SearchQuery:
    """The search form's fields, checked: words, date range, source, language, entity."""

    def __init__(self, params: dict[str, str]) -> None:
        self.q = params.get("q", "").strip()[:500]
        self.source = params.get("source", "").strip()[:300]
        self.language = params.get("language", "").strip().lower()[:12]
        self.entity = params.get("entity", "").strip()[:300]
        self.start = self._day(params.get("from", ""), "from")
        self.end = self._day(params.get("to", ""), "to")

    @staticmethod
    def _day(value: str, name: str) -> date | None:
        value = value.strip()
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            raise BadInputError(name, f"{value!r} is not a date like 2024-08-21") from error

    def as_dict(self) -> dict[str, str]:
        return {
            "q": self.q,
            "from": iso(self.start) or "",
            "to": iso(self.end) or "",
            "source": self.source,
            "language": self.language,
            "entity": self.entity,
        }

    @property
    def empty(self) -> bool:
        return not (self.q or self.entity)


def search_page(store: WebStore, prefs: Preferences, query: SearchQuery) -> dict[str, Any]:
    """Search hits after filters, grouped by event (see the module docstring)."""
    result: dict[str, Any] = {"query": query.as_dict(), "groups": [], "total": 0, "entity": None}
    if query.empty:
        return result
    entity_ids: set[str] | None = None
    if query.entity:
        number = entity_id(query.entity)
        found = (
            [e for e in [store.get_entity(number)] if e is not None]
            if number is not None
            else store.find_entities(query.entity, limit=1)
        )
        if not found:
            return result
        entity = found[0]
        result["entity"] = {"id": entity.id, "name": plain(entity.name)}
        named = store.entity_articles(entity.id, limit=5000)
        entity_ids = {a.article_id for a in named}
    filtered = bool(query.start or query.end or query.language or query.source or entity_ids)
    pool = SEARCH_POOL if filtered else SEARCH_LIMIT
    if query.q:
        hits = [(h.article_id, h.snippet, h.copies) for h in store.search(query.q, limit=pool)]
    else:
        hits = [(aid, "", 0) for aid in sorted(entity_ids or ())][:SEARCH_POOL]
    if entity_ids is not None:
        hits = [h for h in hits if h[0] in entity_ids]
    articles = store.get_articles([h[0] for h in hits])
    kept = []
    for aid, snip, copies in hits:
        article = articles.get(aid)
        if article is None or prefs.is_hidden("source", article.source_id):
            continue
        day = article.published.date() if article.published else None
        if query.start and (day is None or day < query.start):
            continue
        if query.end and (day is None or day > query.end):
            continue
        if query.language and (article.language or "") != query.language:
            continue
        if query.source and query.source not in {article.source_id, publisher(article)}:
            continue
        card = article_card(article, copies=copies)
        if snip:
            card["snippet_marked"] = snip
        kept.append(card)
        if len(kept) >= SEARCH_LIMIT:
            break
    placed = store.events_of([c["id"] for c in kept])
    groups: dict[str, dict[str, Any]] = {}
    for card in kept:
        eid = placed.get(card["id"], (None, None))[0]
        key = eid or f"article:{card['id']}"
        if key not in groups:
            event = store.get_event(eid) if eid else None
            groups[key] = {
                "event": {
                    "id": event.id,
                    "title": plain(event.title),
                    "date": iso(event.event_date),
                    "articles": event.articles,
                }
                if event
                else None,
                "hits": [],
            }
        groups[key]["hits"].append(card)
    result["groups"] = list(groups.values())
    result["total"] = len(kept)
    return result
