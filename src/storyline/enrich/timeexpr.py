"""Time expressions: dates in the text, normalised, relative ones resolved.

Values follow TIMEX3 (Pustejovsky et al. 2003, "TimeML") granularity: a day ``2024-08-21``,
an ISO week ``2024-W34`` (a weekend ``2024-W34-WE``), a month ``2024-08`` or a year ``2024``.
Relative expressions ("on Wednesday", "Thursday's call", "last week", "yesterday") are
resolved against the article's publication date, the reference time news taggers use
(Strötgen and Gertz 2010, "HeidelTime", for the news domain): a bare weekday is the latest
such day on or before publication, unless a future cue ("will", "next", "expected") comes
just before it. Without a publication date a relative expression is reported with no value.
Month names come from the extraction's publication-date parser (``extract/dates.py``), plus
the Portuguese, Dutch and Italian spellings it lacks.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from storyline.enrich.base import DateMention
from storyline.extract.dates import _MONTHS

__all__ = ["find_dates"]

MONTHS: dict[str, int] = {**_MONTHS}
for _number, _names in enumerate(
    (
        "gennaio",
        "fevereiro febbraio",
        "março marco maart marzo",
        "aprile",
        "maio mei maggio",
        "junho giugno",
        "julho luglio",
        "agosto",
        "setembro settembre",
        "outubro oktober ottobre",
        "novembro",
        "dezembro dicembre",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS.setdefault(_name, _number)

WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "monday lundi montag lunes segunda-feira maandag mandag måndag lunedì",
        "tuesday mardi dienstag martes terça-feira dinsdag tirsdag tisdag martedì",
        "wednesday mercredi mittwoch miércoles quarta-feira woensdag onsdag mercoledì",
        "thursday jeudi donnerstag jueves quinta-feira donderdag torsdag giovedì",
        "friday vendredi freitag viernes sexta-feira vrijdag fredag venerdì",
        "saturday samedi samstag sábado zaterdag lørdag lördag sabato",
        "sunday dimanche sonntag domingo zondag søndag söndag domenica",
    )
):
    for _name in _names.split():
        WEEKDAYS[_name] = _number

_DAY_WORDS: dict[str, int] = {}
for _offset, _names in (
    (0, "today aujourd'hui aujourd’hui heute hoy hoje vandaag idag oggi"),
    (-1, "yesterday hier gestern ayer ontem gisteren igår ieri"),
    (1, "tomorrow demain morgen mañana amanhã imorgon domani"),
):
    for _name in _names.split():
        _DAY_WORDS[_name] = _offset
_MULTIWORD_DAYS = {"i dag": 0, "i går": -1, "i morgen": 1}

_UNITS: dict[str, str] = {}
for _unit, _names in (
    ("week", "week semaine woche semana uke vecka weekend weekeinde wochenende helgen helga"),
    ("month", "month mois monat mes mês maand måned månad"),
    ("year", "year année jahr año ano jaar år"),
):
    for _name in _names.split():
        _UNITS[_name] = _unit
_LAST = (
    r"last|previous|late\s+last|earlier\s+last|dernière|dernier|passée|passé|letzte[nrs]?|"
    r"vergangene[nrs]?|vorige[nrs]?|pasada|pasado|passada|passado|vorige|afgelopen|forrige|förra"
)
_THIS = (
    r"this|earlier\s+this|later\s+this|cette|ce|diese[nrs]?|esta|este|deze|dit|denne|dette|nästa"
)
_NEXT = (
    r"next|coming|prochaine|prochain|nächste[nrs]?|kommende[nrs]?|próxima|próximo|volgende|neste"
)

_MONTH_RE = "(?:" + "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True)) + r")\.?"
_WEEKDAY_RE = "(?:" + "|".join(sorted(map(re.escape, WEEKDAYS), key=len, reverse=True)) + ")"
_UNIT_RE = "(?:" + "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True)) + ")"
_DAY_WORD_RE = (
    "(?:"
    + "|".join(sorted(map(re.escape, [*_DAY_WORDS, *_MULTIWORD_DAYS]), key=len, reverse=True))
    + ")"
)
_YEAR = r"(?P<year>(?:19|20)\d\d)"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("iso", re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<mon>[01]\d)-(?P<day>[0-3]\d)\b")),
    (
        "mdy",
        re.compile(
            rf"\b(?P<month>{_MONTH_RE})\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b(?:,?\s+{_YEAR}\b)?",
            re.I,
        ),
    ),
    (
        "dmy",
        re.compile(
            rf"\b(?P<day>[0-3]?\d)(?:\.|er|st|nd|rd|th)?\s+(?:de\s+|of\s+)?(?P<month>{_MONTH_RE})"
            rf"(?:,?\s+(?:de\s+)?{_YEAR}\b)?",
            re.I,
        ),
    ),
    ("dotted", re.compile(r"\b(?P<day>[0-3]?\d)\.(?P<mon>[01]?\d)\.(?P<year>(?:19|20)\d\d)\b")),
    (
        "slashed",
        re.compile(r"\b(?P<a>[0-3]?\d)/(?P<b>[0-3]?\d)/(?P<year>(?:19|20)\d\d|\d\d)\b"),
    ),
    ("month-year", re.compile(rf"\b(?P<month>{_MONTH_RE})\s+(?:de\s+)?{_YEAR}\b", re.I)),
    (
        "in-year",
        re.compile(
            rf"\b(?:in|since|of|the|a|until|by|early|late|mid|en|im|em|i|dal|desde|sinds|seit)"
            rf"\s+{_YEAR}\b(?![-–%,.]\d|\s*%|\s*[-–]\s*\d)",
            re.I,
        ),
    ),
    (
        "relative-unit",
        re.compile(
            rf"\b(?P<rel>{_LAST}|{_THIS}|{_NEXT})\s+(?P<unit>{_UNIT_RE})\b"
            rf"|\b(?P<unit2>{_UNIT_RE})\s+(?P<rel2>dernière|dernier|passée|passé|pasada|pasado|"
            rf"passada|passado|prochaine|prochain|que\s+vem)\b",
            re.I,
        ),
    ),
    ("ago", re.compile(r"\b(?P<n>\d+|one|two|three|four|five|six|seven)\s+days?\s+ago\b", re.I)),
    ("day-word", re.compile(rf"(?<!\w)(?P<dayword>{_DAY_WORD_RE})(?!\w)", re.I)),
    ("weekday", re.compile(rf"\b(?P<weekday>{_WEEKDAY_RE})(?:['’]s|en|s)?\b", re.I)),
)
_FUTURE_CUE = re.compile(
    r"\b(?:will|would|next|coming|expected|scheduled|set\s+to|plans?\s+to|due|until|by|"
    r"wird|werden|va|vont|prochain|prochaine|kommenden?|próxim[oa]|volgende|neste|nästa)\b"
    r"[^.!?]{0,25}$",
    re.I,
)
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


def _week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _month_value(day: date, shift: int) -> str:
    months = day.year * 12 + day.month - 1 + shift
    return f"{months // 12}-{months % 12 + 1:02d}"


def _absolute(kind: str, groups: dict[str, str | None], published: date | None) -> str | None:
    month: int | None = None
    if groups.get("month"):
        month = MONTHS.get(str(groups["month"]).casefold().rstrip("."))
    elif groups.get("mon"):
        month = int(str(groups["mon"]))
    year = int(str(groups["year"])) if groups.get("year") else None
    if kind == "in-year":
        return str(year)
    if kind == "slashed":
        return _slashed(groups, year)
    if month is None or not 1 <= month <= 12:
        return None
    if kind == "month-year":
        return f"{year}-{month:02d}"
    day_number = int(str(groups["day"]))
    if year is None:
        if published is None:
            return None
        # The year that puts the date nearest the publication date.
        candidates = [published.year - 1, published.year, published.year + 1]
        best: date | None = None
        for candidate in candidates:
            try:
                value = date(candidate, month, day_number)
            except ValueError:
                continue
            if best is None or abs((value - published).days) < abs((best - published).days):
                best = value
        return best.isoformat() if best else None
    try:
        return date(year, month, day_number).isoformat()
    except ValueError:
        return None


def _slashed(groups: dict[str, str | None], year: int | None) -> str | None:
    """``21/04/2001``: day first (most of the world), month first when the day cannot be."""
    a, b = int(str(groups["a"])), int(str(groups["b"]))
    if year is not None and year < 100:
        year += 2000
    day, month = (b, a) if b > 12 >= a else (a, b)
    try:
        return date(year or 0, month, day).isoformat()
    except ValueError:
        return None


def _relative(
    kind: str, groups: dict[str, str | None], text: str, start: int, published: date
) -> str | None:
    if kind == "day-word":
        word = str(groups["dayword"]).casefold()
        offset = _DAY_WORDS.get(word, _MULTIWORD_DAYS.get(re.sub(r"\s+", " ", word), 0))
        return (published + timedelta(days=offset)).isoformat()
    if kind == "ago":
        raw = str(groups["n"]).casefold()
        days = int(raw) if raw.isdigit() else _NUMBERS[raw]
        return (published - timedelta(days=days)).isoformat()
    if kind == "weekday":
        target = WEEKDAYS[str(groups["weekday"]).casefold()]
        future = _FUTURE_CUE.search(text[max(0, start - 60) : start]) is not None
        delta = (target - published.weekday()) % 7
        if future:
            return (published + timedelta(days=delta)).isoformat()
        return (published - timedelta(days=(published.weekday() - target) % 7)).isoformat()
    rel = str(groups.get("rel") or groups.get("rel2") or "").casefold()
    unit_word = str(groups.get("unit") or groups.get("unit2") or "").casefold()
    unit = _UNITS.get(unit_word, "week")
    shift = 0
    if re.fullmatch(_LAST, rel, re.I):
        shift = -1
    elif re.fullmatch(_NEXT + r"|que\s+vem", rel, re.I):
        shift = 1
    if unit == "week":
        value = _week(published + timedelta(weeks=shift))
        weekend = unit_word in {"weekend", "weekeinde", "wochenende", "helgen", "helga"}
        return value + "-WE" if weekend else value
    if unit == "month":
        return _month_value(published, shift)
    return str(published.year + shift)


def _resolve_relative(
    kind: str, groups: dict[str, str | None], text: str, start: int, published: date | None
) -> str | None:
    """A relative expression's value, or None without a publication date or when it falls
    outside the calendar (``tomorrow`` of 9999-12-31, ``99999999999 days ago``)."""
    if published is None:
        return None
    try:
        return _relative(kind, groups, text, start, published)
    except (OverflowError, ValueError):
        return None


def _lowercase_short_month(groups: dict[str, str | None]) -> bool:
    month = str(groups.get("month") or "")
    return len(month.rstrip(".")) <= 3 and month.islower() and not groups.get("year")


def find_dates(text: str, published: date | None) -> list[DateMention]:
    """Time expressions in ``text`` in order, with values; relative ones need ``published``."""
    taken: list[tuple[int, int]] = []
    found: list[DateMention] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken):
                continue
            groups = match.groupdict()
            relative = kind in {"relative-unit", "ago", "day-word", "weekday"}
            if (
                kind == "weekday"
                and match.group(0)[0].islower()
                and groups["weekday"] in ("domingo", "sábado")
            ):
                continue
            if kind in {"mdy", "dmy"} and _lowercase_short_month(groups):
                continue  # "14 may have", "mar" (the sea): a short month needs a capital or year
            if relative:
                value = _resolve_relative(kind, groups, text, start, published)
            else:
                value = _absolute(kind, groups, published)
                if value is None and kind != "mdy" and kind != "dmy":
                    continue
                if value is None:
                    relative = True  # "August 21" without a year or a publication date
            taken.append((start, end))
            found.append(
                DateMention(match.group(0).rstrip(".,"), value or "", start, end, relative)
            )
    found.sort(key=lambda d: d.start)
    return found
