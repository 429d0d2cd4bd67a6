"""The SQLite side of events and storylines, as a mixin of
:class:`~storyline.store.sqlite.SQLiteStore` (kept apart to keep ``sqlite.py`` short).

Tables of migration 0005: ``article_events`` (which event each article joined),
``events`` and ``storylines`` (what pages show), ``cluster_merges`` (every merge, with
why) and ``cluster_corrections`` (user corrections, in order). One clustering batch is
written in one transaction. Corrections change the rows at once *and* are recorded, so the
clusterer (:class:`storyline.link.stream.EventStream`) reads them back as constraints.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storyline.errors import BadInputError
from storyline.link.events import Assignment, Corrections, Merge, event_id
from storyline.link.storylines import storyline_id
from storyline.link.stream import EventRow, StorylineRow
from storyline.model import utcnow
from storyline.store.sqlite_rows import time_text, time_value, to_json

__all__ = ["SQLiteEventsMixin"]

_EVENT_COLUMNS = (
    "id, storyline_id, title, event_date, first_seen, last_seen, articles, languages, "
    "publishers, closed, merged_into"
)
_STORY_COLUMNS = (
    "id, label, key_entities, first_seen, last_seen, events, articles, closed, merged_into"
)


def _event(row: sqlite3.Row) -> EventRow:
    return EventRow(
        id=row["id"],
        storyline_id=row["storyline_id"],
        title=row["title"],
        event_date=date.fromisoformat(row["event_date"]) if row["event_date"] else None,
        first_seen=time_value(row["first_seen"]),
        last_seen=time_value(row["last_seen"]),
        articles=int(row["articles"]),
        languages=json.loads(row["languages"]),
        publishers=json.loads(row["publishers"]),
        closed=bool(row["closed"]),
        merged_into=row["merged_into"],
    )


def _storyline(row: sqlite3.Row) -> StorylineRow:
    return StorylineRow(
        id=row["id"],
        label=row["label"],
        key_entities=json.loads(row["key_entities"]),
        first_seen=time_value(row["first_seen"]),
        last_seen=time_value(row["last_seen"]),
        events=int(row["events"]),
        articles=int(row["articles"]),
        closed=bool(row["closed"]),
        merged_into=row["merged_into"],
    )


class SQLiteEventsMixin:
    """Event/storyline rows, assignments, merges and corrections on the store's connections."""

    if TYPE_CHECKING:
        path: Path

        def _read(self, action: str) -> AbstractContextManager[sqlite3.Connection]: ...

        def _write(self, action: str) -> AbstractContextManager[sqlite3.Connection]: ...

        def _require_schema(self) -> None: ...

    # -- clustering ---------------------------------------------------------------------

    def save_clustering(
        self,
        assignments: Sequence[Assignment],
        events: Sequence[EventRow],
        storylines: Sequence[StorylineRow],
        merges: Sequence[Merge],
    ) -> None:
        """Write one clustering batch in one transaction."""
        self._require_schema()
        now = time_text(utcnow())
        with self._write(f"storing {len(assignments)} event assignments") as conn:
            seq = conn.execute("SELECT coalesce(max(seq), 0) FROM article_events").fetchone()[0]
            conn.executemany(
                "INSERT INTO article_events (article_id, event_id, score, seq, assigned_at) "
                "SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM articles WHERE id = ?1) "
                "ON CONFLICT (article_id) DO UPDATE SET event_id = excluded.event_id",
                [
                    (a.article_id, a.event_id, a.score, seq + i + 1, now)
                    for i, a in enumerate(assignments)
                ],
            )
            for merge in merges:
                if merge.kind == "event":
                    conn.execute(
                        "UPDATE article_events SET event_id = ? WHERE event_id = ?",
                        (merge.target, merge.source),
                    )
                else:
                    conn.execute(
                        "UPDATE events SET storyline_id = ? WHERE storyline_id = ?",
                        (merge.target, merge.source),
                    )
            conn.executemany(
                f"INSERT OR REPLACE INTO events ({_EVENT_COLUMNS}, updated_at) "  # noqa: S608 - fixed column lists
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [self._event_params(e, now) for e in events],
            )
            conn.executemany(
                f"INSERT OR REPLACE INTO storylines ({_STORY_COLUMNS}, updated_at) "  # noqa: S608 - fixed column lists
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        s.id,
                        s.label,
                        to_json(s.key_entities),
                        time_text(s.first_seen),
                        time_text(s.last_seen),
                        s.events,
                        s.articles,
                        int(s.closed),
                        s.merged_into,
                        now,
                    )
                    for s in storylines
                ],
            )
            conn.executemany(
                "INSERT INTO cluster_merges (kind, source, target, score, reason, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(m.kind, m.source, m.target, m.score, m.reason, now) for m in merges],
            )

    @staticmethod
    def _event_params(e: EventRow, now: str | None) -> tuple[Any, ...]:
        return (
            e.id,
            e.storyline_id,
            e.title,
            e.event_date.isoformat() if e.event_date else None,
            time_text(e.first_seen),
            time_text(e.last_seen),
            e.articles,
            to_json(e.languages),
            to_json(e.publishers),
            int(e.closed),
            e.merged_into,
            now,
        )

    def recent_assignments(self, limit: int) -> list[tuple[str, str, str | None]]:
        """The newest ``limit`` (article, event, storyline) of open events, oldest first: the
        window a resumed clusterer replays (closed events take no articles anyway)."""
        self._require_schema()
        with self._read("reading event assignments") as conn:
            rows = conn.execute(
                "SELECT a.article_id, a.event_id, e.storyline_id FROM article_events a "
                "JOIN events e ON e.id = a.event_id WHERE e.closed = 0 AND e.merged_into IS NULL "
                "ORDER BY a.seq DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [(r[0], r[1], r[2]) for r in reversed(rows)]

    def load_corrections(self) -> Corrections:
        """Every user correction, replayed in order into constraints for the clusterer."""
        self._require_schema()
        corrections = Corrections()
        with self._read("reading corrections") as conn:
            rows = conn.execute(
                "SELECT kind, article_id, event_id, target FROM cluster_corrections ORDER BY id"
            ).fetchall()
        for kind, article, event, target in rows:
            if kind == "merge":
                corrections.redirect[event] = target
            elif kind == "split":
                corrections.split[article] = event
            elif kind == "move":
                corrections.storyline_of[event] = target
        return corrections

    def events_of(self, article_ids: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        """article id → (event id, storyline id) for the clustered ones among ``article_ids``."""
        self._require_schema()
        out: dict[str, tuple[str, str | None]] = {}
        with self._read("reading event assignments") as conn:
            for start in range(0, len(article_ids), 500):
                chunk = list(article_ids[start : start + 500])
                marks = ",".join("?" * len(chunk))
                for aid, eid, sid in conn.execute(
                    "SELECT a.article_id, a.event_id, e.storyline_id FROM article_events a "  # noqa: S608 - fixed column lists
                    f"LEFT JOIN events e ON e.id = a.event_id WHERE a.article_id IN ({marks})",
                    chunk,
                ):
                    out[aid] = (eid, sid)
        return out

    def unclustered_ids(self, *, limit: int = 1000) -> list[str]:
        """Up to ``limit`` stored articles in no event, in publication order (undated last)."""
        self._require_schema()
        with self._read("finding articles without an event") as conn:
            rows = conn.execute(
                "SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM article_events) "
                "ORDER BY published IS NULL, published, id LIMIT ?",
                (limit,),
            ).fetchall()
        return [r[0] for r in rows]

    # -- reading ------------------------------------------------------------------------

    def get_event(self, eid: str) -> EventRow | None:
        self._require_schema()
        with self._read("reading an event") as conn:
            row = conn.execute(
                "SELECT " + _EVENT_COLUMNS + " FROM events WHERE id = ?",  # noqa: S608 - fixed column lists
                (eid,),
            ).fetchone()
        return None if row is None else _event(row)

    def list_events(self, *, storyline: str | None = None, limit: int = 50) -> list[EventRow]:
        """Events, newest first (or one storyline's, in date order), merged ones left out."""
        self._require_schema()
        with self._read("listing events") as conn:
            if storyline is None:
                rows = conn.execute(
                    "SELECT " + _EVENT_COLUMNS + " FROM events WHERE merged_into IS NULL "  # noqa: S608 - fixed column lists
                    "AND articles > 0 ORDER BY last_seen DESC, id LIMIT ?",
                    (limit,),
                ).fetchall()
            else:
                rows = conn.execute(
                    "SELECT " + _EVENT_COLUMNS + " FROM events WHERE storyline_id = ? AND "  # noqa: S608 - fixed column lists
                    "merged_into IS NULL AND articles > 0 "
                    "ORDER BY coalesce(event_date, first_seen), id LIMIT ?",
                    (storyline, limit),
                ).fetchall()
        return [_event(r) for r in rows]

    def event_articles(self, eid: str) -> list[str]:
        """Ids of an event's articles in the order they joined."""
        self._require_schema()
        with self._read("reading an event's articles") as conn:
            rows = conn.execute(
                "SELECT article_id FROM article_events WHERE event_id = ? ORDER BY seq", (eid,)
            ).fetchall()
        return [r[0] for r in rows]

    def get_storyline(self, sid: str) -> StorylineRow | None:
        self._require_schema()
        with self._read("reading a storyline") as conn:
            row = conn.execute(
                "SELECT " + _STORY_COLUMNS + " FROM storylines WHERE id = ?",  # noqa: S608 - fixed column lists
                (sid,),
            ).fetchone()
        return None if row is None else _storyline(row)

    def list_storylines(self, *, limit: int = 50) -> list[StorylineRow]:
        """Storylines, most recently active first."""
        self._require_schema()
        with self._read("listing storylines") as conn:
            rows = conn.execute(
                "SELECT " + _STORY_COLUMNS + " FROM storylines WHERE merged_into IS NULL "  # noqa: S608 - fixed column lists
                "AND events > 0 ORDER BY last_seen DESC, id LIMIT ?",
                (limit,),
            ).fetchall()
        return [_storyline(r) for r in rows]

    def cluster_merges(self, limit: int = 100) -> list[Merge]:
        self._require_schema()
        with self._read("reading merges") as conn:
            rows = conn.execute(
                "SELECT kind, source, target, score, reason FROM cluster_merges "
                "ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [Merge(r[1], r[2], float(r[3]), r[0], r[4]) for r in rows]

    # -- corrections --------------------------------------------------------------------

    def _need_event(self, conn: sqlite3.Connection, eid: str) -> sqlite3.Row:
        row: sqlite3.Row | None = conn.execute(
            "SELECT " + _EVENT_COLUMNS + " FROM events WHERE id = ?",  # noqa: S608
            (eid,),
        ).fetchone()
        if row is None or row["merged_into"] is not None:
            raise BadInputError(
                eid, "no such event (or it was merged): see `storyline events list`"
            )
        return row

    def merge_events(self, source: str, target: str) -> None:
        """A user merge: every article of ``source`` moves to ``target``, for good."""
        self._require_schema()
        if source == target:
            raise BadInputError(source, "cannot merge an event into itself")
        now = time_text(utcnow())
        with self._write("merging events") as conn:
            src = self._need_event(conn, source)
            dst = self._need_event(conn, target)
            conn.execute(
                "UPDATE article_events SET event_id = ? WHERE event_id = ?", (target, source)
            )
            self._recount(conn, [source, target])
            # The merged event is open if either was, and spans both. Computed here, not in
            # SQL, to stay in the SQL that SQLite and PostgreSQL share (the write lock is held).
            firsts = [t for t in (src["first_seen"], dst["first_seen"]) if t]
            lasts = [t for t in (src["last_seen"], dst["last_seen"]) if t]
            conn.execute(
                "UPDATE events SET closed = ?, first_seen = ?, last_seen = ?, updated_at = ? "
                "WHERE id = ?",
                (
                    int(bool(src["closed"]) and bool(dst["closed"])),
                    min(firsts, default=None),
                    max(lasts, default=None),
                    now,
                    target,
                ),
            )
            conn.execute(
                "UPDATE events SET merged_into = ?, updated_at = ? WHERE id = ?",
                (target, now, source),
            )
            conn.execute(
                "INSERT INTO cluster_merges (kind, source, target, score, reason, at) "
                "VALUES ('event', ?, ?, 1.0, 'user', ?)",
                (source, target, now),
            )
            conn.execute(
                "INSERT INTO cluster_corrections (kind, event_id, target, at) "
                "VALUES ('merge', ?, ?, ?)",
                (source, target, now),
            )

    def split_article(self, article_id: str) -> str:
        """A user split: the article leaves its event for a new one; returns the new id."""
        self._require_schema()
        now = time_text(utcnow())
        with self._write("splitting an article out of its event") as conn:
            found = conn.execute(
                "SELECT a.event_id, e.storyline_id, coalesce(r.title, '') FROM article_events a "
                "JOIN events e ON e.id = a.event_id JOIN articles r ON r.id = a.article_id "
                "WHERE a.article_id = ?",
                (article_id,),
            ).fetchone()
            if found is None:
                raise BadInputError(article_id, "this article is not in any event")
            old, sid, title = found
            new = event_id(article_id)
            if new == old:
                new = event_id(f"{article_id}/split")
            conn.execute(
                "UPDATE article_events SET event_id = ? WHERE article_id = ?", (new, article_id)
            )
            conn.execute(
                f"INSERT OR REPLACE INTO events ({_EVENT_COLUMNS}, updated_at) "  # noqa: S608 - fixed column lists
                "SELECT ?, ?, ?, event_date, first_seen, last_seen, 1, languages, publishers, "
                "0, NULL, ? FROM events WHERE id = ?",
                (new, sid, title or "(untitled)", now, old),
            )
            self._recount(conn, [old, new])
            conn.execute(
                "INSERT INTO cluster_corrections (kind, article_id, event_id, target, at) "
                "VALUES ('split', ?, ?, ?, ?)",
                (article_id, old, new, now),
            )
        return new

    def move_event(self, eid: str, storyline: str | None) -> str:
        """A user move: the event joins ``storyline`` (None: a new storyline of its own)."""
        self._require_schema()
        now = time_text(utcnow())
        with self._write("moving an event to a storyline") as conn:
            row = self._need_event(conn, eid)
            if storyline is None:
                storyline = storyline_id(f"{eid}/user")
                conn.execute(
                    "INSERT OR IGNORE INTO storylines (id, label, first_seen, last_seen, "
                    "updated_at) VALUES (?, ?, ?, ?, ?)",
                    (storyline, row["title"], row["first_seen"], row["last_seen"], now),
                )
            elif (
                conn.execute("SELECT 1 FROM storylines WHERE id = ?", (storyline,)).fetchone()
                is None
            ):
                raise BadInputError(storyline, "no such storyline: see `storyline storylines`")
            old = row["storyline_id"]
            conn.execute(
                "UPDATE events SET storyline_id = ?, updated_at = ? WHERE id = ?",
                (storyline, now, eid),
            )
            for sid in {old, storyline} - {None}:
                conn.execute(
                    "UPDATE storylines SET events = (SELECT count(*) FROM events WHERE "
                    "storyline_id = ?1 AND merged_into IS NULL AND articles > 0), articles = "
                    "(SELECT coalesce(sum(articles), 0) FROM events WHERE storyline_id = ?1 "
                    "AND merged_into IS NULL), updated_at = ?2 WHERE id = ?1",
                    (sid, now),
                )
            conn.execute(
                "INSERT INTO cluster_corrections (kind, event_id, target, at) "
                "VALUES ('move', ?, ?, ?)",
                (eid, storyline, now),
            )
        return storyline

    @staticmethod
    def _recount(conn: sqlite3.Connection, events: Sequence[str]) -> None:
        for eid in events:
            conn.execute(
                "UPDATE events SET articles = (SELECT count(*) FROM article_events "
                "WHERE event_id = ?1) WHERE id = ?1",
                (eid,),
            )
