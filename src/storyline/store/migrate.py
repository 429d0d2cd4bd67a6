"""Schema migrations shared by every store back end: numbered SQL files, applied in order.

The story, the same for SQLite and (later) PostgreSQL:

* A back end keeps its migrations as files named ``NNNN_name.sql`` in one folder
  (``store/migrations/`` for SQLite). Numbers start at 1 and have no gaps, so "schema
  version N" means the same logical schema in every back end even though the SQL differs.
* The database records what it has in a ``schema_migrations`` table (``version``, ``name``,
  ``applied_at``), created by the runner, never by a migration file.
* Each migration runs in its own transaction together with the row that records it, so a
  failed migration leaves the database at the previous version, never half-way. (SQLite and
  PostgreSQL both have transactional DDL, which is what makes this work.)
* A database at a version newer than the code knows is refused: old code must not write to
  a schema it does not understand.

This module holds the back-end-neutral parts: loading and checking the files, splitting a
file into statements, and the version checks. The back end runs the loop with its driver.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from storyline.errors import StorageError

__all__ = [
    "MIGRATIONS_TABLE_SQL",
    "Migration",
    "check_not_newer",
    "latest_version",
    "load_migrations",
    "pending_migrations",
    "split_statements",
]

#: The bookkeeping table, in SQL that SQLite and PostgreSQL both accept.
MIGRATIONS_TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL)"
)

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered schema change: ``version`` (1, 2, ...), a short ``name`` and its SQL."""

    version: int
    name: str
    sql: str

    def statements(self) -> list[str]:
        """The SQL split into single statements (drivers run one statement per call)."""
        return split_statements(self.sql)


def load_migrations(folder: Traversable | None = None) -> list[Migration]:
    """Read every ``NNNN_name.sql`` in ``folder`` (default: the SQLite migrations), in order.

    Refuses gaps and duplicate numbers: a missing file would otherwise make two installs
    disagree about what "version N" contains.
    """
    if folder is None:
        folder = resources.files("storyline.store").joinpath("migrations")
    found: dict[int, Migration] = {}
    for entry in folder.iterdir():
        match = _FILE_NAME.match(entry.name)
        if not match:
            continue
        version = int(match.group(1))
        if version in found:
            raise StorageError(f"two migrations are numbered {version:04d} in {folder}")
        found[version] = Migration(version, match.group(2), entry.read_text(encoding="utf-8"))
    versions = sorted(found)
    if versions != list(range(1, len(versions) + 1)):
        raise StorageError(
            f"migrations in {folder} must be numbered 0001, 0002, ... without gaps; "
            f"found {', '.join(f'{v:04d}' for v in versions) or 'none'}"
        )
    return [found[v] for v in versions]


def split_statements(sql: str) -> list[str]:
    """Split an SQL script into complete statements, keeping trigger bodies whole.

    ``sqlite3.complete_statement`` knows about ``CREATE TRIGGER ... BEGIN ...; END;``, string
    literals and comments, so a ``;`` inside any of them does not end a statement. Comment-only
    leftovers are dropped.
    """
    statements: list[str] = []
    start = 0
    for index, char in enumerate(sql):
        if char == ";" and sqlite3.complete_statement(sql[start : index + 1]):
            statements.append(sql[start : index + 1])
            start = index + 1
    tail = sql[start:]
    if _strip_comments(tail).strip():
        statements.append(tail if tail.rstrip().endswith(";") else tail + ";")
    return [s.strip() for s in statements if _strip_comments(s).strip(" \t\r\n;")]


def _strip_comments(sql: str) -> str:
    """``sql`` without ``--`` line comments (enough to tell an empty fragment from a statement)."""
    return re.sub(r"--[^\n]*", "", sql)


def latest_version(migrations: Sequence[Migration]) -> int:
    """The version the code brings a database to (0 if there are no migrations)."""
    return migrations[-1].version if migrations else 0


def pending_migrations(migrations: Sequence[Migration], current: int) -> list[Migration]:
    """The migrations still to apply to a database at version ``current``, in order."""
    return [m for m in migrations if m.version > current]


def check_not_newer(current: int, migrations: Sequence[Migration], where: str) -> None:
    """Refuse a database whose schema is newer than this code: it was written by a newer
    Storyline, and older code could damage data it does not understand."""
    known = latest_version(migrations)
    if current > known:
        raise StorageError(
            f"{where}: the database is at schema version {current}, but this Storyline only "
            f"knows versions up to {known}; upgrade Storyline (pip install -U storyline) "
            "to use this database"
        )
