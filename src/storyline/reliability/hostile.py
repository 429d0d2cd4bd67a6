"""A hostile HTTP server on 127.0.0.1 for the network cases: real sockets, scripted misdeeds.

Each route is a function that writes a complete raw response (status line, headers, body)
to the socket, so it can lie about lengths, stall half-way, drip bytes, or send a gzip bomb
as ``Content-Encoding``. Bombs are built once, streamed through ``zlib`` in chunks, so the
server never holds the decompressed gigabyte either.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["Route", "brotli_bomb", "gzip_bomb", "serve"]

#: Writes a whole response to the client socket; ``stop`` is set when the server shuts down.
Route = Callable[[socket.socket, threading.Event], None]


@cache
def gzip_bomb(size: int = 1 << 30) -> bytes:
    """``size`` zero bytes, gzip-compressed (1 GB -> about 1 MB), built in 1 MB steps."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    parts = [packer.compress(zeros) for _ in range(size >> 20)]
    parts.append(packer.flush())
    return b"".join(parts)


@cache
def brotli_bomb(size: int = 1 << 30) -> bytes:
    """``size`` zero bytes, brotli-compressed (1 GB -> under 1 KB)."""
    import brotli

    packer = brotli.Compressor(quality=5)
    zeros = bytes(1 << 20)
    parts = [packer.process(zeros) for _ in range(size >> 20)]
    parts.append(packer.finish())
    return b"".join(parts)


def respond(
    sock: socket.socket, body: bytes, *, status: str = "200 OK", headers: dict[str, str]
) -> None:
    """Send a plain, honest response (the routes that misbehave write their own)."""
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Connection: close"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)


def _handler(routes: dict[str, Route], stop: threading.Event) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = routes.get(self.path.split("?", 1)[0])
            if route is None:
                respond(self.connection, b"not here", status="404 Not Found", headers={})
            else:
                # The client hanging up on a misbehaving route is the point, not an error.
                with contextlib.suppress(OSError):
                    route(self.connection, stop)
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the cases report what matters."""

    return Handler


@contextmanager
def serve(routes: dict[str, Route]) -> Iterator[str]:
    """Serve ``routes`` (path -> writer) on 127.0.0.1; yields the base URL."""
    stop = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(routes, stop))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


def stall(sock: socket.socket, stop: threading.Event, head: bytes, seconds: float) -> None:
    """Send ``head`` (headers and part of a body), then go silent for ``seconds``."""
    sock.sendall(head)
    stop.wait(seconds)


def drip(sock: socket.socket, stop: threading.Event, head: bytes, every: float) -> None:
    """Send ``head``, then one byte every ``every`` seconds until the client gives up."""
    sock.sendall(head)
    while not stop.is_set():
        sock.sendall(b"x")
        time.sleep(every)
