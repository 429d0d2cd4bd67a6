"""The adaptive schedule: busy feeds more often, quiet ones less, pinned intervals, bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storyline.ingest.scheduler import ScheduleOptions, human_duration, next_interval
from storyline.ingest.sources import PollState, SourceSettings

NOW = datetime(2025, 11, 5, 12, 0, tzinfo=UTC)
OPTIONS = ScheduleOptions(min_interval=300, max_interval=86400)


def test_a_busy_feed_is_polled_often() -> None:
    published = [NOW - timedelta(minutes=30 * i) for i in range(1, 49)]  # 2 an hour, 1 day
    interval = next_interval(PollState(), OPTIONS, new_items=5, published=published, now=NOW)
    assert 600 <= interval <= 1800


def test_a_quiet_feed_is_polled_rarely() -> None:
    published = [NOW - timedelta(days=3), NOW - timedelta(days=6)]
    interval = next_interval(PollState(), OPTIONS, new_items=0, published=published, now=NOW)
    assert interval >= 12 * 3600


def test_without_dates_the_interval_halves_or_grows() -> None:
    state = PollState(interval=3600)
    assert next_interval(state, OPTIONS, new_items=3, published=[], now=NOW) == 1800
    assert next_interval(state, OPTIONS, new_items=0, published=[], now=NOW) == 5400


def test_bounds_and_pinned_intervals() -> None:
    fast = [NOW - timedelta(seconds=10 * i) for i in range(1, 100)]
    assert next_interval(PollState(), OPTIONS, new_items=99, published=fast, now=NOW) == 300
    assert (
        next_interval(PollState(interval=80000), OPTIONS, new_items=0, published=[], now=NOW)
        == 86400
    )
    pinned = PollState(settings=SourceSettings(interval=900))
    assert next_interval(pinned, OPTIONS, new_items=0, published=[], now=NOW) == 900


def test_human_durations() -> None:
    assert [human_duration(s) for s in (30, 600, 7200, 86400 * 2)] == [
        "30 s",
        "10 min",
        "2 h",
        "2 d",
    ]
