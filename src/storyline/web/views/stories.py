"""The front page, event pages and storyline pages, as plain data.

Ranking on the front page follows the usual news-aggregator recipe (coverage times
freshness, as in Google News' "cluster importance" and Miranda et al. 2018's event
streams): a story counts for more the more distinct publishers and languages cover it and
the more it grew lately, decayed by the age of its latest report. Age is measured from the
newest report in the store, so an archive (or a test corpus) still ranks sensibly.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from storyline.link.stream import EventRow, StorylineRow
from storyline.model import Article
from storyline.similar import root_of
from storyline.web.prefs import Preferences
from storyline.web.safe import plain
from storyline.web.store import WebStore
from storyline.web.views.common import article_card, freshness, iso, lead_sentence

__all__ = ["event_page", "front_page", "storyline_page"]

#: Front page length, and how many recent events/storylines are considered for it.
FRONT_ITEMS = 30
FRONT_POOL = 200
#: Most articles an event page loads (a huge event shows its first ones and a count).
EVENT_ARTICLES = 300


def event_dict(row: EventRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": plain(row.title),
        "storyline_id": row.storyline_id,
        "date": iso(row.event_date),
        "first_seen": iso(row.first_seen),
        "last_seen": iso(row.last_seen),
        "articles": row.articles,
        "languages": list(row.languages),
        "publishers": list(row.publishers),
        "closed": row.closed,
        "merged_into": row.merged_into,
    }


def story_dict(row: StorylineRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "label": plain(row.label),
        "key_entities": [plain(e) for e in row.key_entities],
        "first_seen": iso(row.first_seen),
        "last_seen": iso(row.last_seen),
        "events": row.events,
        "articles": row.articles,
    }


def _score(publishers: int, languages: int, articles: int, growth: int, fresh: float) -> float:
    """Coverage times freshness; old stories keep a floor so they still rank by coverage."""
    coverage = publishers + 0.5 * languages + math.log1p(articles) + 0.5 * math.log1p(growth)
    return coverage * (0.05 + 0.95 * fresh)


def _when(row: EventRow) -> datetime | None:
    if row.event_date is not None:
        return datetime.combine(row.event_date, datetime.min.time(), UTC)
    return row.first_seen or row.last_seen


def front_page(store: WebStore, prefs: Preferences, *, limit: int = FRONT_ITEMS) -> dict[str, Any]:
    """Storylines (and events in no storyline) ranked by coverage and freshness."""
    events = store.list_events(limit=FRONT_POOL)
    stories = {s.id: s for s in store.list_storylines(limit=FRONT_POOL)}
    times = [t for e in events for t in (e.last_seen,) if t is not None]
    now = max(times) if times else datetime.now(UTC)
    by_story: dict[str, list[EventRow]] = {}
    for event in events:
        audible = [p for p in event.publishers if not prefs.is_quiet("source", p)]
        if event.publishers and not audible:
            continue
        key = event.storyline_id if event.storyline_id in stories else f"event:{event.id}"
        by_story.setdefault(key or f"event:{event.id}", []).append(event)
    # Score every candidate first; build the (costlier) page dicts for the winners only.
    scored: list[tuple[float, str, list[EventRow], set[str], set[str], int]] = []
    for key, members in by_story.items():
        publishers = {p for e in members for p in e.publishers}
        publishers -= {p for p in publishers if prefs.is_quiet("source", p)}
        languages = {lang for e in members for lang in e.languages}
        last = max((e.last_seen for e in members if e.last_seen), default=None)
        growth = sum(
            e.articles
            for e in members
            if e.last_seen and (now - e.last_seen).total_seconds() < 6 * 3600
        )
        articles = sum(e.articles for e in members)
        fresh = freshness(last, now)
        score = _score(len(publishers), len(languages), articles, growth, fresh)
        scored.append((score, key, members, publishers, languages, growth))
    scored.sort(key=lambda row: (-row[0], row[1]))
    items: list[dict[str, Any]] = []
    for score, key, members, publishers, languages, growth in scored[:limit]:
        story = stories.get(key)
        lead = max(members, key=lambda e: (len(e.publishers), e.articles, iso(e.last_seen) or ""))
        started = min((t for e in members if (t := _when(e)) is not None), default=None)
        last = max((e.last_seen for e in members if e.last_seen), default=None)
        items.append(
            {
                "storyline": story_dict(story) if story else None,
                "event": event_dict(lead),
                "events": len(members) if story is None else max(story.events, len(members)),
                "publishers": len(publishers),
                "languages": sorted(languages),
                "articles": sum(e.articles for e in members),
                "started": iso(started),
                "last_seen": iso(last),
                "growth": growth,
                "score": round(score, 6),
                "_lead": lead.id,
            }
        )
    # One summary line per item: the first sentence of the lead event's first report.
    firsts: dict[str, str | None] = {}
    for item in items:
        joined = store.event_articles(item["_lead"])
        firsts[item["_lead"]] = joined[0] if joined else None
    found = store.get_articles([a for a in firsts.values() if a])
    for item in items:
        first = firsts.get(item.pop("_lead"))
        item["summary"] = lead_sentence(found.get(first) if first else None)
    return {"items": items, "now": iso(now), "articles": store.count_articles()}


def _fold(articles: list[Article]) -> list[tuple[Article, list[Article]]]:
    """Copies folded under their original (or the earliest copy when it is elsewhere)."""
    groups: dict[str, list[Article]] = {}
    for article in articles:
        groups.setdefault(root_of(article), []).append(article)
    out = []
    for root, members in groups.items():
        head = next((a for a in members if a.id == root), members[0])
        out.append((head, [a for a in members if a is not head]))
    return out


def _published_key(article: Article) -> tuple[int, str]:
    return (0, article.published.isoformat()) if article.published else (1, "")


def event_page(store: WebStore, prefs: Preferences, eid: str) -> dict[str, Any] | None:
    """An event: reports with copies folded, the first reporter, entities and quotes."""
    row = store.get_event(eid)
    if row is None:
        return None
    ids = store.event_articles(eid)
    found = store.get_articles(ids[:EVENT_ARTICLES])
    ordered = [found[i] for i in ids if i in found]
    visible = [a for a in ordered if not prefs.is_hidden("source", a.source_id)]
    groups = _fold(visible)
    first = (
        min(groups, key=lambda g: (_published_key(g[0]), ids.index(g[0].id)))[0] if groups else None
    )
    reports = []
    for head, copies in sorted(groups, key=lambda g: (_published_key(g[0]), g[0].id)):
        card = article_card(head, copies=len(copies))
        card["first"] = first is not None and head.id == first.id
        card["more"] = [article_card(c) for c in copies]
        card["muted"] = prefs.is_quiet("source", head.source_id)
        reports.append(card)
    named: Counter[int] = Counter()
    infos = {}
    for article in visible[:40]:
        for info in store.article_entities(article.id):
            if prefs.is_hidden("entity", str(info.id)):
                continue
            named[info.id] += 1
            infos[info.id] = info
    entities: list[dict[str, Any]] = [
        {"id": i, "name": plain(infos[i].name), "kind": str(infos[i].kind), "articles": n}
        for i, n in named.most_common(12)
    ]
    quotes = []
    in_event = set(ids)
    for entity in [e for e in entities if e["kind"] == "person"][:5]:
        for quote in store.entity_quotes(int(entity["id"]), limit=200):
            if quote.article_id in in_event:
                quotes.append(
                    {
                        "speaker": entity["name"],
                        "entity_id": entity["id"],
                        "text": plain(quote.text),
                        "article_id": quote.article_id,
                    }
                )
    position = None
    siblings: list[dict[str, Any]] = []
    if row.storyline_id:
        story_events = store.list_events(storyline=row.storyline_id, limit=10_000)
        order = [e.id for e in story_events]
        if eid in order:
            position = {"index": order.index(eid) + 1, "of": len(order)}
        siblings = [
            {"id": e.id, "title": plain(e.title), "date": iso(e.event_date)}
            for e in story_events
            if e.id != eid
        ][:50]
    story = store.get_storyline(row.storyline_id) if row.storyline_id else None
    return {
        "event": event_dict(row),
        "storyline": story_dict(story) if story else None,
        "position": position,
        "first_reporter": article_card(first) if first else None,
        "reports": reports,
        "hidden_reports": len(ordered) - len(visible),
        "more_articles": max(0, len(ids) - EVENT_ARTICLES),
        "publishers": sorted({r["publisher"] for r in reports}),
        "languages": sorted({r["language"] for r in reports if r["language"]}),
        "entities": entities,
        "quotes": quotes[:12],
        "siblings": siblings,
    }


def _timeline_svg(events: list[EventRow]) -> dict[str, Any]:
    """Coordinates of an SVG timeline: one dot per event, x by date, area by articles."""
    width, left, right = 760, 40, 40
    dated = [(e, _when(e)) for e in events]
    times = [t for _, t in dated if t is not None]
    start = min(times) if times else None
    end = max(times) if times else None
    span = (end - start).total_seconds() if start and end else 0.0
    points = []
    for n, (event, when) in enumerate(dated):
        if when is not None and start is not None and span > 0:
            x = left + (width - left - right) * (when - start).total_seconds() / span
        else:
            x = left + (width - left - right) * (n + 0.5) / max(1, len(dated))
        points.append(
            {
                "id": event.id,
                "x": round(x, 1),
                "y": 60 + 26 * (n % 4),
                "r": round(4 + 3 * math.sqrt(max(1, event.articles)), 1),
                "title": plain(event.title),
                "date": iso(when.date()) if when else None,
                "articles": event.articles,
            }
        )
    ticks = []
    if start and end:
        for i in range(5):
            moment = start + (end - start) * (i / 4)
            ticks.append(
                {"x": round(left + (width - left - right) * i / 4, 1), "label": iso(moment.date())}
            )
    return {"width": width, "height": 180, "points": points, "ticks": ticks}


def storyline_events(store: WebStore, sid: str) -> tuple[StorylineRow, list[EventRow]] | None:
    """A storyline and its events (at most 500), or ``None``: what its page and feed share."""
    story = store.get_storyline(sid)
    if story is None:
        return None
    return story, store.list_events(storyline=sid, limit=500)


def storyline_page(store: WebStore, prefs: Preferences, sid: str) -> dict[str, Any] | None:
    """A storyline: its events on a visual timeline and its key entities over time."""
    found_story = storyline_events(store, sid)
    if found_story is None:
        return None
    story, events = found_story
    grid = []
    for name in story.key_entities[:8]:
        found = store.find_entities(name, limit=1)
        if not found or prefs.is_quiet("entity", str(found[0].id)):
            continue
        entity = found[0]
        # Events naming the entity: the events of its articles, in one batched lookup.
        named = [a.article_id for a in store.entity_articles(entity.id, limit=2000)]
        hit = {eid for eid, _ in store.events_of(named).values()}
        grid.append(
            {
                "id": entity.id,
                "name": plain(entity.name),
                "events": [e.id in hit for e in events],
            }
        )
    return {
        "storyline": story_dict(story),
        "events": [event_dict(e) for e in events],
        "timeline": _timeline_svg(events),
        "entities_over_time": grid,
    }
