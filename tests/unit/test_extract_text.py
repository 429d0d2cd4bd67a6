"""Plain-text helpers: title lines, derived titles, leads, decoding, dates, HTML titles."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime

import pytest

from storyline.errors import BadInputError
from storyline.extract import extract
from storyline.extract.blocks import Block, blocks_from_text
from storyline.extract.dates import date_in_text, parse_datetime, published_from_html
from storyline.extract.html import choose_title
from storyline.extract.text import (
    decode_text,
    derive_title,
    looks_binary,
    make_lead,
    split_title,
    truncate,
)
from storyline.model import RawDoc

BODY = "Heavy rain closed roads across the county on Wednesday, officials said."


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (f"Storm closes roads across the county\n{BODY}", "Storm closes roads across the county"),
        (f"Why did the harbour vote fail?\n{BODY}", "Why did the harbour vote fail?"),
        (f"“We will rebuild,” mayor says\n{BODY}", "“We will rebuild,” mayor says"),
        (f"(CNN) — President Joe Biden spoke on Wednesday\n{BODY}", None),
        (f"WASHINGTON (AP) — Officials said on Monday\n{BODY}", None),
        (f"The talks comes as negotiations had stalled.\n{BODY}", None),
        (f"Sport\n{BODY}", None),  # a section label, not a headline
        ("Storm closes roads across the county", None),  # nothing after it
        (f"Photo: Jane Doe\n{BODY}", None),
        (f"storm closes roads in the county\n{BODY}", None),
    ],
)
def test_split_title(text: str, title: str | None) -> None:
    found, lines = split_title(text)
    assert found == title
    assert len(lines) == text.count("\n") + 1 - (1 if title else 0)


def test_derive_title_strips_dateline_and_cuts() -> None:
    blocks = blocks_from_text(
        "(CNN) — President Joe Biden spoke with Israeli Prime Minister Benjamin Netanyahu on "
        "Wednesday about the ceasefire and hostage release deal. He also spoke to others."
    )
    title = derive_title(blocks, 60)
    assert title.startswith("President Joe Biden spoke with Israeli")
    assert title.endswith("…") and len(title) <= 60
    assert (
        derive_title(blocks_from_text("Short first sentence. Then more."), 100)
        == "Short first sentence"
    )
    assert derive_title([], 100) == ""


def test_truncate() -> None:
    assert truncate("short", 10) == "short"
    cut = truncate("one two three four five six seven", 16)
    assert cut == "one two three…" and len(cut) <= 16


def test_make_lead_prefers_first_real_paragraph_and_sentence_ends() -> None:
    blocks = [Block("Storm news", kind="head"), Block("- a list item", kind="item"), Block(BODY)]
    assert make_lead(blocks, 300) == BODY
    long = " ".join(["This sentence has exactly eight words in it."] * 10)
    lead = make_lead([Block(long)], 100)
    assert lead is not None and lead.endswith("in it.") and len(lead) <= 100
    assert make_lead([], 300) is None


def test_decode_text() -> None:
    assert decode_text("Blåbær\r\nsyltetøy".encode(), "f") == "Blåbær\nsyltetøy"
    assert decode_text("Blåbær".encode("cp1252"), "f") == "Blåbær"
    assert decode_text(codecs.BOM_UTF16_LE + "Blåbær".encode("utf-16-le"), "f") == "Blåbær"
    assert decode_text(codecs.BOM_UTF8 + b"abc", "f") == "abc"
    with pytest.raises(BadInputError, match="binary data"):
        decode_text(b"\x00\x01\x02" * 50, "f")
    with pytest.raises(BadInputError, match="binary data"):
        decode_text("a\x00b", "f")
    assert looks_binary(b"\x00abc") and not looks_binary(b"plain text\n")


def test_text_date_line_is_taken_and_removed() -> None:
    text = f"Storm closes roads across the county\nPublished 21 August 2024\n{BODY}"
    article = extract(RawDoc(origin="t.txt", content=text, media_type="text/plain"))
    assert article.published == datetime(2024, 8, 21, tzinfo=UTC)
    assert article.published_how == "text"
    assert article.text == BODY


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Published: August 21, 2024", BODY], datetime(2024, 8, 21, tzinfo=UTC)),
        (["21. august 2024", BODY], datetime(2024, 8, 21, tzinfo=UTC)),
        (["2024-08-21", BODY], datetime(2024, 8, 21, tzinfo=UTC)),
        (["Oppdatert 3. mars 2023 kl. 10.15", BODY], datetime(2023, 3, 3, tzinfo=UTC)),
        ([BODY + " The law passed on March 3, 2021 was cited."], None),
        (["Published: February 30, 2024", BODY], None),
    ],
)
def test_date_in_text(lines: list[str], expected: datetime | None) -> None:
    assert date_in_text(lines)[0] == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-08-21", datetime(2024, 8, 21, tzinfo=UTC)),
        ("2024-08-21T10:00:00Z", datetime(2024, 8, 21, 10, tzinfo=UTC)),
        ("2024-08-21T10:00:00+02:00", datetime(2024, 8, 21, 8, tzinfo=UTC)),
        ("2024-08-21T10:00:00", datetime(2024, 8, 21, 10, tzinfo=UTC)),
        ("21/08/2024", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_datetime(value: str | None, expected: datetime | None) -> None:
    assert parse_datetime(value) == expected


def test_published_from_html_prefers_a_precise_matching_timestamp() -> None:
    assert published_from_html("2024-08-21", ["2024-08-21T14:05:00-04:00"]) == datetime(
        2024, 8, 21, 18, 5, tzinfo=UTC
    )
    # a timestamp far from htmldate's (original) day is another date, e.g. a modification
    assert published_from_html("2024-08-21", ["2024-09-30T14:05:00Z"]) == datetime(
        2024, 8, 21, tzinfo=UTC
    )
    assert published_from_html(None, ["2024-08-21T14:05:00+00:00"]) == datetime(
        2024, 8, 21, 14, 5, tzinfo=UTC
    )
    assert published_from_html(None, ["2024-08-21T14:05:00"]) is None  # no offset: unknown zone
    assert published_from_html(None, None) is None


@pytest.mark.parametrize(
    ("meta", "h1s", "site", "heads", "expected"),
    [
        (
            "Storm closes roads | Daily Example",
            ["Storm closes roads"],
            "Daily Example",
            [],
            "Storm closes roads",
        ),
        (
            "SEO title about storms",
            ["Storm closes roads in county"],
            None,
            [],
            "Storm closes roads in county",
        ),
        (
            "Storm closes roads – Daily Example",
            ["Daily Example"],
            "Daily Example",
            [],
            "Storm closes roads",
        ),
        (
            "Storm closes roads - Extra words",
            [],
            None,
            ["Storm closes roads"],
            "Storm closes roads",
        ),
        ("Storm closes roads", ["Menu", "Another heading here"], None, [], "Another heading here"),
        (
            "Storm closes roads",
            ["Main menu bar", "Another heading here"],
            None,
            [],
            "Storm closes roads",
        ),
        (
            "Storm closes roads | Harbour Times",
            ["Harbour Times"],
            None,
            [],
            "Storm closes roads | Harbour Times",
        ),
        (None, [], None, [], None),
    ],
)
def test_choose_title(
    meta: str | None, h1s: list[str], site: str | None, heads: list[str], expected: str | None
) -> None:
    assert choose_title(meta, h1s, site, heads) == expected
