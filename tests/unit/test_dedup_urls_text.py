"""Canonical URLs and the text normalisation duplicate detection relies on."""

from __future__ import annotations

import pytest

from storyline.dedup.text import body_lines, fact_tokens, normalise_title, strip_dateline
from storyline.dedup.urls import canonical_url

BASE = "https://example.com/news/2024/rate-hike"


@pytest.mark.parametrize(
    "variant",
    [
        BASE,
        "http://www.example.com/news/2024/rate-hike/",
        "https://m.example.com/news/2024/rate-hike?utm_source=twitter&utm_medium=social",
        "https://example.com/news/2024/rate-hike/amp",
        "https://amp.example.com/news/2024/rate-hike.amp",
        "https://EXAMPLE.com:443/news/2024/rate-hike?fbclid=abc#comments",
        "https://example-com.cdn.ampproject.org/c/s/example.com/news/2024/rate-hike",
        "https://www.google.com/url?q=https%3A%2F%2Fexample.com%2Fnews%2F2024%2Frate-hike",
        "https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com%2Fnews%2F2024%2Frate-hike",
        "https://example.com/news/2024/rate-hike?outputType=amp",
    ],
)
def test_address_variants_share_one_key(variant: str) -> None:
    assert canonical_url(variant) == canonical_url(BASE) == BASE


def test_meaningful_parameters_stay_and_are_sorted() -> None:
    assert canonical_url("https://example.com/a?page=2&id=7&utm_campaign=x") == (
        "https://example.com/a?id=7&page=2"
    )
    assert canonical_url("https://example.com/a?id=7") != canonical_url(
        "https://example.com/a?id=8"
    )


@pytest.mark.parametrize("value", [None, "", "  ", "mailto:x@example.com", "file:///etc/passwd"])
def test_non_web_addresses_have_no_key(value: str | None) -> None:
    assert canonical_url(value) is None


@pytest.mark.parametrize(
    ("line", "rest"),
    [
        ("OSLO (NTB) – The government resigned today.", "The government resigned today."),
        ("WASHINGTON (AP) — The Senate voted on Friday.", "The Senate voted on Friday."),
        ("LONDON, May 1 (Reuters) - Shares fell sharply.", "Shares fell sharply."),
        ("(CNN) — President Joe Biden spoke with", "President Joe Biden spoke with"),
        ("PARIS — Talks resumed on Monday morning.", "Talks resumed on Monday morning."),
    ],
)
def test_datelines_are_stripped(line: str, rest: str) -> None:
    assert strip_dateline(line) == rest


def test_a_bare_credit_is_not_a_dateline() -> None:
    assert strip_dateline("PARIS (AFP)") == "PARIS (AFP)"


def test_body_lines_drop_notices_and_keep_story() -> None:
    text = (
        "OSLO (NTB) – The storting passed the budget after a long night of talks.\n"
        "The vote was 86 to 83.\n\n"
        "Read more »\nShare this article\n© 2024 Daily Ledger. All rights reserved."
    )
    assert body_lines(text) == [
        "The storting passed the budget after a long night of talks.",
        "The vote was 86 to 83.",
    ]


def test_titles_lose_update_tags_and_site_suffix() -> None:
    assert normalise_title("UPDATE 2-Oil prices rise | Daily Ledger") == "oil prices rise"
    assert normalise_title("BREAKING: Quake hits Japan - Coast Herald") == "quake hits japan"


def test_facts_are_numbers_and_names_not_sentence_openers() -> None:
    lines = ["The storting in Oslo passed the budget by 86 votes to 83 after talks with Venstre."]
    assert fact_tokens(lines) == ["oslo", "86", "83", "venstre"]
