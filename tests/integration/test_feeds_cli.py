"""The command line for sources: add (with discovery), list, pause, set, remove, OPML in and
out, one poll, WARC back-fill and sitemaps, against a real server on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyline.cli import cli
from storyline.ingest.netguard import ALLOW_ENV
from storyline.store.base import open_store
from tests.data.feeds.server import FeedServer, start

DATA = Path(__file__).resolve().parents[1] / "data" / "feeds"


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    srv = start()
    yield srv
    srv.close()


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'news.db'}"


def run_cli(*args: str, allow: bool = True) -> tuple[int, str, str]:
    env = {ALLOW_ENV: "127.0.0.1/32" if allow else ""}
    result = CliRunner(env=env).invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def sources(db: str) -> list[dict[str, object]]:
    code, out, err = run_cli("source", "list", "--db", db, "--json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_add_discovers_the_feed_from_a_page(server: FeedServer, db: str) -> None:
    code, out, err = run_cli("source", "add", server.url("/"), "--db", db, "--category", "Local")
    assert code == 0, err
    assert f"found the feed {server.url('/feeds/rss20.xml')}" in err
    assert "following feed-" in out and "Harbour Gazette (2 items now)" in out
    [row] = sources(db)
    assert row["url"] == server.url("/feeds/rss20.xml") and row["category"] == "Local"
    assert row["title"] == "Harbour Gazette" and row["status"] is None


def test_add_refuses_pages_without_feeds_and_loopback_without_opt_in(
    server: FeedServer, db: str
) -> None:
    code, _, err = run_cli("source", "add", server.url("/news/school-bridge"), "--db", db)
    assert code == 1 and "announces no feed" in err
    code, _, err = run_cli("source", "add", server.url("/feeds/rss20.xml"), "--db", db, allow=False)
    assert code == 1 and "loopback" in err and ALLOW_ENV in err
    assert sources(db) == []


def test_pause_set_resume_remove_and_poll(server: FeedServer, db: str) -> None:
    url = server.url("/feeds/atom.xml")
    assert run_cli("source", "add", url, "--db", db, "--full-text", "never")[0] == 0
    code, out, _ = run_cli("source", "set", "Stadtanzeiger", "--db", db, "--interval", "45")
    assert code == 0 and '"interval": 2700.0' in out and '"full_text": "never"' in out
    assert run_cli("source", "pause", url, "--db", db)[0] == 0
    assert sources(db)[0]["paused"] is True
    code, _, err = run_cli("source", "poll", "--db", db)
    assert code == 0 and "poll: 0 feeds" in err  # paused feeds are not polled
    assert run_cli("source", "resume", url, "--db", db)[0] == 0
    code, _, err = run_cli("source", "poll", "--db", db)
    assert code == 0 and "poll: 1 feeds, 1 new articles" in err, err
    [row] = sources(db)
    assert row["status"] == "1 new" and row["articles"] == 1 and row["interval_seconds"] == 2700
    code, out, _ = run_cli("source", "list", "--db", db)
    assert code == 0 and str(row["id"]) in out and "1 new" in out
    code, out, _ = run_cli("source", "remove", str(row["id"]), "--db", db)
    assert code == 0 and "removed" in out and sources(db) == []
    code, _, err = run_cli("source", "remove", "nope", "--db", db)
    assert code == 1 and "no source 'nope'" in err


def test_opml_import_and_export_round_trip(db: str, tmp_path: Path) -> None:
    code, out, err = run_cli("opml", "import", str(DATA / "subscriptions.opml"), "--db", db)
    assert code == 0, err
    assert "4 feeds in the file: 4 added, 0 already followed" in out
    assert run_cli("opml", "import", str(DATA / "subscriptions.opml"), "--db", db)[1].startswith(
        "4 feeds in the file: 0 added"
    )
    assert {r["category"] for r in sources(db)} == {None, "News", "News/Europe", "Tech"}
    target = tmp_path / "out.opml"
    assert run_cli("opml", "export", "--db", db, "-o", str(target))[0] == 0
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert run_cli("opml", "import", str(target), "--db", other)[0] == 0
    strip = [{k: r[k] for k in ("url", "title", "category")} for r in sources(db)]
    assert strip == [{k: r[k] for k in ("url", "title", "category")} for r in sources(other)]
    code, _, err = run_cli("opml", "import", str(DATA / "rss20.xml"), "--db", db)
    assert code == 1 and "not an OPML file" in err


def _warc_record(kind: str, uri: str, payload: bytes, content_type: str) -> bytes:
    head = (
        f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{abs(hash(uri + kind))}>\r\n"
        f"WARC-Date: 2025-11-03T10:00:00Z\r\nWARC-Target-URI: {uri}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload + b"\r\n\r\n"


def _http(status: str, content_type: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _make_warc(path: Path, compress: bool) -> None:
    page = (DATA / "school-bridge.html").read_bytes().replace(b"{host}", b"news.example")
    records = [
        _warc_record(
            "request",
            "http://news.example/a",
            b"GET /a HTTP/1.1\r\n\r\n",
            "application/http; msgtype=request",
        ),
        _warc_record(
            "response",
            "http://news.example/a",
            _http("200 OK", "text/html; charset=utf-8", page),
            "application/http; msgtype=response",
        ),
        _warc_record(
            "response",
            "http://news.example/logo.png",
            _http("200 OK", "image/png", b"\x89PNG...."),
            "application/http; msgtype=response",
        ),
        _warc_record(
            "response",
            "http://news.example/gone",
            _http("404 Not Found", "text/html", b"<html>gone</html>"),
            "application/http; msgtype=response",
        ),
        _warc_record(
            "metadata", "http://news.example/a", b"via: crawler", "application/warc-fields"
        ),
    ]
    with path.open("wb") as out:
        for record in records:
            out.write(gzip.compress(record) if compress else record)


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_warc_ingest_takes_html_responses_only(db: str, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    _make_warc(path, compress=name.endswith(".gz"))
    code, _, err = run_cli("warc", str(path), "--db", db)
    assert code == 0, err
    assert "3 response records: 1 HTML pages (1 not HTML, 1 not 2xx, 0 too large); 1 added" in err
    store = open_store(db)
    try:
        [article] = list(store.iter_articles())
        assert article.url == "http://news.example/a" and "footbridge" in article.text
        assert article.source_id == f"warc:{path.resolve()}"
    finally:
        store.close()
    assert "0 added, 1 already stored" in run_cli("warc", str(path), "--db", db)[2]


def test_warc_ingest_reports_damaged_archives(db: str, tmp_path: Path) -> None:
    path = tmp_path / "junk.warc"
    path.write_bytes(b"this is not an archive\n" * 10)
    code, _, err = run_cli("warc", str(path), "--db", db)
    assert code == 1 and "junk.warc" in err


NEWS_SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>{base}/news/school-bridge</loc>
    <news:news><news:publication><news:name>Harbour Gazette</news:name>
      <news:language>en</news:language></news:publication>
      <news:publication_date>2025-11-02T18:00:00+00:00</news:publication_date>
      <news:title>Footbridge approved by the council</news:title></news:news></url>
  <url><loc>{base}/private/secret</loc>
    <news:news><news:publication><news:name>Harbour Gazette</news:name>
      <news:language>en</news:language></news:publication>
      <news:publication_date>2025-11-01T18:00:00+00:00</news:publication_date>
      <news:title>Not for robots</news:title></news:news></url>
</urlset>"""


def test_news_sitemaps_are_followed_from_the_site(server: FeedServer, db: str) -> None:
    base = server.url("").rstrip("/")
    index = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/news-sitemap.xml.gz</loc></sitemap></sitemapindex>"
    ).encode()
    server.static("/sitemap.xml", index, "application/xml")
    packed = gzip.compress(NEWS_SITEMAP.format(base=base).encode())
    server.static("/news-sitemap.xml.gz", packed, "application/octet-stream")
    code, _, err = run_cli("sitemap", server.url("/"), "--db", db)
    assert code == 1  # the page robots.txt disallows is one failure, reported
    assert "/private/secret: disallowed by the site's robots.txt" in err
    assert "2 pages listed, 2 fetched: 1 added" in err
    store = open_store(db)
    try:
        [article] = list(store.iter_articles())
    finally:
        store.close()
    assert article.title == "Footbridge approved by the council"  # the sitemap's headline
    assert article.published_how == "sitemap" and article.language == "en"
