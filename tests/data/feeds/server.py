"""A real HTTP server on 127.0.0.1 for the feed tests: fixtures and misbehaving endpoints.

Serves the files of this folder under ``/feeds/NAME`` (``{host}`` in them becomes the
server's ``127.0.0.1:PORT``) with ETag and Last-Modified, answering 304 to a matching
conditional request, plus dynamic routes a test adds with :meth:`FeedServer.route`. Every
request is logged (path, headers, start and end time) so tests can check what was sent.

Run as a script (``python tests/data/feeds/server.py PORT``) it serves the same routes until
killed: the crash test starts the service against it in a subprocess.
"""

from __future__ import annotations

import gzip
import hashlib
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
LAST_MODIFIED = "Mon, 03 Nov 2025 18:30:00 GMT"

#: A route returns (status, headers, body); body may be an iterator of chunks (streamed).
Reply = tuple[int, dict[str, str], "bytes | Callable[[BaseHTTPRequestHandler], None]"]
Route = Callable[[BaseHTTPRequestHandler], Reply]


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    start: float
    end: float = 0.0


@dataclass
class FeedServer:
    """The server; ``url(path)`` makes absolute URLs, ``hits`` logs requests."""

    httpd: ThreadingHTTPServer
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def route(self, path: str, handler: Route) -> None:
        self.routes[path] = handler

    def static(self, path: str, body: bytes, content_type: str, **extra: str) -> None:
        """Serve fixed bytes with validators (ETag from the content)."""
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'

        def handler(request: BaseHTTPRequestHandler) -> Reply:
            if request.headers.get("If-None-Match") == etag:
                return 304, {"ETag": etag}, b""
            headers = {"Content-Type": content_type, "ETag": etag}
            headers["Last-Modified"] = LAST_MODIFIED
            headers.update(extra)
            return 200, headers, body

        self.route(path, handler)

    def fixture(self, name: str) -> bytes:
        return (HERE / name).read_bytes().replace(b"{host}", self.host.encode())

    def paths(self) -> list[str]:
        with self.lock:
            return [h.path for h in self.hits]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _content_type(name: str) -> str:
    if name.endswith(".json"):
        return "application/feed+json"
    if name.endswith(".html"):
        return "text/html; charset=utf-8"
    if name.endswith(".opml"):
        return "text/x-opml"
    return "application/rss+xml"


def start() -> FeedServer:
    """Start a server on a free port in a daemon thread, with the standard routes."""
    server: FeedServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            return

        def do_GET(self) -> None:
            hit = Hit(self.path, dict(self.headers.items()), time.monotonic())
            with server.lock:
                server.hits.append(hit)
            handler = server.routes.get(self.path.split("?", 1)[0])
            try:
                if handler is None:
                    status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
                else:
                    status, headers, body = handler(self)
                if callable(body):
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    body(self)
                else:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                hit.end = time.monotonic()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
    server = FeedServer(httpd)
    for path in HERE.iterdir():
        if path.suffix in (".xml", ".json", ".rdf", ".html", ".opml"):
            server.static(
                f"/feeds/{path.name}", server.fixture(path.name), _content_type(path.name)
            )
    server.static("/", server.fixture("site.html"), "text/html; charset=utf-8")
    server.static("/news/school-bridge", server.fixture("school-bridge.html"), "text/html")
    server.route("/robots.txt", lambda r: (200, {}, b"User-agent: *\nDisallow: /private/\n"))
    _standard_routes(server)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return server


def _standard_routes(server: FeedServer) -> None:
    def status(code: int, **headers: str) -> Route:
        return lambda r: (code, {"Content-Type": "text/plain", **headers}, b"error page")

    server.route("/status/404", status(404))
    server.route("/status/500", status(500))
    server.route("/status/503", status(503, **{"Retry-After": "7200"}))
    server.route("/status/410", status(410))

    def redirect(target: str, code: int = 302) -> Route:
        return lambda r: (code, {"Location": target}, b"")

    server.route("/moved", redirect("/feeds/rss20.xml", 301))
    server.route("/hop1", redirect("/hop2"))
    server.route("/hop2", redirect("/feeds/atom.xml"))
    server.route("/loop", redirect("/loop"))
    server.route("/to-private", redirect("http://10.1.2.3/feed.xml"))
    server.route("/to-bad-url", redirect("http://[oops/feed.xml"))
    server.route("/to-loopback-name", redirect("http://localhost:1/feed.xml"))

    def slow(request: BaseHTTPRequestHandler) -> Reply:
        time.sleep(3)
        return 200, {"Content-Type": "application/rss+xml"}, server.fixture("rss20.xml")

    server.route("/slow", slow)

    def drip(request: BaseHTTPRequestHandler) -> Reply:
        def body(r: BaseHTTPRequestHandler) -> None:
            for _ in range(60):
                r.wfile.write(b" ")
                r.wfile.flush()
                time.sleep(0.25)

        return 200, {"Content-Type": "application/rss+xml"}, body

    server.route("/drip", drip)

    def huge(with_length: bool) -> Route:
        size = 100 * 1024 * 1024

        def handler(request: BaseHTTPRequestHandler) -> Reply:
            def body(r: BaseHTTPRequestHandler) -> None:
                chunk = b"<!-- padding -->" * 4096
                sent = 0
                while sent < size:
                    r.wfile.write(chunk)
                    sent += len(chunk)

            headers = {"Content-Type": "application/rss+xml"}
            if with_length:
                headers["Content-Length"] = str(size)
            return 200, headers, body

        return handler

    server.route("/huge", huge(True))
    server.route("/huge-unsized", huge(False))
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
    server.route(
        "/bomb",
        lambda r: (200, {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"}, bomb),
    )
    gz = gzip.compress(server.fixture("rss20.xml"))
    server.route(
        "/gzipped",
        lambda r: (200, {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"}, gz),
    )
    try:
        import brotli

        br = brotli.compress(server.fixture("atom.xml"))
        server.route(
            "/brotli",
            lambda r: (200, {"Content-Type": "application/atom+xml", "Content-Encoding": "br"}, br),
        )
    except ImportError:  # pragma: no cover
        pass

    counter = {"n": 0}

    def changing(request: BaseHTTPRequestHandler) -> Reply:
        """Each request gives the same stories new GUIDs (and, every other time, new URLs)."""
        counter["n"] += 1
        body = server.fixture("rss20.xml").replace(b"gazette-", f"v{counter['n']}-".encode())
        if counter["n"] % 2 == 0:
            body = body.replace(b"/news/ferry-resumes", b"/news/ferry-resumes?utm_source=rss")
        return 200, {"Content-Type": "application/rss+xml"}, body

    server.route("/changing-guids", changing)


if __name__ == "__main__":
    srv = start()
    port_file = Path(sys.argv[1])
    port_file.write_text(srv.host)
    while True:
        time.sleep(3600)
