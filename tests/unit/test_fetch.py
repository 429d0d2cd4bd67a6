"""The HTTP client against a real server on 127.0.0.1: conditional GET, encodings, redirects,
caps, errors, robots.txt, per-host politeness and the SSRF guard on every hop."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator

import pytest

from storyline.ingest.fetch import DEFAULT_USER_AGENT, Fetcher, FetchError, FetchOptions
from storyline.ingest.netguard import BlockedAddressError, NetPolicy
from tests.data.feeds.server import FeedServer, start


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    srv = start()
    yield srv
    srv.close()


def fetcher(**options: float) -> Fetcher:
    opts = FetchOptions(host_delay=options.pop("host_delay", 0.0), **options)  # type: ignore[arg-type]
    return Fetcher(opts, NetPolicy.allowing("127.0.0.1/32"))


def test_get_sends_user_agent_and_conditional_get_saves_the_body(server: FeedServer) -> None:
    client = fetcher()
    first = client.get(server.url("/feeds/rss20.xml"))
    assert first.status == 200 and b"Harbour Gazette" in first.body
    assert first.etag and first.last_modified
    again = client.get(server.url("/feeds/rss20.xml"), etag=first.etag)
    assert again.not_modified and again.body == b""
    sent = [h for h in server.hits if h.path == "/feeds/rss20.xml"][-1].headers
    assert sent["If-None-Match"] == first.etag
    assert sent["User-Agent"] == DEFAULT_USER_AGENT and "Storyline/" in sent["User-Agent"]
    assert "br" in sent["Accept-Encoding"] and "gzip" in sent["Accept-Encoding"]


def test_gzip_and_brotli_bodies_are_decoded(server: FeedServer) -> None:
    client = fetcher()
    assert b"Harbour Gazette" in client.get(server.url("/gzipped")).body
    assert b"Stadtanzeiger" in client.get(server.url("/brotli")).body


def test_redirects_are_followed_and_permanent_moves_reported(server: FeedServer) -> None:
    client = fetcher()
    hops = client.get(server.url("/hop1"))
    assert hops.url == server.url("/feeds/atom.xml")
    assert [code for code, _ in hops.redirects] == [302, 302]
    assert hops.permanent_url is None
    moved = client.get(server.url("/moved"))
    assert moved.permanent_url == server.url("/feeds/rss20.xml")


def test_redirect_loops_stop_at_the_limit(server: FeedServer) -> None:
    with pytest.raises(FetchError, match="more than 3 redirects"):
        fetcher(max_redirects=3).get(server.url("/loop"))


def test_a_redirect_to_a_private_address_is_refused(server: FeedServer) -> None:
    with pytest.raises(BlockedAddressError, match=r"10\.1\.2\.3 is a private network address"):
        fetcher().get(server.url("/to-private"))


def test_a_redirect_to_a_malformed_url_is_a_fetch_error(server: FeedServer) -> None:
    # urljoin raises ValueError on "http://[oops/": a hostile server must not crash a poll.
    with pytest.raises(FetchError, match="redirect to a bad URL"):
        fetcher().get(server.url("/to-bad-url"))


def test_loopback_needs_an_opt_in(server: FeedServer) -> None:
    before = len(server.hits)
    with pytest.raises(BlockedAddressError, match="loopback"):
        Fetcher(FetchOptions(host_delay=0), NetPolicy()).get(server.url("/feeds/rss20.xml"))
    assert len(server.hits) == before  # refused before connecting


def test_the_connection_goes_to_the_vetted_address(server: FeedServer) -> None:
    """Resolve once, connect to that address: the Host header keeps the name."""
    calls: list[str] = []
    port = int(server.host.rsplit(":", 1)[1])

    def resolve(host: str, _port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"] if len(calls) == 1 else ["10.9.9.9"]  # a rebinding answer

    policy = NetPolicy(allowed=NetPolicy.allowing("127.0.0.1/32").allowed, resolver=resolve)
    client = Fetcher(FetchOptions(host_delay=0), policy)
    response = client.get(f"http://feeds.test:{port}/feeds/rss20.xml")
    assert response.status == 200 and calls == ["feeds.test"]
    assert server.hits[-1].headers["Host"] == f"feeds.test:{port}"


@pytest.mark.parametrize(("path", "status"), [("/status/404", 404), ("/status/500", 500)])
def test_http_errors_carry_the_status(server: FeedServer, path: str, status: int) -> None:
    with pytest.raises(FetchError) as info:
        fetcher().get(server.url(path))
    assert info.value.status == status and f"HTTP {status}" in info.value.reason


def test_retry_after_is_read(server: FeedServer) -> None:
    with pytest.raises(FetchError) as info:
        fetcher().get(server.url("/status/503"))
    assert info.value.retry_after == 7200


def test_a_slow_server_times_out(server: FeedServer) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        fetcher(timeout=1.0).get(server.url("/slow"))
    assert time.monotonic() - started < 2.5


def test_a_dripping_server_is_cut_off_by_the_total_time_cap(server: FeedServer) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 1\.5 s in all"):
        fetcher(timeout=5.0, total_timeout=1.5).get(server.url("/drip"))
    assert time.monotonic() - started < 3.5


@pytest.mark.parametrize("path", ["/huge", "/huge-unsized", "/bomb"])
def test_oversized_bodies_are_refused_without_reading_them(server: FeedServer, path: str) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"larger than 1\.0 MB"):
        fetcher(max_bytes=1024 * 1024).get(server.url(path))
    assert time.monotonic() - started < 5


def test_robots_txt_is_respected_for_pages(server: FeedServer) -> None:
    client = fetcher()
    assert client.robots_allowed(server.url("/news/school-bridge"))
    assert not client.robots_allowed(server.url("/private/secret.html"))
    with pytest.raises(FetchError, match=r"robots\.txt"):
        client.get(server.url("/private/secret.html"), robots=True)
    # feeds are not pages: robots.txt is not consulted for them
    assert client.get(server.url("/feeds/rss20.xml")).status == 200


def test_one_request_at_a_time_per_host_with_a_delay(server: FeedServer) -> None:
    client = fetcher(host_delay=0.3)
    start = len(server.hits)
    threads = [
        threading.Thread(target=client.get, args=(server.url("/feeds/atom.xml"),)) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    hits = sorted(server.hits[start:], key=lambda h: h.start)
    assert len(hits) == 4
    for before, after in itertools.pairwise(hits):
        assert after.start >= before.end + 0.25  # never overlapping, and spaced
