"""HTTP handlers of the reading pages: parse the request, build the page dict, render it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from storyline.errors import BadInputError
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


def event(request: Request) -> Response:
    state = request.app.state
    data = stories.event_page(state.store, state.prefs, _param(request, "eid"))
    if data is None:
        return error_response(request, 404, "no such event")
    return page(request, "event", "event.html", data)


def storyline(request: Request) -> Response:
    state = request.app.state
    data = stories.storyline_page(state.store, state.prefs, _param(request, "sid"))
    if data is None:
        return error_response(request, 404, "no such storyline")
    return page(request, "storyline", "storyline.html", data)


def article(request: Request) -> Response:
    state = request.app.state
    data = lookup.article_page(state.store, state.prefs, state.similar, _param(request, "aid"))
    if data is None:
        return error_response(request, 404, "no such article")
    return page(request, "article", "article.html", data)


def entity(request: Request) -> Response:
    state = request.app.state
    number = entity_id(_param(request, "entity_id"))
    if number is None:
        return error_response(request, 404, "no such entity")
    data = lookup.entity_page(state.store, state.prefs, number)
    if data is None:
        return error_response(request, 404, "no such entity")
    return page(request, "entity", "entity.html", data)


def entities(request: Request) -> Response:
    state = request.app.state
    name = request.query_params.get("q", "")[:300]
    return page(
        request, "entities", "entities.html", lookup.entities_page(state.store, state.prefs, name)
    )


def search(request: Request) -> Response:
    state = request.app.state
    try:
        query = lookup.SearchQuery(dict(request.query_params))
    except BadInputError as error:
        return error_response(request, 400, str(error))
    return page(
        request, "search", "search.html", lookup.search_page(state.store, state.prefs, query)
    )
