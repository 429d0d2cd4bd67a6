"""Bad-input cases for feeds, pages, files, JSONL, WARC, dates and search queries.

Each function is one case (see :func:`storyline.reliability.corpus.case`); it builds its
input in the scratch folder and hands it to the component that reads such input in
production. Large inputs are generated here at run time, never stored in the repository.
"""

from __future__ import annotations

import gzip
import json
import os
import threading
from datetime import date
from pathlib import Path

from storyline.errors import BadInputError
from storyline.reliability.corpus import case

PARA = (
    "World leaders gathered in Oslo on Thursday for a climate summit that organisers say will "
    "decide the next decade of emissions policy, and talks are set to run until Saturday. "
)


def _feed(data: bytes) -> str:
    from storyline.ingest.feeds import item_keys, parse_feed

    feed = parse_feed("case:feed", data)
    for item in feed.items:
        item_keys(item)
    return f"{len(feed.items)} items" + (f"; warning: {feed.warning}" if feed.warning else "")


def _rss(items: str, *, prolog: str = '<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    return (
        f'{prolog}\n<rss version="2.0"><channel><title>Feed</title>'
        f"<link>https://example.org/</link>{items}</channel></rss>"
    ).encode()


def _item(n: int, title: str = "Story", extra: str = "") -> str:
    return (
        f"<item><title>{title} {n}</title><link>https://example.org/{n}</link>"
        f"<guid>g{n}</guid><description>{PARA}</description>{extra}</item>"
    )


def _page(data: bytes | str, url: str = "https://example.org/a") -> str:
    from storyline.extract import extract
    from storyline.model import RawDoc

    article = extract(RawDoc("case:page", data, "text/html", url=url))
    return f"title {article.title!r}, {len(article.text)} chars, {len(article.related)} related"


def _html(body: str, head: str = "<title>Page</title>") -> bytes:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>".encode()


def _files(*paths: Path, max_bytes: int | None = None) -> str:
    """Read files as ``storyline ingest`` does; raise the first error if nothing was read."""
    from storyline.extract import extract
    from storyline.ingest.files import FileOptions, read_file

    options = FileOptions() if max_bytes is None else FileOptions(max_bytes=max_bytes)
    docs, errors = 0, []
    for path in paths:
        for item in read_file(path, options):
            if isinstance(item, BadInputError):
                errors.append(item)
                continue
            try:
                extract(item)
                docs += 1
            except BadInputError as error:
                errors.append(error)
    if errors and not docs:
        raise errors[0]
    return f"{docs} documents" + (f", {len(errors)} refused ({errors[0]})" if errors else "")


# -- feeds ------------------------------------------------------------------------------

_LAUGHS = "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' if i else '<!ENTITY lol0 "lol">' for i in range(10)
)


@case("feed", "billion laughs: nested entities expanding to 10^9 'lol's")
def case_feed_billion_laughs(work: Path) -> str:
    return _feed(
        _rss(_item(1, "&lol9;"), prolog=f"<?xml version='1.0'?><!DOCTYPE rss [{_LAUGHS}]>")
    )


@case("feed", "external entity reading /etc/passwd (XXE)")
def case_feed_xxe_file(work: Path) -> str:
    prolog = '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    return _feed(_rss(_item(1, "&x;"), prolog=prolog))


@case("feed", "external parameter entity fetching a URL (blind XXE)")
def case_feed_xxe_parameter(work: Path) -> str:
    prolog = (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>'
    )
    return _feed(_rss(_item(1), prolog=prolog))


@case("feed", "billion laughs encoded as UTF-16 (hides <!ENTITY from byte scans)")
def case_feed_laughs_utf16(work: Path) -> str:
    text = _rss(
        _item(1, "&lol9;"),
        prolog=f"<?xml version='1.0' encoding='utf-16'?><!DOCTYPE rss [{_LAUGHS}]>",
    )
    return _feed(text.decode().encode("utf-16"))


@case("feed", "a feed with 100,000 items (13 MB)")
def case_feed_100k_items(work: Path) -> str:
    return _feed(_rss("".join(_item(n) for n in range(100_000))))


@case("feed", "NUL bytes inside the XML encoding declaration (found by atheris)")
def case_feed_nul_in_encoding(work: Path) -> str:
    return _feed(_rss(_item(1), prolog='<?xml version="1.0" encoding="ut\x00\x00f-8"?>'))


@case("feed", "declared UTF-8 but Latin-1 bytes", expect="ok")
def case_feed_invalid_utf8(work: Path) -> str:
    return _feed(_rss(_item(1, "Caf\xe9")).replace(b"Caf\xc3\xa9", b"Caf\xe9"))


@case("feed", "mixed encodings: UTF-8, cp1252 and Shift-JIS bytes in one feed", expect="any")
def case_feed_mixed_encodings(work: Path) -> str:
    body = _rss(_item(1, "A") + _item(2, "B") + _item(3, "C"))
    body = body.replace(b"A 1", "Ærø 1".encode()).replace(b"B 2", "\u201cq\u201d".encode("cp1252"))
    return _feed(body.replace(b"C 3", "日本".encode("shift_jis")))


@case("feed", "RTL override and zero-width characters in titles and links", expect="ok")
def case_feed_rtl_override(work: Path) -> str:
    return _feed(_rss(_item(1, "\u202eevil\u202c\u200b\u2066gpj.exe\u2069")))


@case("feed", "item dates in year 0, year 9999 and past datetime.max in UTC", expect="ok")
def case_feed_dates_0_9999(work: Path) -> str:
    dates = ["Mon, 01 Jan 0000 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 -0500", "garbage"]
    items = "".join(_item(n, extra=f"<pubDate>{d}</pubDate>") for n, d in enumerate(dates))
    return _feed(_rss(items))


@case("feed", "JSON Feed dated 9999-12-31T23:59:59-05:00 (was an OverflowError)", expect="ok")
def case_jsonfeed_year_9999(work: Path) -> str:
    items = [
        {"id": n, "title": "t", "date_published": d}
        for n, d in enumerate(
            ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "0000-01-01"]
        )
    ]
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": items}
    return _feed(json.dumps(doc).encode())


@case("feed", "JSON Feed nested 100,000 levels deep (was a RecursionError)")
def case_jsonfeed_deep(work: Path) -> str:
    return _feed(b'{"version": "https://jsonfeed.org/version/1", "items": ' + b"[" * 100_000)


@case("feed", "feed item content nested 50,000 elements deep", expect="any")
def case_feed_deep_nesting(work: Path) -> str:
    return _feed(
        _rss(f"<item><title>x</title><description>{'<div>' * 50_000}</description></item>")
    )


@case("feed", "a feed cut off half-way", expect="any")
def case_feed_truncated(work: Path) -> str:
    data = _rss("".join(_item(n) for n in range(20)))
    return _feed(data[: len(data) // 2])


@case("feed", "random binary data served as a feed")
def case_feed_binary(work: Path) -> str:
    return _feed(os.urandom(200_000))


# -- pages ------------------------------------------------------------------------------


@case("html", "HTML nested 100,000 divs deep", expect="any", max_seconds=30)
def case_html_deep_nesting(work: Path) -> str:
    return _page(_html("<div>" * 100_000 + f"<p>{PARA * 3}</p>"))


@case("html", "a page with 10,000 links", expect="any", max_seconds=40, heavy=True)
def case_html_10k_links(work: Path) -> str:
    links = "".join(f'<li><a href="/s/{n}">Story number {n} here</a></li>' for n in range(10_000))
    return _page(_html(f"<article><h1>Title</h1><p>{PARA * 4}</p></article><ul>{links}</ul>"))


@case("html", "NUL bytes in a page")
def case_html_nul_bytes(work: Path) -> str:
    return _page(_html(f"<p>{PARA}</p>").replace(b"<p>", b"<p>\x00\x00\x00"))


@case("html", "invalid UTF-8 sequences in a UTF-8 page", expect="ok", heavy=True)
def case_html_invalid_utf8(work: Path) -> str:
    body = _html(f"<article><h1>T</h1><p>{PARA * 3}</p></article>", '<meta charset="utf-8">')
    return _page(body.replace(b"Oslo", b"Os\xff\xfelo\xc3"))


@case("html", "meta says Shift-JIS, bytes are UTF-8 and cp1252", expect="any", heavy=True)
def case_html_mixed_encodings(work: Path) -> str:
    body = _html(f"<p>{PARA * 3} Ærø</p><p>\u201cquoted\u201d</p>", '<meta charset="shift_jis">')
    return _page(body.replace("\u201c".encode(), "\u201c".encode("cp1252")))


@case("html", "RTL override characters around the title and text", expect="ok", heavy=True)
def case_html_rtl_override(work: Path) -> str:
    head = "<title>\u202eelttiT\u202c</title>"
    return _page(
        _html(f"<article><h1>\u202eeltit</h1><p>\u2067{PARA * 3}\u2069</p></article>", head)
    )


@case("html", "only scripts and styles, no text", heavy=True)
def case_html_script_only(work: Path) -> str:
    return _page(_html("<script>" + "alert(1);" * 10_000 + "</script><style>p{}</style>"))


@case("html", "50,000 unclosed tags", expect="any", max_seconds=30, heavy=True)
def case_html_unclosed(work: Path) -> str:
    return _page(_html("<p><b><i><span>" * 12_500 + PARA * 5))


@case("html", "a 10 MB attribute value (over the extraction cap)")
def case_html_huge_attribute(work: Path) -> str:
    return _page(_html(f'<div data-x="{"a" * 10_000_000}"><p>{PARA * 3}</p></div>'))


@case(
    "html", "published time 9999-12-31T23:59:59-05:00 in meta (was an OverflowError)", expect="ok"
)
def case_html_date_9999(work: Path) -> str:
    head = '<meta property="article:published_time" content="9999-12-31T23:59:59-05:00">'
    return _page(_html(f"<article><h1>Title</h1><p>{PARA * 3}</p></article>", head))


@case("html", "XHTML declaring billion-laughs entities", expect="any", heavy=True)
def case_html_laughs(work: Path) -> str:
    body = f"<html><body><p>&lol9; {PARA * 3}</p></body></html>"
    page = f"<?xml version='1.0'?><!DOCTYPE html [{_LAUGHS}]>{body}"
    return _page(page.encode())


# -- files ------------------------------------------------------------------------------


@case("file", "a 100 MB HTML page on disk (sparse file)")
def case_file_100mb_page(work: Path) -> str:
    path = work / "huge.html"
    with path.open("wb") as handle:
        handle.write(_html(PARA))
        handle.truncate(100 * 1024 * 1024)
    return _files(path)


@case("file", "a 20 MB page: read (file cap), refused by extraction (was 2+ minutes, 600 MB)")
def case_file_20mb_page(work: Path) -> str:
    path = work / "big.html"
    path.write_bytes(_html(f"<p>{PARA}</p>" * (19 * 1024 * 1024 // (len(PARA) + 7))))
    return _files(path)


@case("file", ".html.gz decompressing to 1 GB (gzip bomb)", max_seconds=30, heavy=True)
def case_file_gzip_bomb(work: Path) -> str:
    from storyline.reliability.hostile import gzip_bomb

    path = work / "bomb.html.gz"
    path.write_bytes(gzip_bomb())
    return _files(path)


@case("file", "a corrupt .html.gz")
def case_file_corrupt_gzip(work: Path) -> str:
    path = work / "bad.html.gz"
    packed = gzip.compress(os.urandom(30_000).hex().encode())
    path.write_bytes(packed[: len(packed) // 2])
    return _files(path)


@case("file", "a PNG renamed to .html")
def case_file_binary_as_html(work: Path) -> str:
    path = work / "image.html"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(50_000))
    return _files(path)


@case("file", "an empty file and a whitespace-only file")
def case_file_empty(work: Path) -> str:
    (work / "empty.txt").write_bytes(b"")
    (work / "blank.txt").write_bytes(b" \n\t\n")
    return _files(work / "empty.txt", work / "blank.txt")


@case("file", "a Latin-1 text file (not UTF-8)")
def case_file_latin1_text(work: Path) -> str:
    path = work / "latin1.txt"
    path.write_bytes(("Café Ærø\n\n" + PARA * 3).encode("latin-1"))
    return _files(path)


@case(
    "file",
    "a 15 MB text file on one line, no punctuation",
    expect="any",
    max_seconds=60,
    max_mb=1200,
    heavy=True,
)
def case_file_one_line_text(work: Path) -> str:
    path = work / "line.txt"
    path.write_bytes(b"word " * 3_000_000)
    return _files(path)


# -- JSONL ------------------------------------------------------------------------------


def _good_line(n: int, **fields: object) -> bytes:
    record = {"id": f"a{n}", "title": f"Title {n}", "text": PARA} | fields
    return json.dumps(record).encode() + b"\n"


@case(
    "jsonl",
    "a 1 GB JSONL line streamed through a named pipe, then a good line",
    expect="ok",
    max_seconds=60,
    max_mb=250,
    heavy=True,
)
def case_jsonl_1gb_line(work: Path) -> str:
    pipe = work / "stream.jsonl"
    if pipe.exists():
        pipe.unlink()
    os.mkfifo(pipe)

    def write() -> None:
        chunk = b"a" * (1 << 20)
        with pipe.open("wb") as handle:
            handle.write(b'{"id": "huge", "text": "')
            for _ in range(1024):
                handle.write(chunk)
            handle.write(b'"}\n' + _good_line(1))

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    summary = _files(pipe)
    writer.join(5)
    assert "1 documents, 1 refused" in summary and "longer than" in summary, summary
    return summary


@case("jsonl", "a JSONL line nested 100,000 levels deep (was a RecursionError)")
def case_jsonl_deep(work: Path) -> str:
    path = work / "deep.jsonl"
    path.write_bytes(b'{"id": "x", "text": ' + b"[" * 100_000 + b"\n")
    return _files(path)


@case("jsonl", "an integer of 5,000 digits (was a ValueError)")
def case_jsonl_huge_int(work: Path) -> str:
    path = work / "int.jsonl"
    path.write_bytes(b'{"id": ' + b"9" * 5000 + b', "text": "x"}\n')
    return _files(path)


@case("jsonl", "invalid UTF-8, NUL escapes, wrong types and bad JSON, one per line", expect="ok")
def case_jsonl_broken_lines(work: Path) -> str:
    path = work / "broken.jsonl"
    path.write_bytes(
        b'{"id": "u", "text": "caf\xe9"}\n{"id": "n", "text": "a\\u0000b '
        + PARA.encode()
        + b'"}\n{"id": 5, "title": ["list"]}\n{not json\n[1, 2]\n\n'
        + _good_line(9)
    )
    summary = _files(path)
    assert summary.startswith("2 documents, 4 refused"), summary
    return summary


@case("jsonl", "published dates in year 0, 9999 and past datetime.max in UTC", expect="ok")
def case_jsonl_dates_0_9999(work: Path) -> str:
    path = work / "dates.jsonl"
    dates = ["0000-01-01", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "9999-12-31"]
    path.write_bytes(b"".join(_good_line(n, published=d) for n, d in enumerate(dates)))
    return _files(path)


@case("jsonl", "RTL overrides and lone surrogate escapes in fields", expect="ok")
def case_jsonl_rtl_surrogates(work: Path) -> str:
    path = work / "rtl.jsonl"
    path.write_bytes(
        _good_line(1, title="\u202eevil") + b'{"id": "s", "title": "\\ud800 x", "text": "y"}\n'
    )
    return _files(path)


# -- WARC -------------------------------------------------------------------------------


def _warc(path: Path) -> str:
    from storyline.ingest.warc import WarcStats, read_warc

    stats = WarcStats()
    pages, errors = 0, []
    for item in read_warc(path, stats=stats):
        if isinstance(item, BadInputError):
            errors.append(item)
        else:
            pages += 1
    if errors and not pages:
        raise errors[0]
    return f"{pages} pages, {stats.records} records" + (f"; {errors[0]}" if errors else "")


@case("warc", "a WARC cut off in the middle of its third record", expect="any")
def case_warc_truncated(work: Path) -> str:
    from storyline.reliability.fuzz import warc_record

    data = b"".join(warc_record(f"https://example.org/{n}", _html(PARA)) for n in range(3))
    path = work / "cut.warc"
    path.write_bytes(data[: len(data) - 200])
    return _warc(path)


@case(
    "warc",
    "a WARC record whose HTTP body is a 1 GB gzip bomb",
    expect="any",
    max_seconds=60,
    heavy=True,
)
def case_warc_gzip_bomb(work: Path) -> str:
    from storyline.reliability.fuzz import warc_record
    from storyline.reliability.hostile import gzip_bomb

    bomb = gzip_bomb()
    http = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
        + b"Content-Length: %d\r\n\r\n" % len(bomb)
        + bomb
    )
    head = (
        b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:1>\r\n"
        b"WARC-Date: 2024-07-04T10:00:00Z\r\n"
        b"WARC-Target-URI: https://example.org/bomb\r\nContent-Type: application/http; "
        b"msgtype=response\r\nContent-Length: %d\r\n\r\n" % len(http)
    )
    path = work / "bomb.warc"
    good = warc_record("https://example.org/after", _html(f"<p>{PARA}</p>"))
    path.write_bytes(head + http + b"\r\n\r\n" + good)
    # Known: fastwarc then reports "Invalid WARC header" and the record after is lost.
    return _warc(path)


@case("warc", "a record claiming a Content-Length of 10^15 bytes", expect="any")
def case_warc_huge_length(work: Path) -> str:
    path = work / "liar.warc"
    path.write_bytes(
        b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:2>\r\n"
        b"Content-Type: application/http; msgtype=response\r\n"
        b"Content-Length: 1000000000000000\r\n\r\nHTTP/1.1 200 OK\r\n\r\nhello"
    )
    return _warc(path)


@case("warc", "a text file named .warc")
def case_warc_not_warc(work: Path) -> str:
    path = work / "notes.warc"
    path.write_bytes(b"just some notes\n" * 100)
    return _warc(path)


# -- dates and queries ------------------------------------------------------------------


@case(
    "dates",
    "relative dates published on 9999-12-31 and 0001-01-01 (were OverflowErrors)",
    expect="ok",
)
def case_dates_calendar_edges(work: Path) -> str:
    from storyline.enrich.timeexpr import find_dates

    text = "Tomorrow, yesterday, next week, last month, 99999999999999 days ago, on Monday."
    found = [m for day in (date.max, date.min) for m in find_dates(text, day)]
    return f"{len(found)} mentions"


@case("query", "SQL injection, FTS5 syntax and control characters in the search box", expect="ok")
def case_query_injection(work: Path) -> str:
    from storyline.reliability.security import INJECTIONS
    from storyline.reliability.targets import query_target

    for text in INJECTIONS:
        query_target(text.encode("utf-8", "surrogatepass"))
    return f"{len(INJECTIONS)} queries accepted by FTS5"
