"""Bad-input cases over real HTTP: a hostile server on 127.0.0.1 and the real fetcher.

The fetcher (:mod:`storyline.ingest.fetch`) is what every collector uses, so these cases go
through real sockets: compression bombs as ``Content-Encoding``, a 100 MB answer, a server
that stalls mid-response or drips one byte at a time, redirect loops and a redirect to a
cloud metadata address (the SSRF guard must refuse it even though 127.0.0.1 is allowed).
"""

from __future__ import annotations

import socket
import threading
from functools import partial
from pathlib import Path

from storyline.reliability.corpus import case
from storyline.reliability.hostile import Route, brotli_bomb, drip, gzip_bomb, respond, serve, stall


def _fetch(routes: dict[str, Route], path: str = "/x", *, parse: bool = False) -> str:
    from storyline.ingest.feeds import parse_feed
    from storyline.ingest.fetch import Fetcher, FetchOptions
    from storyline.ingest.netguard import NetPolicy

    options = FetchOptions(timeout=1.0, total_timeout=4.0, host_delay=0.0)
    fetcher = Fetcher(options, NetPolicy.allowing("127.0.0.1/32"))
    with serve(routes) as base:
        response = fetcher.get(base + path)
    if parse:
        feed = parse_feed(response.url, response.body, headers=response.headers)
        return f"{len(feed.items)} items"
    return f"HTTP {response.status}, {len(response.body)} bytes"


def _bomb(encoding: str, body: bytes) -> Route:
    def route(sock: socket.socket, stop: threading.Event) -> None:
        respond(sock, body, headers={"Content-Type": "text/html", "Content-Encoding": encoding})

    return route


@case("http", "a 1 GB gzip bomb as Content-Encoding", max_seconds=30, heavy=True)
def case_http_gzip_bomb(work: Path) -> str:
    return _fetch({"/x": _bomb("gzip", gzip_bomb())})


@case("http", "a 1 GB brotli bomb as Content-Encoding", max_seconds=30)
def case_http_brotli_bomb(work: Path) -> str:
    return _fetch({"/x": _bomb("br", brotli_bomb())})


@case("http", "a 100 MB page without Content-Length", max_seconds=30)
def case_http_100mb_page(work: Path) -> str:
    def route(sock: socket.socket, stop: threading.Event) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")
        chunk = b"<p>" + b"a" * (1 << 20) + b"</p>"
        for _ in range(100):
            if stop.is_set():
                return
            sock.sendall(chunk)

    return _fetch({"/x": route})


@case("http", "headers and half the body, then silence (timeout mid-response)")
def case_http_stall_mid_response(work: Path) -> str:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n<p>half"
    return _fetch({"/x": partial(stall, head=head, seconds=10)})


@case("http", "one byte every 0.2 s forever (slowloris in reverse)")
def case_http_drip(work: Path) -> str:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n"
    return _fetch({"/x": partial(drip, head=head, every=0.2)})


@case("http", "a redirect loop")
def case_http_redirect_loop(work: Path) -> str:
    def route(sock: socket.socket, stop: threading.Event) -> None:
        respond(sock, b"", status="302 Found", headers={"Location": "/x"})

    return _fetch({"/x": route})


@case("http", "a redirect to the cloud metadata address 169.254.169.254 (SSRF)")
def case_http_redirect_ssrf(work: Path) -> str:
    def route(sock: socket.socket, stop: threading.Event) -> None:
        target = "http://169.254.169.254/latest/meta-data/"
        respond(sock, b"", status="301 Moved Permanently", headers={"Location": target})

    return _fetch({"/x": route})


@case("http", "Content-Length says 10 bytes more than are sent, then the socket closes")
def case_http_short_body(work: Path) -> str:
    def route(sock: socket.socket, stop: threading.Event) -> None:
        sock.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 20\r\n\r\nshort"
        )

    return _fetch({"/x": route})


@case("http", "garbage instead of an HTTP status line")
def case_http_garbage(work: Path) -> str:
    def route(sock: socket.socket, stop: threading.Event) -> None:
        sock.sendall(b"\x00\xff" * 5000 + b"\r\n\r\n")

    return _fetch({"/x": route})


@case("http", "a feed with 100,000 items, fetched (over the 8 MB cap)")
def case_http_feed_100k(work: Path) -> str:
    items = b"".join(
        b"<item><title>T %d</title><link>https://example.org/%d</link></item>" % (n, n)
        for n in range(100_000)
    )
    body = b'<?xml version="1.0"?><rss version="2.0"><channel>' + items + b"</channel></rss>"

    def route(sock: socket.socket, stop: threading.Event) -> None:
        respond(sock, body, headers={"Content-Type": "application/rss+xml"})

    return _fetch({"/x": route}, parse=True)
