"""Rendering: the Jinja environment (autoescaping always on) and the JSON envelope.

Every page is one dict. ``page()`` renders it as HTML with a template, or, when the path
ends in ``.json``, as the one JSON envelope every endpoint shares (as datasette does)::

    {"ok": true, "kind": "event", "data": {...}, "links": {"self": ..., "html": ...},
     "version": "0.1.0"}

Errors use the same envelope with ``"ok": false`` and ``"error": {"status", "message"}``.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from storyline import __version__
from storyline.web.i18n import LANGUAGES, translate
from storyline.web.safe import highlight, safe_url

__all__ = ["envelope", "environment", "error_response", "html", "is_json", "page"]

#: Security headers on every HTML page: nothing but our own scripts, styles and images runs
#: or loads, even if some article text slipped past escaping (defence in depth).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def environment() -> Environment:
    """The template environment: autoescape on for every template, undefined names fail."""
    env = Environment(
        loader=PackageLoader("storyline.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["highlight"] = highlight
    env.filters["safe_url"] = safe_url
    env.filters["day"] = lambda v: (v or "")[:10]
    env.globals["languages"] = LANGUAGES
    env.globals["version"] = __version__
    return env


def is_json(request: Request) -> bool:
    """Whether the client asked for the JSON form (``.json`` path or ``format=json``)."""
    return request.url.path.endswith(".json") or request.query_params.get("format") == "json"


def envelope(kind: str, data: Any, request: Request, *, status: int = 200) -> JSONResponse:
    path = request.url.path
    html_path = path.removesuffix(".json") or "/"
    if html_path in {"/index", ""}:
        html_path = "/"
    body = {
        "ok": status < 400,
        "kind": kind,
        "data": data,
        "links": {"self": str(request.url), "html": html_path},
        "version": __version__,
    }
    return JSONResponse(body, status_code=status, headers={"X-Content-Type-Options": "nosniff"})


def html(
    request: Request, template: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    env: Environment = request.app.state.templates
    lang: str = request.state.lang

    def t(key: str, **values: object) -> str:
        return translate(lang, key, **values)

    def tn(key: str, count: int) -> str:
        """A counted noun: ``KEY.one`` for one, ``KEY`` otherwise (both languages agree)."""
        return translate(lang, f"{key}.one" if count == 1 else key)

    guard = request.app.state.guard
    text = env.get_template(template).render(
        t=t,
        tn=tn,
        lang=lang,
        path=request.url.path,
        query=request.url.query,
        csrf=guard.csrf_token(request),
        can_edit=guard.can_write(request),
        json_link=_json_link(request),
        **context,
    )
    return HTMLResponse(text, status_code=status, headers=HEADERS)


def _json_link(request: Request) -> str:
    path = request.url.path
    base = "/index" if path == "/" else path
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{base}.json{query}"


def page(request: Request, kind: str, template: str, data: dict[str, Any]) -> Response:
    """One page as HTML or, for ``.json``, as the envelope."""
    if is_json(request):
        return envelope(kind, data, request)
    return html(request, template, {"data": data, "kind": kind})


def error_response(
    request: Request, status: int, message: str, *, json_always: bool = False
) -> Response:
    """An error in the form the client asked for (``json_always``: the envelope regardless)."""
    if json_always or is_json(request) or request.headers.get("authorization"):
        body = {
            "ok": False,
            "kind": "error",
            "error": {"status": status, "message": message},
            "version": __version__,
        }
        return JSONResponse(body, status_code=status)
    key = {404: "error.not_found", 403: "error.forbidden"}.get(status, "error.bad_request")
    return html(
        request,
        "error.html",
        {"status": status, "message": message, "title_key": key},
        status=status,
    )
