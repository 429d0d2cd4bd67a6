"""HTTP handlers of the reading pages: parse the request, build the page dict, render it."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from storyline.web.render import error_response, page
from storyline.web.views import lookup, stories
from storyline.web.views.common import entity_id

__all__ = ["article", "entities", "entity", "event", "front", "search", "storyline"]


def _param(request: Request, name: str) -> str:
    value = request.path_params[name]
    return str(value).removesuffix(".json")


def front(request: Request) -> Response:
    state = request.app.state
    return page(request, "front", "front.html", stories.front_page(state.store, state.prefs))


def _show(request: Request, kind: str, data: dict[str, Any] | None) -> Response:
    """The ``kind`` page of ``data``, or a 404 saying there is no such ``kind``."""
    if data is None:
        return error_response(request, 404, f"no such {kind}")
    return page(request, kind, f"{kind}.html", data)


def event(request: Request) -> Response:
    state = request.app.state
    return _show(
        request, "event", stories.event_page(state.store, state.prefs, _param(request, "eid"))
    )


def storyline(request: Request) -> Response:
    state = request.app.state
    data = stories.storyline_page(state.store, state.prefs, _param(request, "sid"))
    return _show(request, "storyline", data)


def article(request: Request) -> Response:
    state = request.app.state
    data = lookup.article_page(state.store, state.prefs, state.similar, _param(request, "aid"))
    return _show(request, "article", data)


def entity(request: Request) -> Response:
    state = request.app.state
    number = entity_id(_param(request, "entity_id"))
    data = None if number is None else lookup.entity_page(state.store, state.prefs, number)
    return _show(request, "entity", data)


def entities(request: Request) -> Response:
    state = request.app.state
    name = request.query_params.get("q", "")[:300]
    return page(
        request, "entities", "entities.html", lookup.entities_page(state.store, state.prefs, name)
    )


def search(request: Request) -> Response:
    state = request.app.state
    query = lookup.SearchQuery(dict(request.query_params))  # bad input: 400 (web/app.py)
    return page(
        request, "search", "search.html", lookup.search_page(state.store, state.prefs, query)
    )
