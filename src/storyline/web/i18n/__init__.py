"""The interface's languages: English and Norwegian Bokmål, from JSON catalogues.

The language is chosen, in order, by ``?lang=`` (the switch, remembered in a cookie), the
``lang`` cookie, then the browser's ``Accept-Language`` (RFC 9110, section 12.5.4: the
highest-weighted tag we have wins; ``no`` and ``nn`` are served Bokmål, the nearest we have).
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

__all__ = ["DEFAULT", "LANGUAGES", "catalogue", "negotiate", "translate"]

#: Interface languages, with their own names for the switch.
LANGUAGES: dict[str, str] = {"en": "English", "nb": "Norsk bokmål"}
DEFAULT = "en"
_ALIASES = {"no": "nb", "nn": "nb", "nob": "nb", "nno": "nb", "eng": "en"}


@cache
def catalogue(language: str) -> dict[str, str]:
    """The message catalogue of one interface language (``en`` for unknown ones)."""
    code = language if language in LANGUAGES else DEFAULT
    text = files(__package__).joinpath(f"{code}.json").read_text(encoding="utf-8")
    data: dict[str, str] = json.loads(text)
    return data


def translate(language: str, key: str, **values: object) -> str:
    """The message ``key`` in ``language`` (English, then the key itself, as fallbacks)."""
    message = catalogue(language).get(key) or catalogue(DEFAULT).get(key) or key
    return message.format(**values) if values else message


def _known(tag: str) -> str | None:
    primary = tag.strip().lower().replace("_", "-").split("-")[0]
    primary = _ALIASES.get(primary, primary)
    return primary if primary in LANGUAGES else None


def negotiate(
    accept_language: str | None, *, chosen: str | None = None, cookie: str | None = None
) -> str:
    """The interface language for a request (see the module docstring)."""
    for explicit in (chosen, cookie):
        if explicit and (code := _known(explicit)):
            return code
    best: tuple[float, int, str] | None = None
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.partition(";")
        code = _known(tag)
        if code is None:
            continue
        weight = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                weight = float(params[2:])
            except ValueError:
                weight = 0.0
        if weight <= 0:
            continue
        if best is None or (weight, -position) > (best[0], best[1]):
            best = (weight, -position, code)
    return best[2] if best else DEFAULT
