"""Translate ``sqlite3`` errors into :class:`StorageError` messages a user can act on.

SQLite's own messages ("database is locked", "unable to open database file") say what went
wrong but not why or what to do, and they never name the file. Every error leaving the SQLite
store goes through :func:`translate`, which keys on the error's primary result code (Python
3.11's ``sqlite_errorname``) and adds the path, the operation and the fix.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from storyline.errors import BadInputError, StorageError

__all__ = ["error_code", "storage_error", "translate"]

_ADVICE: dict[str, str] = {
    "SQLITE_BUSY": (
        "the database is locked: another process (or connection) holds the write lock and did "
        "not release it within {timeout:g} s; wait for it to finish or stop it (another "
        "`storyline` ingest or service?), then retry"
    ),
    "SQLITE_LOCKED": (
        "the database is locked by another connection of this process; retry when it is done"
    ),
    "SQLITE_FULL": (
        "the disk is full (or the database reached its size limit): free space on the disk "
        "that holds {path} and retry; the failed transaction was rolled back"
    ),
    "SQLITE_READONLY": (
        "the database is read-only: make {path} and its folder writable by this user "
        "(SQLite also creates {path}-wal and {path}-shm next to it)"
    ),
    "SQLITE_CANTOPEN": (
        "cannot open the database file: check that the path names a file (not a folder) in "
        "a folder that is writable by this user (SQLite also creates {path}-wal and "
        "{path}-shm next to it)"
    ),
    "SQLITE_PERM": "permission denied: make {path} and its folder readable and writable",
    "SQLITE_AUTH": "permission denied: make {path} and its folder readable and writable",
    "SQLITE_NOTADB": (
        "the file is not an SQLite database (or it is encrypted): check the path; "
        "Storyline did not change the file"
    ),
    "SQLITE_CORRUPT": (
        "the database file is damaged: restore it from a backup, or salvage what is left "
        "with `sqlite3 {path} .recover | sqlite3 recovered.db`"
    ),
    "SQLITE_IOERR": (
        "the disk reported an I/O error: check the disk and its free space, then run "
        "`storyline db check`"
    ),
    "SQLITE_NOMEM": "SQLite ran out of memory; use smaller batches or free memory",
    "SQLITE_CONSTRAINT": "a record was rejected by a database constraint",
    "SQLITE_TOOBIG": "a value is larger than SQLite allows (1 GB by default)",
}


def error_code(error: sqlite3.Error) -> str:
    """The primary result code name (``SQLITE_BUSY`` for ``SQLITE_BUSY_SNAPSHOT``), or ``""``."""
    name = getattr(error, "sqlite_errorname", None)
    if not isinstance(name, str):
        return ""
    return "_".join(name.split("_")[:2])


def storage_error(
    error: sqlite3.Error | OSError, path: Path, action: str, *, timeout: float = 0.0
) -> StorageError:
    """A StorageError for ``error``: ``PATH: ACTION: advice (SQLite's own message)``."""
    if isinstance(error, OSError):
        reason = error.strerror or str(error)
        return StorageError(
            f"{path}: {action}: {reason}; choose a location this user can write to, "
            "or fix the folder's permissions"
        )
    advice = _ADVICE.get(error_code(error))
    if advice is None:
        return StorageError(f"{path}: {action}: {error}")
    return StorageError(f"{path}: {action}: {advice.format(path=path, timeout=timeout)} ({error})")


def unencodable_text(action: str, error: UnicodeEncodeError) -> BadInputError:
    """The error for a parameter with lone surrogates, which no UTF-8 database can hold: it
    can match nothing stored, and storing it would fail, so the caller's input is at fault."""
    sample = error.object[max(0, error.start - 20) : error.end + 20]
    return BadInputError(
        repr(sample),
        f"{action}: the text holds characters that are not valid Unicode (lone surrogates "
        f"at {error.start}); decode the input properly or drop those characters",
    )


@contextmanager
def translate(path: Path, action: str, *, timeout: float = 0.0) -> Iterator[None]:
    """Run a block, turning any ``sqlite3.Error`` into a :class:`StorageError` (and text no
    database can hold into a :class:`BadInputError`)."""
    try:
        yield
    except sqlite3.Error as error:
        raise storage_error(error, path, action, timeout=timeout) from error
    except UnicodeEncodeError as error:
        raise unencodable_text(action, error) from error
