"""The SQLite side of source polling, as a mixin of
:class:`~storyline.store.sqlite.SQLiteStore` (kept apart to keep ``sqlite.py`` short).

Tables of migration 0006: ``source_poll`` (the adaptive schedule, error count, status line
and settings of each feed) and ``feed_items`` (identity keys of feed items, see
:func:`storyline.ingest.feeds.item_keys`). :meth:`SQLiteSourcesMixin.record_poll` writes a
poll's outcome in **one transaction**: the source's ETag/Last-Modified, its schedule and the
items' keys change together or not at all, so after ``kill -9`` the next start re-polls from
the last committed state; articles are committed before (by the pipeline) and have stable
ids, so a re-poll finds them stored and adds nothing twice.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from storyline.ingest.sources import PollState, SourceSettings
from storyline.model import Source, SourceKind, utcnow
from storyline.store.sqlite_rows import (
    UPSERT_SOURCE,
    source_from_row,
    source_params,
    time_text,
    time_value,
    to_json,
)

__all__ = ["SQLiteSourcesMixin"]

_UPSERT_POLL = (
    "INSERT INTO source_poll (source_id, settings, interval_s, next_poll, failures, last_ok, "
    "status, stored) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_id) DO UPDATE SET "
    "settings = excluded.settings, interval_s = excluded.interval_s, "
    "next_poll = excluded.next_poll, failures = excluded.failures, "
    "last_ok = excluded.last_ok, status = excluded.status, stored = excluded.stored"
)


def _state_params(source_id: str, state: PollState) -> tuple[object, ...]:
    return (
        source_id,
        to_json(state.settings.to_dict()),
        state.interval,
        time_text(state.next_poll),
        state.failures,
        time_text(state.last_ok),
        state.status,
        state.stored,
    )


def _state_from_row(row: sqlite3.Row) -> PollState:
    return PollState(
        interval=float(row["interval_s"]),
        next_poll=time_value(row["next_poll"]),
        failures=int(row["failures"]),
        last_ok=time_value(row["last_ok"]),
        status=row["status"],
        stored=int(row["stored"]),
        settings=SourceSettings.from_dict(json.loads(row["settings"] or "{}")),
    )


class SQLiteSourcesMixin:
    """:class:`~storyline.ingest.sources.SourceStore` on the SQLite store."""

    if TYPE_CHECKING:

        def _read(self, action: str) -> AbstractContextManager[sqlite3.Connection]: ...

        def _write(self, action: str) -> AbstractContextManager[sqlite3.Connection]: ...

        def _require_schema(self) -> None: ...

    def feed_sources(self, *, include_paused: bool = True) -> list[tuple[Source, PollState]]:
        """Feed sources with their poll state (a default state if none is stored yet)."""
        self._require_schema()
        with self._read("listing feed sources") as conn:
            rows = conn.execute(
                "SELECT s.*, p.settings, p.interval_s, p.next_poll, p.failures, p.last_ok, "
                "p.status, p.stored, p.source_id AS polled FROM sources AS s "
                "LEFT JOIN source_poll AS p ON p.source_id = s.id "
                "WHERE s.kind = ? ORDER BY s.id",
                (SourceKind.FEED.value,),
            ).fetchall()
        out = []
        for row in rows:
            source = source_from_row(row)
            if source.paused and not include_paused:
                continue
            out.append((source, _state_from_row(row) if row["polled"] else PollState()))
        return out

    def poll_state(self, source_id: str) -> PollState | None:
        self._require_schema()
        with self._read("reading a poll state") as conn:
            row = conn.execute(
                "SELECT * FROM source_poll WHERE source_id = ?", (source_id,)
            ).fetchone()
            exists = conn.execute("SELECT 1 FROM sources WHERE id = ?", (source_id,)).fetchone()
        if row is not None:
            return _state_from_row(row)
        return PollState() if exists else None

    def save_source(self, source: Source, state: PollState) -> None:
        self._require_schema()
        with self._write(f"saving source {source.id}") as conn:
            conn.execute(UPSERT_SOURCE, source_params(source))
            conn.execute(_UPSERT_POLL, _state_params(source.id, state))

    def remove_source(self, source_id: str) -> bool:
        self._require_schema()
        with self._write(f"removing source {source_id}") as conn:
            conn.execute("DELETE FROM feed_items WHERE source_id = ?", (source_id,))
            conn.execute("DELETE FROM source_poll WHERE source_id = ?", (source_id,))
            return conn.execute("DELETE FROM sources WHERE id = ?", (source_id,)).rowcount > 0

    def known_item_keys(self, source_id: str, keys: list[str]) -> dict[str, str]:
        if not keys:
            return {}
        self._require_schema()
        with self._read("reading feed item keys") as conn:
            rows = conn.execute(
                "SELECT item_key, article_id FROM feed_items WHERE source_id = ? "
                "AND item_key IN (SELECT value FROM json_each(?))",
                (source_id, to_json(list(dict.fromkeys(keys)))),
            ).fetchall()
        return {row[0]: row[1] for row in rows}

    def record_poll(self, source: Source, state: PollState, keys: list[tuple[str, str]]) -> None:
        self._require_schema()
        seen = time_text(utcnow())
        with self._write(f"recording a poll of {source.id}") as conn:
            conn.execute(UPSERT_SOURCE, source_params(source))
            conn.execute(_UPSERT_POLL, _state_params(source.id, state))
            conn.executemany(
                "INSERT INTO feed_items (source_id, item_key, article_id, seen) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(source.id, key, article, seen) for key, article in keys],
            )
