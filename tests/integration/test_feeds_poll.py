"""Polling feeds from a real HTTP server on 127.0.0.1 into a real SQLite store, through the
pipeline: what gets stored, what is fetched again, and what the user is told."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storyline.ingest.fetch import Fetcher, FetchOptions
from storyline.ingest.netguard import NetPolicy
from storyline.ingest.scheduler import Poller, ScheduleOptions
from storyline.ingest.sources import PollState, SourceSettings, feed_source
from storyline.pipeline import Pipeline, PipelineOptions
from storyline.store.sqlite import SQLiteStore
from tests.data.feeds.server import FeedServer, start


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    srv = start()
    yield srv
    srv.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    st = SQLiteStore(f"sqlite:///{tmp_path / 'feeds.db'}")
    st.migrate()
    yield st
    st.close()


def poller(store: SQLiteStore, policy: NetPolicy | None = None, **options: int) -> Poller:
    fetcher = Fetcher(FetchOptions(host_delay=0), policy or NetPolicy.allowing("127.0.0.1/32"))
    pipeline = Pipeline(store, PipelineOptions(embed=False))
    return Poller(store, fetcher, pipeline, ScheduleOptions(workers=2, **options))


def follow(store: SQLiteStore, url: str, **settings: str) -> str:
    source = feed_source(url)
    store.save_source(source, PollState(settings=SourceSettings(**settings)))  # type: ignore[arg-type]
    return source.id


def titles(store: SQLiteStore) -> list[str]:
    return sorted(a.title for a in store.iter_articles())


def test_formats_are_stored_with_the_feeds_metadata(server: FeedServer, store: SQLiteStore) -> None:
    for name in ("rss091.xml", "rss10.rdf", "rss20.xml", "atom.xml", "feed.json"):
        follow(store, server.url(f"/feeds/{name}"), full_text="never")
    report = poller(store).run_cycle()
    assert (report.polled, report.failed, report.new_articles) == (5, 0, 6)
    by_title = {a.title: a for a in store.iter_articles()}
    ferry = by_title["Ferry service resumes after winter storm damage"]
    assert ferry.published_how == "feed" and ferry.language == "en"
    assert ferry.url == server.url("/news/ferry-resumes") and "concrete pylons" in ferry.text
    grua = by_title["El puerto instala una nueva grúa para contenedores"]
    assert grua.language == "es" and grua.published is not None
    assert by_title["Neue Straßenbahnlinie fährt ab Dezember durch die Altstadt"].language == "de"
    sources = {s.url: (s, st) for s, st in store.feed_sources()}
    source, state = sources[server.url("/feeds/rss20.xml")]
    assert source.title == "Harbour Gazette" and source.etag and state.stored == 2
    assert state.status == "2 new" and state.next_poll is not None and state.failures == 0


def test_second_poll_uses_conditional_get_and_stores_nothing_twice(
    server: FeedServer, store: SQLiteStore
) -> None:
    follow(store, server.url("/feeds/rss20.xml"), full_text="never")
    polling = poller(store)
    assert polling.run_cycle().new_articles == 2
    before = len(server.hits)
    again = polling.run_cycle(store.feed_sources())
    assert (again.new_articles, again.not_modified) == (0, 1)
    assert len(server.hits) == before + 1
    assert "If-None-Match" in server.hits[-1].headers
    assert store.count_articles() == 2


def test_items_that_change_guid_and_url_are_not_duplicated(
    server: FeedServer, store: SQLiteStore
) -> None:
    follow(store, server.url("/changing-guids"), full_text="never")
    polling = poller(store)
    new = [polling.run_cycle(store.feed_sources()).new_articles for _ in range(4)]
    assert new == [2, 0, 0, 0]
    assert store.count_articles() == 2


def test_summary_only_items_get_the_page_text_and_keep_the_feed_metadata(
    server: FeedServer, store: SQLiteStore
) -> None:
    follow(store, server.url("/feeds/rss20.xml"))
    report = poller(store).run_cycle()
    assert report.pages == 1  # only the summary-only item; the other has full content
    bridge = next(a for a in store.iter_articles() if "bridge" in a.title)
    assert "near-accidents on the road bridge" in bridge.text  # from the page
    assert "All rights reserved" not in bridge.text
    assert bridge.title == "Council approves budget for new school bridge"  # the feed's
    assert bridge.published is not None and bridge.published.hour == 17  # the feed's date
    assert bridge.published_how == "feed"
    assert bridge.author == "Page Author"  # the feed gave none
    robots = [h for h in server.hits if h.path == "/robots.txt"]
    assert robots, "page fetches consult robots.txt"


def test_a_failed_page_fetch_keeps_the_feed_text_and_says_so(
    server: FeedServer, store: SQLiteStore
) -> None:
    follow(store, server.url("/feeds/rss10.rdf"), full_text="always")
    messages: list[str] = []
    report = poller(store).run_cycle(on_message=messages.append)
    assert report.new_articles == 1
    assert "River level falls" in titles(store)[0]
    assert (
        len(messages) == 1 and "full text not fetched for 1 items (first: HTTP 404" in messages[0]
    )


def test_unreachable_and_broken_feeds_are_reported_once_and_the_rest_works(
    server: FeedServer, store: SQLiteStore
) -> None:
    follow(store, server.url("/feeds/atom.xml"), full_text="never")
    follow(store, "http://127.0.0.1:9/feed.xml")  # nothing listens there
    follow(store, server.url("/status/503"))
    follow(store, server.url("/feeds/billion_laughs.xml"))
    follow(store, server.url("/huge"))
    messages: list[str] = []
    polling = poller(store)
    report = polling.run_cycle(on_message=messages.append)
    assert (report.polled, report.failed, report.new_articles) == (5, 4, 1)
    failing = ["127.0.0.1:9/feed.xml", "/status/503", "/billion_laughs.xml", "/huge"]
    for url in failing:  # each failure is reported once, naming the feed
        assert sum(url in m for m in messages) == 1
    assert len(messages) == 5 and any(m.endswith("atom.xml: 1 new") for m in messages)
    joined = "\n".join(messages)
    assert "127.0.0.1:9/feed.xml: connection refused; 1 error, next try in 10 min" in joined
    assert "HTTP 503 Service Unavailable; 1 error, next try in 2 h" in joined  # Retry-After
    assert "declares XML entities" in joined and "larger than 8.0 MB" in joined
    state = {s.url: st for s, st in store.feed_sources()}
    assert state["http://127.0.0.1:9/feed.xml"].failures == 1
    # The next cycle only polls what is due: the failed feeds wait for their back-off.
    assert polling.run_cycle().polled == 0
    again = polling.run_cycle(store.feed_sources())
    assert "2 errors in a row, next try in 20 min" in "\n".join(again.messages)


def test_gone_feeds_are_paused_and_moved_feeds_follow_the_move(
    server: FeedServer, store: SQLiteStore
) -> None:
    follow(store, server.url("/status/410"))
    follow(store, server.url("/moved"), full_text="never")
    poller(store).run_cycle()
    sources = {s.id: s for s, _ in store.feed_sources()}
    gone = sources[feed_source(server.url("/status/410")).id]
    assert gone.paused and "gone" in (store.poll_state(gone.id).status or "")  # type: ignore[union-attr]
    moved = sources[feed_source(server.url("/moved")).id]
    assert moved.url == server.url("/feeds/rss20.xml")


def test_ssrf_guard_refuses_loopback_and_private_redirects_by_default(
    server: FeedServer, store: SQLiteStore
) -> None:
    follow(store, server.url("/feeds/rss20.xml"))
    follow(store, server.url("/to-private"))
    messages: list[str] = []
    before = len(server.hits)
    report = poller(store, NetPolicy()).run_cycle(on_message=messages.append)
    assert report.failed == 2 and store.count_articles() == 0
    assert len(server.hits) == before  # nothing was even sent
    assert all("is a loopback address" in m for m in messages)
    # With loopback allowed (as the tests do for their server), the redirect to a private
    # address is still refused.
    messages.clear()
    poller(store).run_cycle(store.feed_sources(), on_message=messages.append)
    assert any("10.1.2.3 is a private network address" in m for m in messages)
    assert store.count_articles() == 2
