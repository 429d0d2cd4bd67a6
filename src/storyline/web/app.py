"""The web app: Starlette routes over a store, server-rendered pages, every page as JSON.

``create_app(store, ...)`` builds the ASGI app; ``storyline serve`` runs it under uvicorn.
Handlers are plain functions (Starlette runs them in its thread pool), and the SQLite store
gives each thread its own read connection, so pages read concurrently while corrections go
through the store's one writer (the datasette model). See docs/web.md.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from storyline.errors import BadInputError
from storyline.similar import SimilarNews
from storyline.web.i18n import negotiate
from storyline.web.logs import AccessLog, install_redaction
from storyline.web.prefs import Preferences
from storyline.web.ratelimit import RateLimiter, RateLimits
from storyline.web.render import environment, error_response
from storyline.web.security import Guard
from storyline.web.store import require_web_store
from storyline.web.views import corrections, feeds, handlers
from storyline.web.views.lookup import SimilarService
from storyline.web.views.openapi import openapi

__all__ = ["API_ROUTES", "create_app"]

STATIC = Path(__file__).with_name("static")
LANG_COOKIE = "storyline_lang"

Handler = Callable[[Request], Any]

#: Every page: (HTML path, handler, summary, name). Each also answers at PATH.json.
PAGES: list[tuple[str, Handler, str, str]] = [
    (
        "/event/{eid}",
        handlers.event,
        "An event: reports, first reporter, entities, quotes",
        "event",
    ),
    ("/storyline/{sid}", handlers.storyline, "A storyline: timeline of its events", "storyline"),
    ("/article/{aid}", handlers.article, "An article with similar news", "article"),
    ("/entity/{entity_id}", handlers.entity, "An entity's page", "entity"),
    ("/entities", handlers.entities, "Find entities by name (q)", "entities"),
    ("/search", handlers.search, "Full-text search with filters, grouped by event", "search"),
]
#: Write endpoints: (path, handler, summary, name); POST, token needed.
WRITES: list[tuple[str, Handler, str, str]] = [
    ("/event/{eid}/merge", corrections.merge, "Merge this event into `target`", "merge"),
    ("/event/{eid}/move", corrections.move, "Move this event to `storyline`", "move"),
    ("/article/{aid}/split", corrections.split, "Split an article out of its event", "split"),
    ("/prefs", corrections.prefs, "Hide, mute or show a source or entity", "prefs"),
]


def _api_routes() -> list[tuple[str, str, str, str]]:
    out = [("/index.json", "get", "The front page: stories ranked", "front")]
    out += [(f"{path}.json", "get", summary, name) for path, _h, summary, name in PAGES]
    out += [(path, "post", summary, name) for path, _h, summary, name in WRITES]
    return out


API_ROUTES = _api_routes()


class _Context(BaseHTTPMiddleware):
    """Per request: the interface language, the read check, the language switch cookie."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        chosen = request.query_params.get("lang")
        request.state.lang = negotiate(
            request.headers.get("accept-language"),
            chosen=chosen,
            cookie=request.cookies.get(LANG_COOKIE),
        )
        guard: Guard = request.app.state.guard
        public = request.url.path.startswith(("/static/", "/login"))
        if not public and not guard.can_read(request):
            return error_response(request, 403, "this server needs a token: sign in at /login")
        response = await call_next(request)
        if chosen and chosen == request.state.lang:
            response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax")
        return response


def create_app(
    store: object,
    *,
    tokens: list[str] | None = None,
    read_needs_token: bool = False,
    prefs_path: Path | None = None,
    similar: Callable[[], SimilarNews] | None = None,
    rate_limits: RateLimits | None = None,
    access_log: bool = False,
) -> Starlette:
    """The ASGI app over ``store`` (an opened, migrated store; the caller closes it).

    ``tokens`` may write (corrections, hide/mute). ``similar`` builds the similar-news
    service on first use (None: the default e5 embedder; pass ``lambda: None``-like
    factories in tests only if the model is unavailable). ``rate_limits``: per-client
    token buckets on the API and search (default :class:`RateLimits`; ``RateLimits.off()``).
    ``access_log``: one line per request to ``storyline.web.access``, secrets masked.
    """
    install_redaction()
    web_store = require_web_store(store)

    def default_similar() -> SimilarNews:
        from storyline.embed.e5 import E5Embedder

        return SimilarNews(web_store, E5Embedder(), refresh_seconds=30.0)  # type: ignore[arg-type]

    routes: list[BaseRoute] = [
        # Feeds first: "/storyline/{sid}" would otherwise take "ID.atom" as an id.
        Route("/storyline/{sid}.atom", feeds.storyline_feed),
        Route("/entity/{entity_id}.atom", feeds.entity_feed),
        Route("/search.atom", feeds.search_feed),
        Route("/", handlers.front),
        Route("/index.json", handlers.front),
    ]
    for path, handler, _summary, _name in PAGES:
        routes.append(Route(f"{path}.json", handler))
        routes.append(Route(path, handler))
    for path, handler, _summary, _name in WRITES:
        routes.append(Route(path, handler, methods=["POST"]))
    routes += [
        Route("/openapi.json", lambda r: JSONResponse(openapi(API_ROUTES))),
        Route("/login", corrections.login, methods=["GET", "POST"]),
        Route("/logout", corrections.logout, methods=["POST"]),
        Route("/favicon.ico", lambda r: RedirectResponse("/static/favicon.svg")),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        # The access log sees every request; a request the rate limiter refuses costs no
        # other work (the read check, the page).
        middleware=[
            Middleware(AccessLog, enabled=access_log),
            Middleware(RateLimiter, limits=rate_limits),
            Middleware(_Context),
        ],
        exception_handlers={
            404: lambda r, e: error_response(r, 404, "no such page"),
            405: lambda r, e: error_response(r, 405, "method not allowed"),
            # A request whose input is bad (a search query too long, a bad date) gets a 400
            # that says why, from whichever handler found it.
            BadInputError: lambda r, e: error_response(r, 400, str(e)),
        },
    )
    app.state.store = web_store
    app.state.guard = Guard.of(tokens or [], read_needs_token=read_needs_token)
    app.state.prefs = Preferences.load(prefs_path)
    app.state.similar = SimilarService(similar or default_similar)
    app.state.templates = environment()
    return app
