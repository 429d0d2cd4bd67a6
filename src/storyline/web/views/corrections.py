"""Corrections and preferences posted from the pages (htmx forms) or the JSON API.

Each write needs a token (see :mod:`storyline.web.security`); browser posts also need the
CSRF token. Corrections go through the store's own methods (``merge_events``,
``split_article``, ``move_event``), which change the rows at once and record the
correction, so the clusterer obeys it from then on (docs/events.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from storyline.errors import StorylineError
from storyline.web.render import envelope, error_response, html
from storyline.web.security import SESSION_COOKIE

__all__ = ["login", "logout", "merge", "move", "prefs", "split"]


def _wants_json(request: Request) -> bool:
    return request.app.state.guard.bearer(request) is not None or "application/json" in (
        request.headers.get("accept", "")
    )


async def _write(
    request: Request, action: Callable[[dict[str, str]], tuple[str, dict[str, Any]]]
) -> Response:
    """Authorise, run ``action(form)`` -> (where to go next, result), answer in kind."""
    guard = request.app.state.guard
    if not guard.can_write(request):
        return error_response(request, 403, "writing needs an API token: sign in at /login")
    try:
        form = {k: str(v) for k, v in (await request.form()).items()}
    except Exception as error:
        return error_response(request, 400, f"cannot read the form: {error}")
    if not guard.csrf_ok(request, form.get("csrf")):
        return error_response(request, 403, "the form's CSRF token is missing or stale: reload")
    try:
        target, result = await run_in_threadpool(action, form)
    except StorylineError as error:
        return error_response(request, 400, str(error))
    if _wants_json(request):
        return envelope("correction", result, request)
    if request.headers.get("hx-request"):
        response = HTMLResponse('<p class="done" role="status">OK</p>')
        response.headers["HX-Redirect"] = target
        return response
    return RedirectResponse(target, status_code=303)


async def merge(request: Request) -> Response:
    source = request.path_params["eid"]

    def action(form: dict[str, str]) -> tuple[str, dict[str, Any]]:
        target = form.get("target", "").strip()
        request.app.state.store.merge_events(source, target)
        return f"/event/{target}", {"merged": source, "into": target}

    return await _write(request, action)


async def split(request: Request) -> Response:
    aid = request.path_params["aid"]

    def action(form: dict[str, str]) -> tuple[str, dict[str, Any]]:
        new = request.app.state.store.split_article(aid)
        return f"/event/{new}", {"article": aid, "event": new}

    return await _write(request, action)


async def move(request: Request) -> Response:
    eid = request.path_params["eid"]

    def action(form: dict[str, str]) -> tuple[str, dict[str, Any]]:
        wanted = form.get("storyline", "").strip() or None
        sid = request.app.state.store.move_event(eid, wanted)
        return f"/storyline/{sid}", {"event": eid, "storyline": sid}

    return await _write(request, action)


async def prefs(request: Request) -> Response:
    def action(form: dict[str, str]) -> tuple[str, dict[str, Any]]:
        mode = form.get("mode", "")
        on = mode in {"hide", "mute"}
        store = request.app.state.prefs
        store.set(form.get("kind", ""), form.get("key", ""), mode if on else "hide", on)
        back = form.get("next", "/")
        return (back if _local(back) else "/"), store.as_dict()

    return await _write(request, action)


def _local(path: str) -> bool:
    """Only same-site paths are followed after a form (no open redirect)."""
    return path.startswith("/") and not path.startswith("//") and "\\" not in path


async def login(request: Request) -> Response:
    """``GET /login?token=T`` (the link ``storyline serve`` prints) or a posted token form."""
    guard = request.app.state.guard
    token = request.query_params.get("token")
    nxt = request.query_params.get("next", "/")
    if request.method == "POST":
        form = await request.form()
        token = str(form.get("token", ""))
        nxt = str(form.get("next", "/"))
    if not token:
        return html(request, "login.html", {"next": nxt if _local(nxt) else "/", "failed": False})
    if not guard.valid_token(token):
        return html(request, "login.html", {"next": "/", "failed": True}, status=403)
    response = RedirectResponse(nxt if _local(nxt) else "/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        guard.session_for(token),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=30 * 24 * 3600,
    )
    return response


async def logout(request: Request) -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
