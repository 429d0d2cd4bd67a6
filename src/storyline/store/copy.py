"""``storyline db copy SRC DST``: move an installation between stores, resumably.

Typically ``sqlite:///data/storyline.db`` to ``postgresql://...`` when a newsroom outgrows
one file (the other directions work too). Every table of the schema is copied in primary-key
order, one page per transaction, with ``INSERT ... ON CONFLICT DO NOTHING``; ids, sequence
numbers and identity keys are copied as they are, so references between tables stay right.
That makes the copy **resumable**: after an interruption (Ctrl-C, a lost connection, a
killed process) every finished page is committed, and running the same command again skips
what the destination already holds; a table whose row count already matches is skipped
without reading it. Both stores must be at the same schema version (the destination is
migrated first), and the destination must be empty or an earlier copy of the same source.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast

from storyline.errors import StorageError

if TYPE_CHECKING:
    import sqlite3

__all__ = ["TABLES", "CopyReport", "copy_store"]

#: Every table and its primary key, in an order that satisfies the foreign keys.
TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sources", ("id",)),
    ("articles", ("seq",)),
    ("related_links", ("article_id", "position")),
    ("line_stat_sources", ("source_id",)),
    ("line_stat_documents", ("source_id", "doc_key")),
    ("line_stat_lines", ("source_id", "line_hash")),
    ("dedup_fingerprints", ("fp",)),
    ("dedup_bands", ("bucket", "fp")),
    ("dedup_matches", ("article_id", "other_id")),
    ("article_versions", ("article_id", "version")),
    ("dedup_scope", ("user_id", "source_id")),
    ("dedup_meta", ("key",)),
    ("article_vectors", ("model", "article_id")),
    ("entities", ("id",)),
    ("entity_aliases", ("key", "entity_id")),
    ("article_entities", ("article_id", "entity_id")),
    ("article_enrichment", ("article_id",)),
    ("quotes", ("article_id", "position")),
    ("article_dates", ("article_id", "position")),
    ("storylines", ("id",)),
    ("events", ("id",)),
    ("article_events", ("article_id",)),
    ("cluster_merges", ("id",)),
    ("cluster_corrections", ("id",)),
    ("source_poll", ("source_id",)),
    ("feed_items", ("source_id", "item_key")),
)
#: Identity columns whose PostgreSQL sequence must move past the copied values.
_IDENTITY = {
    "articles": "seq",
    "dedup_fingerprints": "fp",
    "entities": "id",
    "cluster_merges": "id",
    "cluster_corrections": "id",
}


class _Copyable(Protocol):
    url: str

    def schema_version(self) -> int: ...

    def _read(self, action: str) -> AbstractContextManager[sqlite3.Connection]: ...

    def _write(self, action: str) -> AbstractContextManager[sqlite3.Connection]: ...


@dataclass(slots=True)
class CopyReport:
    """Rows copied (new in the destination) and rows already there, per table."""

    copied: dict[str, int] = field(default_factory=dict)
    present: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.copied.values())


def _columns(store: _Copyable, table: str) -> list[str]:
    """A table's stored (not generated) columns, in table order."""
    with store._read(f"reading the columns of {table}") as conn:
        if _is_postgres(store):
            rows = conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "AND table_schema = current_schema() AND is_generated = 'NEVER' "
                "ORDER BY ordinal_position",
                (table,),
            ).fetchall()
        else:
            rows = conn.execute(
                "SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid", (table,)
            ).fetchall()
    return [row[0] for row in rows]


def _is_postgres(store: _Copyable) -> bool:
    return store.url.startswith(("postgresql:", "postgres:"))


def _count(store: _Copyable, table: str) -> int:
    with store._read(f"counting {table}") as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608 - fixed names


def _check_articles(src: _Copyable, dst: _Copyable) -> None:
    """Refuse a destination holding articles that are not an earlier copy of the source."""
    with dst._read("checking the destination") as conn:
        last = conn.execute("SELECT seq, id FROM articles ORDER BY seq DESC LIMIT 1").fetchone()
    if last is None:
        return
    with src._read("checking the source") as conn:
        same = conn.execute(
            "SELECT 1 FROM articles WHERE seq = ? AND id = ?", (last[0], last[1])
        ).fetchone()
    if same is None:
        raise StorageError(
            f"{dst.url}: the destination already holds articles that are not a copy of "
            f"{src.url}; copy into an empty database (storyline db init --db URL)"
        )


def copy_store(
    source: object,
    destination: object,
    *,
    page: int = 2000,
    progress: Callable[[str, int], None] | None = None,
) -> CopyReport:
    """Copy every row of ``source`` into ``destination`` (see the module docstring).

    ``progress(table, rows)`` is called after each committed page with the rows it read
    (those already in the destination included); the report counts the rows that are new.
    """
    src = cast(_Copyable, source)
    dst = cast(_Copyable, destination)
    if src.schema_version() != dst.schema_version():
        raise StorageError(
            f"{src.url} is at schema version {src.schema_version()}, {dst.url} at "
            f"{dst.schema_version()}: run `storyline db migrate` on both first"
        )
    _check_articles(src, dst)
    report = CopyReport()
    for table, key in TABLES:
        wanted = set(_columns(dst, table))
        columns = [c for c in _columns(src, table) if c in wanted]
        total = _count(src, table)
        present = _count(dst, table)
        report.present[table] = present
        report.copied[table] = 0
        if total == present:
            continue
        _copy_table(src, dst, table, key, columns, page, progress)
        report.copied[table] = _count(dst, table) - present
        if _is_postgres(dst) and table in _IDENTITY:
            column = _IDENTITY[table]
            with dst._write(f"moving the {table} sequence") as conn:
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "  # noqa: S608
                    f"(SELECT coalesce(max({column}), 0) + 1 FROM {table}), false)"
                )
    return report


def _copy_table(
    src: _Copyable,
    dst: _Copyable,
    table: str,
    key: tuple[str, ...],
    columns: list[str],
    page: int,
    progress: Callable[[str, int], None] | None,
) -> None:
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    keys = ", ".join(key)
    positions = [columns.index(k) for k in key]
    insert = f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
    first = f"SELECT {names} FROM {table} ORDER BY {keys} LIMIT ?"  # noqa: S608
    after = (
        f"SELECT {names} FROM {table} WHERE ({keys}) > ({', '.join('?' for _ in key)}) "  # noqa: S608
        f"ORDER BY {keys} LIMIT ?"
    )
    last: list[Any] | None = None
    while True:
        with src._read(f"reading {table}") as conn:
            if last is None:
                rows = conn.execute(first, (page,)).fetchall()
            else:
                rows = conn.execute(after, (*last, page)).fetchall()
        if not rows:
            return
        values = [tuple(row) for row in rows]
        with dst._write(f"copying {table}") as conn:
            conn.executemany(insert, values)
        if progress is not None:
            progress(table, len(values))
        if len(rows) < page:
            return
        last = [values[-1][p] for p in positions]
