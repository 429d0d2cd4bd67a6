"""Feeds out: Atom (RFC 4287) per storyline, per entity and per search.

People follow a story in the feed reader they already use. Entries link to our pages;
titles and summaries are plain text (ElementTree escapes them), so no markup from an
article reaches a reader through us.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from storyline.web.render import error_response
from storyline.web.safe import plain
from storyline.web.views import lookup, stories
from storyline.web.views.common import entity_id, iso

__all__ = ["entity_feed", "search_feed", "storyline_feed"]

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"


def _atom(request: Request, title: str, self_path: str, entries: list[dict[str, Any]]) -> Response:
    base = str(request.base_url).rstrip("/")
    feed = ET.Element("feed", xmlns=ATOM)
    ET.SubElement(feed, "title").text = title
    ET.SubElement(feed, "id").text = base + self_path
    ET.SubElement(feed, "link", rel="self", href=base + self_path)
    times = [e["updated"] for e in entries if e.get("updated")]
    ET.SubElement(feed, "updated").text = max(times) if times else datetime.now(UTC).isoformat()
    author = ET.SubElement(feed, "author")
    ET.SubElement(author, "name").text = "Storyline"
    for item in entries:
        entry = ET.SubElement(feed, "entry")
        ET.SubElement(entry, "title").text = item["title"] or "(untitled)"
        ET.SubElement(entry, "id").text = base + item["path"]
        ET.SubElement(entry, "link", href=base + item["path"])
        ET.SubElement(entry, "updated").text = item.get("updated") or datetime.now(UTC).isoformat()
        if item.get("summary"):
            ET.SubElement(entry, "summary").text = item["summary"]
    body = ET.tostring(feed, encoding="unicode", xml_declaration=False)
    return Response('<?xml version="1.0" encoding="utf-8"?>\n' + body, media_type=MEDIA_TYPE)


def _stamp(value: str | None) -> str | None:
    if not value:
        return None
    return value if "T" in value else f"{value}T00:00:00+00:00"


def storyline_feed(request: Request) -> Response:
    state = request.app.state
    sid = request.path_params["sid"]
    found = stories.storyline_events(state.store, sid)
    if found is None:
        return error_response(request, 404, "no such storyline")
    story, rows = found
    events = [stories.event_dict(e) for e in rows]
    entries = [
        {
            "title": e["title"],
            "path": f"/event/{e['id']}",
            "updated": _stamp(e["last_seen"] or e["date"]),
            "summary": f"{e['articles']} articles; {', '.join(e['languages'])}",
        }
        for e in reversed(events)
    ]
    label = stories.story_dict(story)["label"]
    return _atom(request, label, f"/storyline/{sid}.atom", entries)


def entity_feed(request: Request) -> Response:
    state = request.app.state
    raw = str(request.path_params["entity_id"])
    number = entity_id(raw)
    entity = state.store.get_entity(number) if number is not None else None
    if number is None or entity is None:
        return error_response(request, 404, "no such entity")
    articles = state.store.entity_articles(number, limit=100)  # what the entity page lists
    entries = [
        {
            "title": plain(a.title),
            "path": f"/article/{a.article_id}",
            "updated": _stamp(iso(a.published)),
        }
        for a in reversed(articles)
    ]
    return _atom(request, plain(entity.name), f"/entity/{raw}.atom", entries)


def search_feed(request: Request) -> Response:
    state = request.app.state
    query = lookup.SearchQuery(dict(request.query_params))  # bad input: 400 (web/app.py)
    data = lookup.search_page(state.store, state.prefs, query)
    entries = [
        {
            "title": hit["title"],
            "path": f"/article/{hit['id']}",
            "updated": _stamp(hit["published"]),
            "summary": hit["snippet"],
        }
        for group in data["groups"]
        for hit in group["hits"]
    ]
    params = urlencode({k: v for k, v in query.as_dict().items() if v})
    return _atom(
        request, f"Storyline search: {query.q or query.entity}", f"/search.atom?{params}", entries
    )
