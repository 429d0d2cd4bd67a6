"""Publication dates: parse what inputs give, find one in a text's first lines.

A wrong date is worse than none (it misplaces an article on a timeline), so every function
here returns ``None`` rather than guess: only explicit, complete dates are accepted, and times
without a zone are taken as UTC only where the input format says so (ISO-8601 input fields).
Month names cover the languages the cleaning supports (en, nb/no, de, fr, es, sv, da).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

__all__ = ["date_in_text", "parse_datetime", "published_from_html"]

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan januar janvier enero januari janeiro",
        "february feb februar février fevrier febrero februari",
        "march mar märz maerz mars marzo",
        "april apr avril abril",
        "may mai mayo maj",
        "june jun juni juin junio",
        "july jul juli juillet julio",
        "august aug août aout agosto augusti",
        "september sep sept septembre septiembre",
        "october oct oktober octobre octubre",
        "november nov novembre noviembre",
        "december dec desember dezember décembre decembre diciembre",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

_MONTH = "(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATE_PATTERNS = (
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<mon>[01]\d)-(?P<day>[0-3]\d)\b"),
    re.compile(
        rf"\b{_MONTH}\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b", re.I
    ),
    re.compile(
        rf"\b(?P<day>[0-3]?\d)\.?\s+(?:de\s+)?{_MONTH}\s+(?:de\s+)?(?P<year>(?:19|20)\d\d)\b", re.I
    ),
    re.compile(r"\b(?P<day>[0-3]?\d)\.(?P<mon>[01]?\d)\.(?P<year>(?:19|20)\d\d)\b"),
)
_PUBLISHED_CUE = re.compile(
    r"^(?:published|posted|updated|last\s+updated|publisert|oppdatert|veröffentlicht|aktualisiert"
    r"|publié|mis\s+à\s+jour|publicado|actualizado|publicerad|uppdaterad|publiceret|opdateret)\b",
    re.I,
)


def parse_datetime(value: object, *, default_utc: bool = True) -> datetime | None:
    """An ISO-8601 date or datetime as an aware UTC ``datetime``, else ``None``.

    A bare date becomes midnight UTC of that day. A datetime without an offset is taken as
    UTC when ``default_utc`` (the input contract says so), else rejected.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text[:10]), time())
        except ValueError:
            return None
        if len(text) > 10:
            return None
    if parsed.tzinfo is None:
        if not default_utc:
            return None
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-05:00 or 0001-01-01T00:00+05:00: no UTC time
        return None


def published_from_html(meta_date: str | None, meta_values: list[str] | None) -> datetime | None:
    """The publication time of a page.

    ``meta_date`` is htmldate's day (``YYYY-MM-DD``, the original rather than the modified
    date); ``meta_values`` are the raw ``article:published_time``-style values of the page.
    A full timestamp with an offset is preferred when it falls on htmldate's day (or htmldate
    found none); otherwise the day at midnight UTC.
    """
    day = parse_datetime(meta_date) if meta_date else None
    for value in meta_values or ():
        precise = parse_datetime(value, default_utc=False)
        if precise is None or len(value.strip()) <= 10:
            continue
        if day is None or abs((precise - day).total_seconds()) < 36 * 3600:
            return precise
    return day


def _to_date(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    month = _MONTHS.get(groups["month"].lower()) if groups.get("month") else None
    if month is None and groups.get("mon"):
        month = int(groups["mon"])
    if month is None:
        return None
    try:
        return date(int(groups["year"]), month, int(groups["day"]))
    except ValueError:
        return None


def date_in_text(lines: list[str], *, max_lines: int = 3) -> tuple[datetime | None, int | None]:
    """A publication date stated in the first lines of a text, and the index of that line.

    Only short lines are considered (a dateline or a "Published ..." line, at most 15
    words), so a date mentioned in the story itself is not taken for its publication date.
    """
    for index, line in enumerate(lines[:max_lines]):
        if len(line.split()) > 15:
            continue
        for pattern in _DATE_PATTERNS:
            match = pattern.search(line)
            if match is None:
                continue
            found = _to_date(match)
            if found is not None:
                is_date_line = _PUBLISHED_CUE.match(line) is not None or len(line.split()) <= 8
                if is_date_line:
                    return datetime.combine(found, time(), tzinfo=UTC), index
    return None, None
