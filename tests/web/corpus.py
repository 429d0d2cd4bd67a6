"""The web tests' store: WikinewsSum reports and their sources, the two seeds and hostile
articles, all through the real pipeline (extraction, dedup, embedding, entities, events).

WikinewsSum carries no dates or publishers, so each event's articles get a date from the
event's place in the file (a day apart from November 2004, when its reports were written)
and a publisher from their URL, as a feed would give.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import uvicorn

from storyline.extract import ARTICLE_MEDIA_TYPE, extract
from storyline.model import Article, RawDoc, RelatedLink
from storyline.pipeline import Pipeline
from storyline.reliability.load import event_lines
from storyline.store.sqlite import SQLiteStore

#: How many WikinewsSum events (report + sources each) go into the store.
EVENTS = 45
SEED_DATES = {"003": "2024-07-05T10:00:00+00:00", "000": "2024-08-22T09:00:00+00:00"}

#: Hostile payloads: each would set window.__pwned or open a dialog if it ever ran.
SCRIPT = "<script>window.__pwned = 1; alert('script')</script>"
ONERROR = '<img src="x" onerror="window.__pwned = 2; alert(\'onerror\')">'
JS_LINK = "javascript:window.__pwned=3;alert('link')"


def _record(key: str, title: str | None, text: str, **fields: str | None) -> Article:
    data = {"id": key, "title": title, "text": text, **fields}
    raw = RawDoc(origin=key, content=text, media_type=ARTICLE_MEDIA_TYPE, fields=data)
    return extract(raw)


def wikinews_articles(data: Path, events: int = EVENTS) -> list[Article]:
    """The first ``events`` WikinewsSum events (report + sources), as the load test feeds
    them (:func:`storyline.reliability.load.event_lines`), through extraction."""
    out = []
    path = data / "events" / "wikinewssum-en.jsonl"
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if number >= events:
                break
            for record in event_lines(json.loads(line), number):
                key, title, text = record.pop("id"), record.pop("title"), record.pop("text")
                out.append(_record(key, title, text, **record))
    return out


def seed_articles(seeds: dict[str, Path]) -> list[Article]:
    return [
        _record(
            f"seed{key}",
            None,
            seeds[key].read_text("utf-8"),
            published=SEED_DATES[key],
            source="seeds",
        )
        for key in ("003", "000")
    ]


def hostile_articles() -> list[Article]:
    """Articles as a hostile page might give them: script in title, text, links, names."""
    body = (
        f"Hostile harbour report. The mayor of Xanadu Harbour said the pier will reopen. "
        f"{SCRIPT} Officials confirmed the repairs. {ONERROR} "
        f'<a href="{JS_LINK}">click here</a> for more on Xanadu Harbour.'
    )
    made = [
        _record(
            "hostile1",
            f"Xanadu Harbour pier {SCRIPT}",
            body,
            url="https://evil.example/harbour",
            source="evil.example",
            language="en",
            published="2004-11-20T10:00:00+00:00",
        ),
        _record(
            "hostile2",
            f"Xanadu Harbour pier reopens {ONERROR}",
            body + "\n\nMore text about the Xanadu Harbour pier and the mayor.",
            url=JS_LINK,
            source="evil.example",
            language="en",
            published="2004-11-20T12:00:00+00:00",
        ),
    ]
    # An article object straight from a store of the wild: every field hostile.
    made.append(
        Article(
            id="hostile3",
            title=f'Xanadu Harbour "><svg onload=alert(4)> {SCRIPT}',
            text=f"Xanadu Harbour pier news. {ONERROR}\n\n{SCRIPT}\n\nThe mayor spoke again.",
            url=JS_LINK,
            canonical_url="data:text/html,<script>alert(5)</script>",
            site_name=f"Evil {ONERROR}",
            author=SCRIPT,
            language="en",
            source_id="evil.example",
            published=datetime(2004, 11, 20, 14, tzinfo=UTC),
            related=[RelatedLink(title=f"Related {SCRIPT}", url=JS_LINK, snippet=ONERROR)],
        )
    )
    return made


def build_store(path: Path, data: Path, seeds: dict[str, Path]) -> SQLiteStore:
    store = SQLiteStore(str(path))
    store.migrate()
    articles = wikinews_articles(data) + seed_articles(seeds) + hostile_articles()
    report = Pipeline(store).store_articles(articles)
    assert report.cluster_error is None and report.embed_error is None, report
    assert report.enrich_error is None, report
    return store


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(app: object) -> Iterator[str]:
    """Run ``app`` under uvicorn on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
