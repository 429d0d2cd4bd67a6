"""Property-based fuzzing (hypothesis) of every reader of untrusted input.

Each property feeds generated input to a target of :mod:`storyline.reliability.targets`:
the target may return or refuse with a StorylineError, never raise anything else. The
strategies build *structured* input (feeds with odd dates and markup, ISO times at the ends
of the calendar, JSONL lines of any JSON value, search-box text with operators), which finds
what random bytes do not; atheris (``storyline selftest``) covers the byte level.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyline.reliability.targets import run_target

pytestmark = pytest.mark.reliability

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

_years = st.integers(0, 10_000).map(lambda y: f"{y:04d}")
_offsets = st.sampled_from(["", "Z", "+00:00", "-05:00", "+14:00", "-23:59", "+5", "+25:00"])
iso_times = st.builds(
    lambda y, m, d, h, o: f"{y}-{m:02d}-{d:02d}T{h:02d}:59:59{o}",
    _years,
    st.integers(0, 13),
    st.integers(0, 32),
    st.integers(0, 24),
    _offsets,
)
date_words = st.sampled_from(
    [
        "tomorrow",
        "yesterday",
        "next week",
        "last month",
        "next year",
        "on Monday",
        "days ago",
        "31 December",
        "Feb 29",
        "21/04/2001",
        "4.7.2024",
        "1 July 9999",
        "0",
    ]
)
markup = st.recursive(
    st.text(max_size=20)
    | st.sampled_from(["&amp;", "&lol;", "&#0;", "&#x110000;", "\x00", "\u202e"]),
    lambda inner: st.builds(
        lambda tag, body, attr: f"<{tag} {attr}>{body}</{tag}>",
        st.sampled_from(["p", "div", "script", "a", "b", "table", "tr", "iframe", "x:y", "br"]),
        st.lists(inner, max_size=4).map("".join),
        st.sampled_from(["", 'href="javascript:x"', "onload=a", 'lang="\x00"', "=="]),
    ),
    max_leaves=20,
)


@FUZZ
@given(iso_times, st.lists(date_words, max_size=8).map(" ".join), st.dates(date.min, date.max))
def test_date_resolvers_never_crash(value: str, words: str, day: date) -> None:
    prefix = day.toordinal().to_bytes(3, "big")
    run_target("dates", b"\x01" + prefix[1:] + prefix[:1] + f"{value}\n{words}".encode())
    run_target("dates", prefix + value.encode())


@FUZZ
@given(
    st.lists(st.tuples(markup, iso_times | st.text(max_size=30), st.text(max_size=30)), max_size=6),
    st.sampled_from(["rss", "atom", "json"]),
)
def test_feeds_never_crash(items: list[tuple[str, str, str]], kind: str) -> None:
    if kind == "json":
        doc = {
            "version": "https://jsonfeed.org/version/1.1",
            "items": [
                {"id": n, "content_html": body, "date_published": when, "url": link}
                for n, (body, when, link) in enumerate(items)
            ],
        }
        run_target("feed", json.dumps(doc).encode("utf-8", "surrogatepass"))
        return
    tag, date_tag = ("item", "pubDate") if kind == "rss" else ("entry", "updated")
    inner = "".join(
        f"<{tag}><title>{body}</title><link>{link}</link><{date_tag}>{when}</{date_tag}>"
        f"<description><![CDATA[{body}]]></description></{tag}>"
        for body, when, link in items
    )
    root = (
        '<rss version="2.0"><channel>{}</channel></rss>'
        if kind == "rss"
        else ('<feed xmlns="http://www.w3.org/2005/Atom">{}</feed>')
    )
    run_target("feed", root.format(inner).encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.lists(markup, max_size=5).map("".join))
def test_html_fragments_never_crash(fragment: str) -> None:
    run_target("fragment", fragment.encode("utf-8", "surrogatepass"))


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(markup, min_size=1, max_size=6).map("".join), iso_times)
def test_pages_never_crash(body: str, published: str) -> None:
    page = (
        f'<html><head><meta property="article:published_time" content="{published}">'
        f"</head><body><article>{body}<p>{'Leaders met in Oslo today. ' * 8}</p></article>"
        "</body></html>"
    )
    run_target("html", page.encode("utf-8", "surrogatepass"))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@FUZZ
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "id": json_values,
                "title": json_values,
                "text": json_values,
                "published": iso_times | json_values,
            }
        ).map(lambda d: json.dumps(d))
        | st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
        max_size=5,
    )
)
def test_jsonl_never_crashes(lines: list[str]) -> None:
    run_target("jsonl", "\n".join(lines).encode("utf-8", "surrogatepass"))


@FUZZ
@given(
    st.lists(
        st.text(max_size=12)
        | st.sampled_from(
            ['"', "-", "OR", "AND", "NOT", "NEAR(", "*", "^", ":", "(", ")", "''", "\x00"]
        ),
        max_size=12,
    ).map(" ".join)
)
def test_every_search_query_is_valid_fts5(query: str) -> None:
    run_target("query", query.encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.binary(max_size=400))
def test_warc_reader_never_crashes(data: bytes) -> None:
    run_target("warc", b"WARC/1.0\r\n" + data)
