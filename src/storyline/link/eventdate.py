"""When did it happen? Event dates from relative expressions, resolved against a reference.

News leads say "on Wednesday", "Thursday's call", "yesterday" or "last week"; the event
date is that expression resolved against the article's publication date, which is what a
timeline needs (the call took place on Wednesday, the report came out on Thursday). This
follows the TimeML/TIMEX3 practice of anchoring relative expressions to the document
creation time (Pustejovsky et al. 2003; Strötgen & Gertz 2010, HeidelTime).

The expressions themselves are found and resolved by the enrichment stage's time tagger
(:func:`storyline.enrich.timeexpr.find_dates`: English plus the seed languages' weekdays,
day words and month names), so there is one resolver in Storyline. This module only
decides which of them is *the event's* date: the first day-precise expression of the lead
(the first :data:`LEAD_CHARS` characters), since news states when it happened up front,
and never one more than a month after the reference (a scheduled future date is not when
the reported event took place). Without one, the publication date stands in.

**Without a publication date** (a bare text file, a page whose date was not found) the
reference time comes from the text itself, as HeidelTime does for narratives that carry no
creation time (Strötgen & Gertz 2013, "Multilingual and cross-domain temporal tagging",
section 4.2: the previously mentioned date is the reference): the first full date in the
text (a dateline "WASHINGTON, July 3 (Reuters)", "on 3 July 2024"), a month and day without
a year taking the year the text mentions most ("© 2024"). If the text names no date at
all, only the weekday of the lead's first weekday expression is known ("spoke on
Wednesday"): :func:`event_weekday` returns it, and the clusterer treats two events on
different weekdays as at least a day apart.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

from storyline.enrich.timeexpr import WEEKDAYS, find_dates
from storyline.model import Article

__all__ = [
    "LEAD_CHARS",
    "WEEKDAY_GAP_DAYS",
    "anchor_date",
    "event_date",
    "event_weekday",
    "lead_weekday",
    "resolve",
    "usual_date",
    "usual_weekday",
    "weekday_gap",
]

#: Characters of title + text read for the event date.
LEAD_CHARS = 600
#: Characters of text searched for a reference date when the publication date is missing.
ANCHOR_CHARS = 3000
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_WEEKDAY = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, WEEKDAYS), key=len, reverse=True)) + r")(?:['’]s)?\b",
    re.I,
)
#: Words just before a weekday that make it a plan, not the reported happening.
_FUTURE = re.compile(
    r"\b(?:will|would|next|coming|expected|scheduled|set\s+to|plans?\s+to|due|until|by)\b"
    r"[^.!?]{0,25}$",
    re.I,
)


def resolve(text: str, published: date | None) -> date | None:
    """The first day-precise date expression of ``text``, resolved against ``published``."""
    mentions = sorted(find_dates(text, published), key=lambda m: m.start)
    for mention in mentions:
        if len(mention.value) != 10:
            continue  # a week, a month or a year: not a day
        try:
            return date.fromisoformat(mention.value)
        except ValueError:
            continue
    return None


def _text_year(text: str) -> int | None:
    """The year ``text`` mentions most (the latest on ties), if any."""
    years = Counter(int(y) for y in _YEAR.findall(text))
    if not years:
        return None
    return max(years.items(), key=lambda kv: (kv[1], kv[0]))[0]


def anchor_date(text: str) -> date | None:
    """A reference date found in ``text`` itself (see the module docstring), or ``None``.

    The first absolute day-precise date; a month and day without a year ("July 3") take
    the year mentioned most in the text.
    """
    head = text[:ANCHOR_CHARS]
    year: int | None = None
    for mention in sorted(find_dates(head, None), key=lambda m: m.start):
        if len(mention.value) == 10:
            try:
                return date.fromisoformat(mention.value)
            except ValueError:
                continue
        if mention.value or not any(ch.isdigit() for ch in mention.text):
            continue  # a relative expression ("on Wednesday"), a month or a year
        if year is None:
            year = _text_year(head)
            if year is None:
                return None
        found = resolve(f"{mention.text}, {year}", None)
        if found is not None:
            return found
    return None


def _lead(article: Article) -> str:
    return f"{article.title}. {article.text}"[:LEAD_CHARS]


def event_date(article: Article) -> date | None:
    """When the article's event happened: its lead's first resolvable date expression,
    else its publication date (``None`` when neither is known). Without a publication
    date, relative expressions are resolved against :func:`anchor_date`."""
    published = article.published.date() if article.published is not None else None
    reference = published
    if reference is None:
        reference = anchor_date(f"{article.title}. {article.text}")
    found = resolve(_lead(article), reference)
    if found is not None and reference is not None and found > reference + timedelta(days=31):
        found = None
    return found or reference


def event_weekday(article: Article) -> int | None:
    """The weekday (Monday = 0) of the lead's first past weekday expression, for articles
    whose event date is unknown (no publication date and no date in the text); ``None``
    otherwise."""
    if article.published is not None or event_date(article) is not None:
        return None
    return lead_weekday(article)


def lead_weekday(article: Article) -> int | None:
    """The weekday of the lead's first past weekday expression, whatever else is known
    (:func:`event_weekday` without its checks, for callers that made them)."""
    lead = _lead(article)
    for match in _WEEKDAY.finditer(lead):
        if _FUTURE.search(lead[max(0, match.start() - 60) : match.start()]):
            continue
        return WEEKDAYS[match.group(1).casefold()]
    return None


#: The gap assumed between happenings on different weekdays when no date is known: the
#: mean of the 1 to 6 days two different weekdays of one week are apart.
WEEKDAY_GAP_DAYS = 3.5


def usual_date(dates: Counter[date]) -> date | None:
    """An event's date: the one most of its members resolve to (the earliest on ties)."""
    if not dates:
        return None
    return min(dates.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def usual_weekday(weekdays: Counter[int]) -> int | None:
    """The weekday most of a cluster's undated members name (the lowest on ties)."""
    if not weekdays:
        return None
    return min(weekdays.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def weekday_gap(weekday: int | None, weekdays: Counter[int]) -> float | None:
    """Days between an undated article (or event) and a cluster by what the texts say:
    :data:`WEEKDAY_GAP_DAYS` when both only name the weekday of the happening and the
    weekdays differ, else unknown. Used only when a publication time is missing on either side.

    Dates read from the text (:func:`anchor_date`) date events for timelines but do not
    enter the score: on WikinewsSum, whose articles carry no publication dates, a gap between
    text dates cost 0.08 of dev B-cubed F1 (background pages and follow-ups name other days),
    while different weekdays cost nothing.
    """
    usual = usual_weekday(weekdays)
    if weekday is None or usual is None:
        return None
    return WEEKDAY_GAP_DAYS if usual != weekday else None
