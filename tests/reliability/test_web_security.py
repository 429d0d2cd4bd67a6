"""Web-facing security (issue 11): rate limits, SQL injection through every search field and
filter of the pages and the JSON API, and secrets never written to the web app's logs.

Everything runs against the real app on a real SQLite store filled by the real pipeline
(a slice of WikinewsSum plus hostile articles, tests/web/corpus.py), served by uvicorn on
127.0.0.1.
"""

from __future__ import annotations

import io
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import uvicorn

from storyline.pipeline import Pipeline
from storyline.store.sqlite import SQLiteStore
from storyline.web.app import create_app
from storyline.web.logs import redact_target
from storyline.web.ratelimit import RateLimiter, RateLimits, TokenBucket, bucket_class
from storyline.web.security import SESSION_COOKIE
from tests.web.corpus import free_port, hostile_articles, serving, wikinews_articles

TOKEN = "sekrit-token-5f2b9c0e7d41"

#: Classic SQL injection, FTS5 syntax, quoting, control characters, long and odd Unicode.
INJECTIONS: tuple[str, ...] = (
    "' OR '1'='1",
    "' OR 1=1 --",
    '" OR ""="',
    "'; DROP TABLE articles; --",
    ";DROP TABLE articles",
    "1; DELETE FROM articles",
    "x' UNION SELECT sql, name, type, 1, 1 FROM sqlite_master --",
    "') OR ('a'='a",
    "%' AND 1=0 --",
    "--",
    "/*",
    "*",
    "harbour*",
    "title:*",
    "text:harbour",
    "nosuchcolumn:harbour",
    'NEAR("a" "b", 0)',
    "NEAR(",
    "a AND OR NOT b",
    "(((",
    ")",
    '"',
    '"""',
    "^harbour",
    "{a b}:c",
    "\x00",
    "harbour\x00'; DROP TABLE articles; --",
    "2024-13-45",
    "0000-00-00",
    "9999-12-31",
    "-1",
    "99999999999999999999999999",
    "9223372036854775808",
    "²",
    "١٢٣",
    "😀 Ω ✓ \u202eevil\u202c",
    "ﾊｰﾊﾞｰ 港口 ميناء",
    "\\",
    "%",
    "_",
    "a" * 10_000,
    "'" * 3_000,
)
FIELDS = ("q", "from", "to", "source", "language", "entity")
#: What a leaked database error looks like (none occurs in an injection string, which pages
#: may echo back escaped).
LEAKS = (
    "sqlite3.",
    "syntax error",
    "operationalerror",
    "traceback",
    "fts5:",
    "no such column",
    "unrecognized token",
    "malformed match",
    "overflowerror",
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[SQLiteStore]:
    """A small real store: 12 WikinewsSum events and the hostile articles, fully processed."""
    made = SQLiteStore(str(tmp_path_factory.mktemp("websec") / "news.db"))
    made.migrate()
    report = Pipeline(made).store_articles(wikinews_articles(shared_data, 12) + hostile_articles())
    assert report.cluster_error is None and report.enrich_error is None, report
    yield made
    made.close()


@pytest.fixture(scope="module")
def open_server(store: SQLiteStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with rate limits off (the injection sweep sends hundreds of requests)."""
    app = create_app(
        store,
        tokens=[TOKEN],
        prefs_path=tmp_path_factory.mktemp("prefs") / "web.json",
        rate_limits=RateLimits.off(),
    )
    with serving(app) as base:
        yield base


def snapshot(path: str) -> dict[str, int]:
    """Row counts of every table (read-only connection): what an injection could change."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        # Table names come from sqlite_master, not from a request.
        count = 'SELECT count(*) FROM "{}"'
        return {t: conn.execute(count.format(t)).fetchone()[0] for t in tables}


# --- rate limits --------------------------------------------------------------------------


def test_token_bucket_refills_at_its_rate() -> None:
    bucket = TokenBucket(rate=2.0, burst=3, now=0.0)
    assert [bucket.take(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(0.0) == pytest.approx(0.5)
    assert bucket.take(0.5) == 0.0  # one token back after 1/rate seconds
    assert bucket.take(0.5) > 0
    assert bucket.full(10.0)


def test_limits_per_class_and_loopback_is_generous() -> None:
    limiter = RateLimiter(app=None, limits=RateLimits())  # type: ignore[arg-type]
    outside = [limiter.check("203.0.113.9", "search") for _ in range(40)]
    assert outside[:30] == [0.0] * 30 and all(w > 0 for w in outside[30:])
    assert limiter.check("203.0.113.9", "api") == 0.0  # its own bucket
    assert limiter.check("203.0.113.10", "search") == 0.0  # another client
    local = [limiter.check("127.0.0.1", "search") for _ in range(500)]
    assert local == [0.0] * 500
    assert bucket_class("/static/app.css") is None
    assert bucket_class("/search.json") == "search" and bucket_class("/event/x") == "api"
    with pytest.raises(Exception, match="search_burst"):
        RateLimits(search_burst=0)


def test_client_table_is_bounded() -> None:
    limiter = RateLimiter(app=None, limits=RateLimits(max_clients=100))  # type: ignore[arg-type]
    for n in range(2_000):
        limiter.check(f"198.51.{n // 256}.{n % 256}", "api")
    assert limiter.clients <= 100


def test_api_and_search_answer_429_with_retry_after(store: SQLiteStore) -> None:
    limits = RateLimits(api_rate=5e-4, api_burst=3, search_rate=5e-4, search_burst=2)
    app = create_app(store, tokens=[TOKEN], rate_limits=limits)
    with serving(app) as base:
        # 127.0.0.1 gets 20 times the figures: 60 pages, 40 searches in a burst.
        searches = [httpx.get(f"{base}/search.json?q=harbour", timeout=30) for _ in range(41)]
        codes = [r.status_code for r in searches]
        assert codes[:40] == [200] * 40 and codes[40] == 429, codes
        refused = searches[40]
        assert int(refused.headers["retry-after"]) >= 1
        body = refused.json()
        assert body["ok"] is False and body["error"]["status"] == 429
        assert "too many requests" in body["error"]["message"]
        html = httpx.get(f"{base}/search?q=harbour", timeout=30)
        assert html.status_code == 429 and html.headers["retry-after"]
        # Pages draw from their own bucket; static files are free.
        assert httpx.get(f"{base}/index.json", timeout=30).status_code == 200
        for _ in range(100):
            assert httpx.get(f"{base}/static/app.css", timeout=30).status_code == 200


def test_default_limits_let_the_ui_through(store: SQLiteStore) -> None:
    """The default loopback limits: a burst like a user clicking around never sees a 429."""
    app = create_app(store, tokens=[TOKEN], similar=None)
    with serving(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        paths = ["/", "/index.json", "/search?q=harbour", "/entities", "/search.json?q=mayor"]
        codes = {client.get(paths[n % len(paths)]).status_code for n in range(300)}
        assert codes == {200}


# --- SQL injection ------------------------------------------------------------------------


def _checked(response: httpx.Response, what: str) -> None:
    assert response.status_code in {200, 400, 404}, (what, response.status_code, response.text)
    lowered = response.text.lower()
    leaked = [word for word in LEAKS if word in lowered]
    assert not leaked, (what, leaked, response.text[:500])


def test_injection_in_every_search_field_and_filter(open_server: str, store: SQLiteStore) -> None:
    before = snapshot(str(store.path))
    answered = 0
    with httpx.Client(base_url=open_server, timeout=60) as client:
        for text in INJECTIONS:
            value = quote(text, safe="")
            for field in FIELDS:
                # The filters are only applied when there are words: give them some.
                base = "" if field == "q" else "q=harbour&"
                for path in ("/search", "/search.json", "/search.atom"):
                    _checked(
                        client.get(f"{path}?{base}{field}={value}"), f"{path} {field} {text!r}"
                    )
                    answered += 1
            for path in (
                f"/entities?q={value}",
                f"/entities.json?q={value}",
                f"/event/{value}",
                f"/event/{value}.json",
                f"/article/{value}.json",
                f"/storyline/{value}",
                f"/entity/{value}.json",
                f"/entity/{value}.atom",
                f"/storyline/{value}.atom",
            ):
                _checked(client.get(path), f"{path[:40]} {text!r}")
                answered += 1
        # Writes take ids from the path and the form: still parameters only.
        for text in INJECTIONS[:10]:
            value = quote(text, safe="")
            headers = {"Authorization": f"Bearer {TOKEN}"}
            response = client.post(f"/event/{value}/merge", data={"target": text}, headers=headers)
            assert response.status_code in {400, 404}, response.text
            _checked(response, f"merge {text!r}")
    assert answered == len(INJECTIONS) * (len(FIELDS) * 3 + 9)
    assert snapshot(str(store.path)) == before
    assert store.integrity_check() == []


def test_injection_results_are_the_literal_words(open_server: str, store: SQLiteStore) -> None:
    """Quotes and FTS operators are searched as words, not run: no 'OR 1=1' match-all."""
    stored = store.count_articles()
    for text in ("' OR '1'='1", "' OR 1=1 --", "*", "title:*", 'NEAR("a" "b", 0)'):
        response = httpx.get(f"{open_server}/search.json?q={quote(text)}", timeout=30)
        assert response.status_code == 200, response.text
        assert response.json()["data"]["total"] < stored, text
    harbour = httpx.get(f"{open_server}/search.json?q=harbour", timeout=30).json()["data"]
    assert harbour["total"] >= 1


# --- secrets never logged -----------------------------------------------------------------


class _Broken(SQLiteStore):
    """The real store, with search failing as a disk error would: drives the error log."""

    def search(self, query: str, *, limit: int = 20, copies: bool = False):  # type: ignore[no-untyped-def]
        raise RuntimeError("search index unavailable")


@pytest.fixture()
def log_capture() -> Iterator[io.StringIO]:
    text = io.StringIO()
    handler = logging.StreamHandler(text)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    # The server's loggers only: the test's own HTTP client (httpx) logs the URLs it sends.
    names = ("uvicorn", "uvicorn.error", "uvicorn.access", "storyline", "starlette")
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    yield text
    for lg, level in zip(loggers, levels, strict=True):
        lg.removeHandler(handler)
        lg.setLevel(level)


def test_tokens_headers_and_cookies_never_logged(
    store: SQLiteStore, log_capture: io.StringIO, capfd: pytest.CaptureFixture[str]
) -> None:
    broken = _Broken(str(store.path))
    app = create_app(broken, tokens=[TOKEN], access_log=True)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="debug", access_log=True)
    logging.getLogger("uvicorn.access").addHandler(logging.StreamHandler(log_capture))
    logging.getLogger("uvicorn.error").addHandler(logging.StreamHandler(log_capture))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            login = client.get(f"/login?token={TOKEN}&next=/", follow_redirects=False)
            assert login.status_code == 303
            session = login.cookies[SESSION_COOKIE]
            bearer = {"Authorization": f"Bearer {TOKEN}", "Cookie": f"{SESSION_COOKIE}={session}"}
            assert client.get(f"/?token={TOKEN}&api_key={TOKEN}", headers=bearer).status_code == 200
            client.post("/login", data={"token": TOKEN, "next": "/"}, follow_redirects=False)
            client.post(
                "/prefs",
                data={"kind": "source", "key": "x", "mode": "show", "csrf": TOKEN},
                headers=bearer,
            )
            client.get(f"/login?token=wrong-{TOKEN}")
            # Last: after an unhandled error uvicorn drops the keep-alive connection.
            failed = client.get(f"/search.json?q=harbour&token={TOKEN}", headers=bearer)
            assert failed.status_code == 500
            assert TOKEN not in failed.text and session not in failed.text
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        broken.close()
    out, err = capfd.readouterr()
    logged = log_capture.getvalue() + out + err
    # The logs did record these requests (so the test can fail), with the secrets masked.
    assert "GET /login?token=***&next=/ 303" in logged, logged[-2000:]
    assert "/search.json?q=harbour&token=***" in logged
    assert "search index unavailable" in logged  # the error log has the 500
    for secret in (TOKEN, session):
        assert secret not in logged, f"a secret reached the logs:\n{logged[-3000:]}"
    assert "Bearer" not in logged and SESSION_COOKIE not in logged


def test_redaction_of_request_targets() -> None:
    assert redact_target("/login?token=abc&next=/") == "/login?token=***&next=/"
    assert redact_target("/x?API-Key=1&q=token&Session=2") == "/x?API-Key=***&q=token&Session=***"
    assert redact_target("/plain") == "/plain"
