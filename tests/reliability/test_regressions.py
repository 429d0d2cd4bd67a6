"""Crashes and hangs the reliability suite found, each pinned by a test of its own.

Found by: atheris (feed NUL encoding), the bad-input corpus (JSON nesting and huge integers,
dates past datetime's range, 100k-item feeds, truncated HTTP bodies, 20 MB pages) and the
secrets check (credentials in poll messages).
"""

from __future__ import annotations

import json
import socket
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from storyline.enrich.timeexpr import find_dates
from storyline.errors import BadInputError, SourceError
from storyline.extract import ExtractOptions, extract
from storyline.extract.dates import parse_datetime, published_from_html
from storyline.ingest.feeds import parse_feed
from storyline.ingest.fetch import Fetcher, FetchError, FetchOptions
from storyline.ingest.files import read_file
from storyline.ingest.netguard import NetPolicy
from storyline.ingest.redact import redact_url
from storyline.model import RawDoc, Source, SourceKind

pytestmark = pytest.mark.reliability

PARA = "World leaders gathered in Oslo on Thursday for a climate summit on emissions policy. "


def rss(items: str, prolog: str = '<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    return f'{prolog}<rss version="2.0"><channel><title>F</title>{items}</channel></rss>'.encode()


def test_feed_with_nul_in_encoding_declaration_is_a_source_error() -> None:
    # atheris: feedparser's convert_to_utf8 raised ValueError("embedded null character").
    data = rss("<item><title>x</title></item>", '<?xml version="1.0" encoding="ut\x00f-8"?>')
    with pytest.raises(SourceError, match="unreadable feed"):
        parse_feed("feed.xml", data)


def test_json_feed_nested_too_deeply_is_a_source_error() -> None:
    data = b'{"version": "https://jsonfeed.org/version/1", "items": ' + b"[" * 100_000
    with pytest.raises(SourceError, match="nested too deeply"):
        parse_feed("feed.json", data)


def test_json_feed_with_dates_past_the_calendar_keeps_items_without_dates() -> None:
    items = [
        {"id": 1, "title": "late", "date_published": "9999-12-31T23:59:59-05:00"},
        {"id": 2, "title": "early", "date_published": "0001-01-01T00:00:00+05:00"},
        {"id": 3, "title": "fine", "date_published": "2024-07-04T10:00:00+02:00"},
    ]
    doc = {"version": "https://jsonfeed.org/version/1.1", "items": items}
    feed = parse_feed("feed.json", json.dumps(doc).encode())
    assert [i.published for i in feed.items] == [None, None, datetime(2024, 7, 4, 8, tzinfo=UTC)]


def test_feed_with_too_many_items_is_refused_before_parsing() -> None:
    item = "<item><title>t</title><link>https://example.org/{n}</link></item>"
    data = rss("".join(item.format(n=n) for n in range(1001)))
    with pytest.raises(SourceError, match="1001 items, more than 1000"):
        parse_feed("big.xml", data)
    # Namespaced and self-closing tags count too; 1000 items are fine.
    assert len(parse_feed("ok.xml", rss(item.format(n=1) * 1000)).items) == 1000


@pytest.mark.parametrize(
    "value",
    ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-01:00"],
)
def test_iso_times_outside_utc_range_are_no_date(value: str) -> None:
    assert parse_datetime(value) is None
    assert published_from_html(None, [value]) is None


def test_page_published_in_9999_with_offset_extracts_without_date() -> None:
    page = (
        '<html><head><meta property="article:published_time" '
        'content="9999-12-31T23:59:59-05:00"><title>T</title></head>'
        f"<body><article><h1>Title</h1><p>{PARA * 4}</p></article></body></html>"
    )
    article = extract(RawDoc("p.html", page, "text/html", url="https://example.org/a"))
    assert article.published is None and "Oslo" in article.text


@pytest.mark.parametrize("published", [date.max, date.min])
def test_relative_dates_at_the_ends_of_the_calendar_have_no_value(published: date) -> None:
    text = "Tomorrow and yesterday, 99999999999999 days ago, next week, on Monday."
    mentions = find_dates(text, published)
    assert len(mentions) >= 4
    assert all(m.relative for m in mentions)


def test_jsonl_deep_nesting_and_huge_integers_are_line_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = json.dumps({"id": "g", "text": PARA})
    path.write_bytes(
        b'{"id": "d", "text": '
        + b"[" * 100_000
        + b"\n"
        + b'{"id": '
        + b"9" * 5000
        + b"}\n"
        + good.encode()
        + b"\n"
    )
    items = list(read_file(path))
    errors = [i for i in items if isinstance(i, BadInputError)]
    assert [e.origin.rsplit(":", 1)[1] for e in errors] == ["1", "2"]
    assert "nested too deeply" in errors[0].reason and "4300 digits" in errors[1].reason
    assert [i.fields["id"] for i in items if isinstance(i, RawDoc)] == ["g"]


def test_pages_over_the_extraction_cap_are_refused_unparsed() -> None:
    page = f"<html><body><p>{PARA}</p>" + " " * 2_000_000 + "</body></html>"
    with pytest.raises(BadInputError, match=r"over the 1\.0 MB limit for HTML extraction"):
        extract(RawDoc("big.html", page, "text/html"), ExtractOptions(max_html_bytes=1 << 20))


def test_http_body_cut_short_is_an_error_not_a_page() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def answer() -> None:
        conn, _ = server.accept()
        conn.recv(65536)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 50\r\n\r\nhalf"
        )
        conn.close()

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    fetcher = Fetcher(FetchOptions(timeout=2, host_delay=0), NetPolicy.allowing("127.0.0.1/32"))
    try:
        with pytest.raises(FetchError, match="closed after 4 of 50 bytes"):
            fetcher.get(f"http://127.0.0.1:{server.getsockname()[1]}/page")
    finally:
        thread.join(5)
        server.close()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://u:pw@h.example/f?token=abc&page=2", "https://u:***@h.example/f?token=***&page=2"),
        (
            "https://h.example/f?api_key=k&API-KEY=k&sig=s",
            "https://h.example/f?api_key=***&API-KEY=***&sig=***",
        ),
        ("https://tok@h.example/f", "https://***@h.example/f"),
        ("https://h.example/feed.xml?page=2", "https://h.example/feed.xml?page=2"),
    ],
)
def test_redact_url_hides_passwords_and_tokens(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_poll_messages_name_feeds_without_their_secrets() -> None:
    from storyline.ingest.scheduler import _name

    source = Source(
        id="f", kind=SourceKind.FEED, url="https://u:pw@h.example/f?token=abc", title="Private"
    )
    assert _name(source) == "Private (https://u:***@h.example/f?token=***)"


def test_feed_item_html_with_control_characters_becomes_text() -> None:
    # hypothesis: lxml parsed "\x13" in a fragment, then refused it in html_to_text (ValueError).
    data = rss(
        "<item><title>a\x13b</title><description><![CDATA[<p>x\x13y</p>]]></description></item>"
    )
    feed = parse_feed("feed.xml", data)
    assert len(feed.items) == 1


def test_item_links_that_are_not_urls_become_no_url() -> None:
    # atheris: urljoin raised ValueError("Invalid IPv6 URL") for a link like "http://[x/b".
    data = rss(
        "<item><title>first story</title><link>http://[x/b</link></item>"
        "<item><title>second story</title><link>/ok</link></item>"
    ).replace(b"<title>F</title>", b"<title>F</title><link>http://[::1</link>")
    assert [i.url for i in parse_feed("feed.xml", data).items] == [None, None]
    doc = {"version": "https://jsonfeed.org/version/1.1", "items": [{"id": 1, "url": "http://[a"}]}
    assert parse_feed("feed.json", json.dumps(doc).encode()).items[0].url is None


def test_html_fragment_that_trips_an_lxml_assertion_becomes_text() -> None:
    # atheris: lxml's fragment_fromstring raised AssertionError("too many bodies").
    from storyline.ingest.feeds import html_to_text

    assert html_to_text("<!doctype><head>") == ""
