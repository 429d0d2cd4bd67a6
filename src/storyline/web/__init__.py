"""The web app and JSON API (docs/web.md): Starlette + Jinja2 + vendored htmx.

Needs the ``web`` extra (``pip install 'storyline[web]'``); ``storyline serve`` runs it.
"""

from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str) -> object:
    if name == "create_app":
        from storyline.web.app import create_app

        return create_app
    raise AttributeError(name)
