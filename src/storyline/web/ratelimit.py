"""Rate limits on the API and search: one token bucket per client address and class.

Each client address (the peer uvicorn reports) gets two buckets (Turner's token bucket,
RFC 2697's single-rate marker in spirit): ``search`` for full-text search and the entity
finder (``/search``, ``/search.json``, ``/search.atom``, ``/entities``), which cost a query
over the whole index, and ``api`` for every other page, feed and write. A bucket holds up
to ``burst`` tokens and refills at ``rate`` tokens a second; a request takes one token, and
a request finding the bucket empty gets **429 Too Many Requests** with ``Retry-After``
(whole seconds until a token is back) and the JSON error envelope. Static files are free.

Loopback clients (the UI on the same machine, the browser tests, a local reverse proxy)
get ``loopback_factor`` times the rate and burst: generous enough that nobody reading the
pages ever sees a 429, while a scraper on the network is held to the plain figures.

The table of buckets is bounded (``max_clients``): idle buckets that have refilled are
dropped first, so a flood of spoofed or one-off addresses cannot grow memory without end.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from storyline.errors import ConfigError
from storyline.web.render import error_response
from storyline.web.security import is_loopback

__all__ = ["RateLimiter", "RateLimits", "TokenBucket", "bucket_class"]

#: Paths that run a full-text or name search (the ``search`` bucket).
SEARCH_PATHS = frozenset({"/search", "/search.json", "/search.atom", "/entities", "/entities.json"})


@dataclass(frozen=True)
class RateLimits:
    """Per-client limits; a rate of 0 turns that class's limit off."""

    api_rate: float = 10.0
    api_burst: int = 100
    search_rate: float = 2.0
    search_burst: int = 30
    loopback_factor: float = 20.0
    max_clients: int = 10_000

    def __post_init__(self) -> None:
        for name in ("api_rate", "search_rate", "loopback_factor"):
            if getattr(self, name) < 0:
                raise ConfigError(f"rate limit {name}: must be 0 (off) or more")
        for name in ("api_burst", "search_burst", "max_clients"):
            if getattr(self, name) < 1:
                raise ConfigError(f"rate limit {name}: must be at least 1")

    @classmethod
    def off(cls) -> RateLimits:
        """No limits at all (tests of other things, trusted deployments)."""
        return cls(api_rate=0.0, search_rate=0.0)

    def for_class(self, kind: str, loopback: bool) -> tuple[float, float]:
        """(rate per second, burst) for a bucket class and kind of client."""
        rate, burst = (
            (self.search_rate, self.search_burst)
            if kind == "search"
            else (self.api_rate, self.api_burst)
        )
        factor = self.loopback_factor if loopback and self.loopback_factor > 0 else 1.0
        return rate * factor, burst * factor


class TokenBucket:
    """``burst`` tokens, refilled at ``rate`` a second (monotonic clock)."""

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = now

    def take(self, now: float) -> float:
        """Take one token: 0.0 if granted, else seconds until one is back."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def full(self, now: float) -> bool:
        return self.tokens + (now - self.stamp) * self.rate >= self.burst


def bucket_class(path: str) -> str | None:
    """Which bucket a path draws from: ``search``, ``api``, or None (free: static files)."""
    if path.startswith("/static/") or path == "/favicon.ico":
        return None
    return "search" if path in SEARCH_PATHS else "api"


class RateLimiter:
    """ASGI middleware applying :class:`RateLimits` (see the module docstring)."""

    def __init__(self, app: ASGIApp, limits: RateLimits | None = None) -> None:
        self.app = app
        self.limits = limits or RateLimits()
        self._buckets: OrderedDict[tuple[str, str], TokenBucket] = OrderedDict()
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        kind = bucket_class(scope.get("path", ""))
        client = scope.get("client")
        host = str(client[0]) if client else "unknown"
        wait = self.check(host, kind) if kind else 0.0
        if wait <= 0.0:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        retry = max(1, math.ceil(wait))
        response = error_response(
            request, 429, f"too many requests: try again in {retry} s", json_always=True
        )
        response.headers["Retry-After"] = str(retry)
        await response(scope, receive, send)

    def check(self, host: str, kind: str) -> float:
        """Take a token for ``host`` from its ``kind`` bucket: 0.0, or seconds to wait."""
        loopback = is_loopback(host)
        rate, burst = self.limits.for_class(kind, loopback)
        if rate <= 0:
            return 0.0
        now = time.monotonic()
        key = (host, kind)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.limits.max_clients:
                    self._evict(now)
                bucket = self._buckets[key] = TokenBucket(rate, burst, now)
            else:
                self._buckets.move_to_end(key)
            return bucket.take(now)

    def _evict(self, now: float) -> None:
        """Drop refilled (idle) buckets; if none, the least recently used tenth."""
        idle = [key for key, bucket in self._buckets.items() if bucket.full(now)]
        for key in idle:
            del self._buckets[key]
        if len(self._buckets) >= self.limits.max_clients:
            for _ in range(max(1, self.limits.max_clients // 10)):
                self._buckets.popitem(last=False)

    @property
    def clients(self) -> int:
        """How many buckets are held (for tests of the bound)."""
        return len(self._buckets)
