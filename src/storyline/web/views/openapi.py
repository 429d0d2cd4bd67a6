"""The OpenAPI 3.1 description of the JSON API, generated from the app's route table."""

from __future__ import annotations

import re
from typing import Any

from storyline import __version__

__all__ = ["openapi"]

_ENVELOPE: dict[str, Any] = {
    "type": "object",
    "required": ["ok", "kind", "version"],
    "properties": {
        "ok": {"type": "boolean"},
        "kind": {"type": "string"},
        "data": {"description": "the page's data; its shape depends on `kind`"},
        "links": {"type": "object", "additionalProperties": {"type": "string"}},
        "error": {
            "type": "object",
            "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
        },
        "version": {"type": "string"},
    },
}

_QUERY = {
    "/search.json": ["q", "from", "to", "source", "language", "entity"],
    "/entities.json": ["q"],
}
_FORM = {
    "merge": {"target": "the event to merge into"},
    "move": {"storyline": "the storyline to move to (empty: a new one)"},
    "prefs": {"kind": "source or entity", "key": "its id", "mode": "hide, mute or show"},
    "split": {},
}


def openapi(routes: list[tuple[str, str, str, str]]) -> dict[str, Any]:
    """The description of ``routes``: (path, method, summary, name) of every API route."""
    paths: dict[str, Any] = {}
    for path, method, summary, name in routes:
        params = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in re.findall(r"\{(\w+)\}", path)
        ]
        params += [
            {"name": q, "in": "query", "required": False, "schema": {"type": "string"}}
            for q in _QUERY.get(path, [])
        ]
        op: dict[str, Any] = {
            "summary": summary,
            "operationId": name,
            "parameters": params,
            "responses": {
                "200": {
                    "description": "the envelope",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}}
                    },
                },
                "404": {"description": "not found (envelope with ok=false)"},
            },
        }
        if method == "post":
            fields = _FORM.get(name, {})
            op["security"] = [{"token": []}]
            op["responses"]["403"] = {"description": "no valid token"}
            op["requestBody"] = {
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                k: {"type": "string", "description": v} for k, v in fields.items()
                            },
                        }
                    }
                }
            }
        paths.setdefault(path, {})[method] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Storyline",
            "version": __version__,
            "description": "Every page of the web app as JSON in one envelope. Reads need no "
            "token on a loopback address; writes need `Authorization: Bearer TOKEN`.",
        },
        "paths": paths,
        "components": {
            "schemas": {"Envelope": _ENVELOPE},
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
    }
