"""The HTTP client every collector uses: polite, capped, and behind the SSRF guard.

Built on :mod:`http.client` rather than a higher-level client because the guard must decide
which IP address the socket connects to (:mod:`storyline.ingest.netguard`: resolve once,
vet, connect to the vetted address), and because every redirect hop must be vetted again.

What it does, per request:

* a clear ``User-Agent`` naming Storyline, and ``Accept-Encoding: gzip, deflate, br``;
* conditional GET (``If-None-Match``/``If-Modified-Since``), a 304 is a normal answer;
* redirects followed up to ``max_redirects``, each target vetted;
* a size cap on the body *after* decompression, read in chunks and never held whole
  (a 100 MB answer or a gzip bomb costs at most ``max_bytes``), and a time cap on the whole
  exchange (a server that drips one byte a second is cut off);
* per-host politeness: one request at a time per host and ``host_delay`` seconds between
  requests (raised to the site's ``Crawl-delay``);
* ``robots.txt`` (RFC 9309) for page fetches: a 4xx robots file allows everything, an
  unreachable one (5xx, network error) disallows everything, as the RFC says.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from storyline import __version__
from storyline.errors import SourceError
from storyline.ingest.netguard import NetPolicy, Target, join_url

__all__ = [
    "DEFAULT_USER_AGENT",
    "FetchError",
    "FetchOptions",
    "Fetcher",
    "HostGate",
    "Response",
]

DEFAULT_USER_AGENT = (
    f"Storyline/{__version__} (self-hosted news reader; "
    "+https://github.com/storyline-news/storyline)"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


class FetchError(SourceError):
    """A fetch failed; ``status`` is the HTTP status when there was one, ``retry_after`` the
    seconds the server asked us to wait (429/503), if it said."""

    def __init__(
        self,
        origin: str,
        reason: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(origin, reason)
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """Caps and manners. ``timeout`` bounds each network wait, ``total_timeout`` a whole
    fetch including redirects; ``max_bytes`` caps a decompressed body."""

    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 15.0
    total_timeout: float = 60.0
    max_bytes: int = 8 * 1024 * 1024
    max_redirects: int = 5
    host_delay: float = 1.0
    max_crawl_delay: float = 30.0
    robots_ttl: float = 24 * 3600.0


@dataclass(slots=True)
class Response:
    """A complete answer: ``url`` is the final URL after redirects, ``status`` 200 or 304."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes = b""
    redirects: list[tuple[int, str]] = field(default_factory=list)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def permanent_url(self) -> str | None:
        """Where a permanent redirect chain (301/308 only) says the resource now lives."""
        if self.redirects and all(code in (301, 308) for code, _ in self.redirects):
            return self.redirects[-1][1]
        return None


class HostGate:
    """One request at a time per host, and at least ``delay`` seconds between two of them.

    Threads fetching from different hosts never wait for each other.
    """

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._lock = threading.Lock()
        self._hosts: dict[str, threading.Lock] = {}
        self._last: dict[str, float] = {}
        self._delays: dict[str, float] = {}

    def set_delay(self, host: str, delay: float) -> None:
        with self._lock:
            self._delays[host] = max(self.delay, delay)

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        with self._lock:
            lock = self._hosts.setdefault(host, threading.Lock())
        with lock:
            wait = self._last.get(host, -1e9) + self._delays.get(host, self.delay)
            pause = wait - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            try:
                yield
            finally:
                self._last[host] = time.monotonic()


class _Connection(http.client.HTTPConnection):
    """Plain HTTP to the vetted address (the Host header keeps the name)."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _TLSConnection(http.client.HTTPSConnection):
    """HTTPS to the vetted address; the certificate is checked against the host name."""

    def __init__(self, target: Target, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=context)
        self._address = target.address
        self._tls = context

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


class _Decoder:
    """Incremental Content-Encoding decoding that never produces more than ``limit`` bytes."""

    def __init__(self, encoding: str, limit: int, url: str) -> None:
        self.encoding = encoding
        self.limit = limit
        self.url = url
        self.size = 0
        self._zlib: Any = None
        self._brotli: Any = None
        if encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj()
        elif encoding == "br":
            import brotli

            self._brotli = brotli.Decompressor()
        elif encoding not in ("", "identity"):
            raise FetchError(url, f"unsupported Content-Encoding {encoding!r}")

    def _count(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self.limit:
            raise _too_large(self.url, self.limit)
        return data

    def feed(self, chunk: bytes) -> bytes:
        try:
            if self._zlib is not None:
                out = [self._count(self._zlib.decompress(chunk, self.limit - self.size + 1))]
                while self._zlib.unconsumed_tail:
                    tail = self._zlib.unconsumed_tail
                    out.append(self._count(self._zlib.decompress(tail, self.limit - self.size + 1)))
                return b"".join(out)
            if self._brotli is not None:
                room = self.limit - self.size + 1
                out = [self._count(self._brotli.process(chunk, output_buffer_limit=room))]
                while not self._brotli.can_accept_more_data():
                    room = self.limit - self.size + 1
                    out.append(self._count(self._brotli.process(b"", output_buffer_limit=room)))
                return b"".join(out)
        except (zlib.error, OSError) as error:
            raise FetchError(self.url, f"corrupt {self.encoding} data: {error}") from error
        except Exception as error:  # brotli.error has no stable import path
            if isinstance(error, FetchError):
                raise
            raise FetchError(self.url, f"corrupt {self.encoding} data: {error}") from error
        return self._count(chunk)


def _too_large(url: str, limit: int) -> FetchError:
    return FetchError(url, f"response larger than {limit / 1_048_576:.1f} MB, refused")


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class Fetcher:
    """Fetches URLs under one :class:`NetPolicy` and one set of :class:`FetchOptions`.

    Safe to share between threads: the host gate serialises requests per host.
    """

    def __init__(
        self, options: FetchOptions | None = None, policy: NetPolicy | None = None
    ) -> None:
        self.options = options or FetchOptions()
        self.policy = policy if policy is not None else NetPolicy.from_env()
        self.gate = HostGate(self.options.host_delay)
        self._tls = ssl.create_default_context()
        self._robots: dict[str, tuple[float, RobotFileParser | None, bool]] = {}
        self._robots_lock = threading.Lock()
        #: Requests sent over the network (every hop and robots.txt counts), for benchmarks.
        self.requests = 0
        self._count_lock = threading.Lock()

    # -- public -------------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int | None = None,
        accept: str = "*/*",
        robots: bool = False,
    ) -> Response:
        """GET ``url`` following redirects; raises :class:`FetchError` (or the guard's error).

        With ``robots=True`` (page fetches) the URL and every redirect target must be allowed
        by the site's robots.txt for our User-Agent.
        """
        limit = max_bytes or self.options.max_bytes
        deadline = time.monotonic() + self.options.total_timeout
        redirects: list[tuple[int, str]] = []
        current = url
        while True:
            if robots and not self.robots_allowed(current):
                raise FetchError(current, "disallowed by the site's robots.txt", status=None)
            target = self.policy.vet(current)
            headers = {"Accept": accept}
            if etag and not redirects:
                headers["If-None-Match"] = etag
            if last_modified and not redirects:
                headers["If-Modified-Since"] = last_modified
            response, location = self._exchange(target, headers, limit, deadline)
            if location is None:
                response.redirects = redirects
                return response
            redirects.append((response.status, location))
            if len(redirects) > self.options.max_redirects:
                raise FetchError(
                    url, f"more than {self.options.max_redirects} redirects (last to {location})"
                )
            current = location

    def robots_allowed(self, url: str) -> bool:
        """Whether robots.txt lets our User-Agent fetch ``url`` (cached per site)."""
        parts = urlsplit(url)
        site = f"{parts.scheme}://{parts.netloc}"
        now = time.monotonic()
        with self._robots_lock:
            cached = self._robots.get(site)
        if cached is None or now - cached[0] > self.options.robots_ttl:
            parser, allow_all = self._load_robots(site)
            cached = (now, parser, allow_all)
            with self._robots_lock:
                self._robots[site] = cached
        _, parser, allow_all = cached
        if parser is None:
            return allow_all
        return parser.can_fetch(self.options.user_agent, url)

    # -- internals ----------------------------------------------------------------------

    def _load_robots(self, site: str) -> tuple[RobotFileParser | None, bool]:
        try:
            response = self.get(f"{site}/robots.txt", max_bytes=512 * 1024, accept="text/plain")
        except FetchError as error:
            if error.status is not None and 400 <= error.status < 500:
                return None, True
            return None, False
        except SourceError:
            return None, False
        parser = RobotFileParser()
        parser.parse(response.body.decode("utf-8", "replace").splitlines())
        delay = parser.crawl_delay(self.options.user_agent)
        if delay is not None:
            host = urlsplit(site).netloc
            self.gate.set_delay(host, min(float(delay), self.options.max_crawl_delay))
        return parser, True

    def _connection(self, target: Target, timeout: float) -> http.client.HTTPConnection:
        if target.scheme == "https":
            return _TLSConnection(target, timeout, self._tls)
        return _Connection(target, timeout)

    def _exchange(
        self, target: Target, extra: dict[str, str], limit: int, deadline: float
    ) -> tuple[Response, str | None]:
        """One request/response; returns the response and the redirect target, if any."""
        url = target.url
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(url, f"timed out after {self.options.total_timeout:g} s in all")
        timeout = min(self.options.timeout, remaining)
        with self.gate.slot(f"{target.host}:{target.port}"):
            conn = self._connection(target, timeout)
            try:
                with self._count_lock:
                    self.requests += 1
                conn.putrequest("GET", target.path, skip_accept_encoding=True)
                conn.putheader("User-Agent", self.options.user_agent)
                conn.putheader("Accept-Encoding", "gzip, deflate, br")
                for name, value in extra.items():
                    conn.putheader(name, value)
                conn.endheaders()
                raw = conn.getresponse()
                headers = {k.lower(): v for k, v in raw.getheaders()}
                status = raw.status
                if status in _REDIRECTS:
                    location = headers.get("location")
                    if not location:
                        raise FetchError(url, f"HTTP {status} redirect without a Location")
                    target_url = join_url(url, location.strip())
                    if target_url is None:
                        raise FetchError(url, f"HTTP {status} redirect to a bad URL {location!r}")
                    return Response(url, status, headers), target_url
                if status == 304:
                    return Response(url, status, headers), None
                if status >= 400 or status < 200:
                    raise FetchError(
                        url,
                        f"HTTP {status} {raw.reason}".strip(),
                        status=status,
                        retry_after=_retry_after(headers.get("retry-after")),
                    )
                body = self._read_body(conn, raw, headers, limit, deadline, url)
                return Response(url, status, headers, body), None
            except FetchError:
                raise
            except TimeoutError as error:
                raise FetchError(url, f"timed out (no answer within {timeout:g} s)") from error
            except ConnectionRefusedError as error:
                raise FetchError(url, "connection refused") from error
            except ssl.SSLError as error:
                raise FetchError(url, f"TLS error: {error.reason or error}") from error
            except http.client.HTTPException as error:
                raise FetchError(url, f"bad HTTP response: {type(error).__name__}") from error
            except OSError as error:
                raise FetchError(url, f"network error: {error.strerror or error}") from error
            finally:
                conn.close()

    def _read_body(
        self,
        conn: http.client.HTTPConnection,
        raw: http.client.HTTPResponse,
        headers: dict[str, str],
        limit: int,
        deadline: float,
        url: str,
    ) -> bytes:
        length = headers.get("content-length", "")
        encoding = headers.get("content-encoding", "").strip().lower()
        if length.isdigit() and not encoding and int(length) > limit:
            raise _too_large(url, limit)
        decoder = _Decoder(encoding, limit, url)
        parts: list[bytes] = []
        raw_size = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FetchError(url, f"timed out after {self.options.total_timeout:g} s in all")
            if conn.sock is not None:
                conn.sock.settimeout(min(self.options.timeout, remaining))
            chunk = raw.read1(_CHUNK) if hasattr(raw, "read1") else raw.read(_CHUNK)
            if not chunk:
                break
            raw_size += len(chunk)
            if raw_size > limit:
                raise _too_large(url, limit)
            parts.append(decoder.feed(chunk))
        if length.isdigit() and raw_size < int(length):
            # http.client's read1() returns b"" when the server hangs up early, without
            # raising IncompleteRead: a cut-off page would pass for a whole one.
            raise FetchError(
                url, f"connection closed after {raw_size} of {int(length)} bytes (truncated)"
            )
        return b"".join(parts)
