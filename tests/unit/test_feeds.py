"""Feed parsing: every format, broken feeds, encodings, refusals, discovery and identity."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storyline.errors import SourceError
from storyline.ingest.feeds import (
    FeedItem,
    discover_feeds,
    html_to_text,
    item_keys,
    looks_like_feed,
    normalise_url,
    parse_feed,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "feeds"


def fixture(name: str) -> bytes:
    return (DATA / name).read_bytes().replace(b"{host}", b"news.example")


@pytest.mark.parametrize(
    ("name", "kind", "title", "items"),
    [
        ("rss091.xml", "rss091u", "Old Town Crier", 1),
        ("rss10.rdf", "rss10", "Valley Observer", 1),
        ("rss20.xml", "rss20", "Harbour Gazette", 2),
        ("atom.xml", "atom10", "Stadtanzeiger", 1),
        ("feed.json", "json1.1", "Diario del Puerto", 1),
    ],
)
def test_every_format_parses(name: str, kind: str, title: str, items: int) -> None:
    feed = parse_feed(name, fixture(name))
    assert (feed.kind, feed.title, len(feed.items), feed.warning) == (kind, title, items, None)
    assert all(item.url and item.url.startswith("http://news.example/") for item in feed.items)


def test_rss20_item_fields() -> None:
    feed = parse_feed("rss20", fixture("rss20.xml"))
    first, second = feed.items
    assert first.guid == "gazette-1001" and first.author == "Maria Olsen"
    assert first.published == datetime(2025, 11, 3, 8, 15, tzinfo=UTC)
    assert first.language == "en" and first.words() > 150
    assert first.text.count("\n") >= 4  # paragraphs kept as lines
    assert second.summary.startswith("Councillors voted") and second.content == ""


def test_atom_and_json_feed_dates_authors_languages() -> None:
    atom = parse_feed("atom", fixture("atom.xml")).items[0]
    assert atom.author == "Jana Schmidt" and atom.language == "de"
    assert "Straßenbahnlinie" in atom.text
    item = parse_feed("json", fixture("feed.json")).items[0]
    assert item.published == datetime(2025, 11, 4, 8, 0, tzinfo=UTC)
    assert item.author == "Lucía Fernández" and item.language == "es" and item.guid == "puerto-77"


def test_a_bozo_feed_is_read_with_a_warning() -> None:
    feed = parse_feed("bozo", fixture("bozo.xml"))
    assert feed.warning is not None and feed.warning.startswith("malformed feed")
    assert feed.items[0].title == "Library extends opening hours for exam season"


def test_a_wrong_declared_encoding_is_recovered() -> None:
    feed = parse_feed("latin1", fixture("latin1_declared_utf8.xml"))
    assert feed.items[0].title == "Café on the quay wins regional prize for its crème brûlée"
    assert feed.warning is not None and "encoding" in feed.warning.lower()


def test_billion_laughs_is_refused_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(SourceError, match="declares XML entities"):
        parse_feed("lol", fixture("billion_laughs.xml"))
    assert time.monotonic() - started < 0.5


def test_utf16_entity_declarations_are_refused_too() -> None:
    data = fixture("billion_laughs.xml").decode().encode("utf-16")
    with pytest.raises(SourceError, match="declares XML entities"):
        parse_feed("lol16", data)


def test_too_many_items_are_refused() -> None:
    with pytest.raises(SourceError, match=r"has 2 items, more than 1$"):
        parse_feed("rss20", fixture("rss20.xml"), max_items=1)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"<html><body>hello</body></html>", "not a feed"),
        (b'{"version": "1"}', "not a JSON Feed"),
        (b"{not json", "not a JSON Feed"),
    ],
)
def test_non_feeds_are_errors(data: bytes, reason: str) -> None:
    with pytest.raises(SourceError, match=reason):
        parse_feed("x", data)


def test_discovery_from_link_alternate() -> None:
    html = fixture("site.html")
    assert discover_feeds(html, "http://news.example/") == ["http://news.example/feeds/rss20.xml"]
    assert not looks_like_feed(html) and looks_like_feed(fixture("rss20.xml"))
    assert looks_like_feed(fixture("feed.json"))
    assert discover_feeds(b"<html><head></head></html>", "http://x/") == []


def test_html_to_text_keeps_paragraphs_and_drops_scripts() -> None:
    text = html_to_text("<p>One &amp; two</p><script>bad()</script><p>Three<br>Four</p>")
    assert text.splitlines() == ["One & two", "Three", "Four"]
    assert html_to_text("plain &amp; simple") == "plain & simple"


def test_urls_are_normalised_for_identity() -> None:
    a = normalise_url("https://www.News.example/a/b/?utm_source=rss&id=3#top")
    assert a == normalise_url("http://news.example/a/b?id=3")
    assert a != normalise_url("http://news.example/a/b?id=4")


def test_item_keys_survive_a_changed_guid_url_or_title() -> None:
    day = datetime(2025, 11, 3, tzinfo=UTC)
    base = FeedItem("g1", "http://n.example/story", "Ferry service resumes today", published=day)
    keys = set(item_keys(base))
    for changed in (
        FeedItem("g2", base.url, base.title, published=day),
        FeedItem(
            base.guid, "http://n.example/story?utm_medium=feed", "New headline", published=day
        ),
        FeedItem("g3", "http://n.example/other", base.title, published=day),
    ):
        assert keys & set(item_keys(changed))
    tomorrow = FeedItem("g9", "http://n.example/x", base.title, published=datetime(2025, 11, 4))
    assert not keys & set(item_keys(tomorrow))
