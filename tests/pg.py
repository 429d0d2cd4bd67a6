"""A real PostgreSQL 15 server for the tests, started from the Debian binaries.

``PgServer`` runs ``initdb`` into a temporary folder and ``pg_ctl start`` on 127.0.0.1 at a
free port (no Unix socket), with trust authentication for one role. The server binaries
refuse to run as root, so when the tests run as root the cluster is created and started as
the unprivileged ``postgres`` user (``runuser``); the data folder is handed to that user.
Durability settings are the defaults except ``fsync=off``: a killed *server* (``pg_ctl stop
-m immediate``, what the crash test does) still loses nothing committed, because the
write-ahead log reached the operating system before COMMIT returned; only an OS crash would.

Each test gets a fresh database (``new_database``), dropped afterwards.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storyline.store.postgres import PostgresStore
    from storyline.store.sqlite import SQLiteStore

__all__ = ["PG_BIN", "PgServer", "PgUnavailable", "open_any", "raw_execute"]

PG_BIN = Path(os.environ.get("STORYLINE_PG_BIN", "/usr/lib/postgresql/15/bin"))
ROLE = "storyline"


class PgUnavailable(RuntimeError):
    """The PostgreSQL server binaries are missing or cannot run here."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PgServer:
    """One throw-away PostgreSQL cluster (see the module docstring)."""

    def __init__(self, *, durable: bool = False) -> None:
        if not (PG_BIN / "initdb").is_file():
            raise PgUnavailable(
                f"PostgreSQL server binaries not found in {PG_BIN}: install the Debian "
                "`postgresql` package (apt-get install -y postgresql; .ci/run does this) or "
                "set STORYLINE_PG_BIN"
            )
        self.user: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError as error:
                raise PgUnavailable(
                    "the tests run as root, and PostgreSQL refuses to run as root; create an "
                    "unprivileged `postgres` user (the Debian package does) or run as a normal "
                    "user"
                ) from error
            self.user = "postgres"
        self.root = Path(tempfile.mkdtemp(prefix="storyline-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = _free_port()
        self._names = itertools.count(1)
        self._template = ""
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(self.data),
                "-U",
                ROLE,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )
        settings = (
            f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
            "unix_socket_directories = ''\nmax_connections = 200\nshared_buffers = 128MB\n"
            "log_min_messages = warning\n"
        )
        if not durable:  # tests: see the module docstring; benchmarks keep the defaults
            settings += "fsync = off\nfull_page_writes = off\n"
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as handle:
            handle.write(settings)
        self.start()

    def _run(self, command: list[str]) -> None:
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PgUnavailable(
                f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}\n{log}"
            )

    def _pg_ctl(self, *args: str) -> None:
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), *args])

    def start(self) -> None:
        self._pg_ctl("-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """``mode`` "immediate" is a crash: no checkpoint, recovery replays the WAL on start."""
        self._pg_ctl("-w", "-t", "60", "-m", mode, "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        """Run one statement on the maintenance database (autocommit)."""
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.url(), autocommit=True) as conn:
                    conn.execute(sql)  # type: ignore[arg-type]
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def new_database(self, *, migrated: bool = False) -> str:
        """A fresh database, empty or (``migrated``) at the latest schema; returns its URL.

        Migrated databases are copied from a template migrated once per session, which takes
        a fraction of the time running the migrations does.
        """
        name = f"t{os.getpid()}_{next(self._names)}"
        template = ""
        if migrated:
            if not self._template:
                from storyline.store.postgres import PostgresStore

                self.admin("CREATE DATABASE storyline_template")
                with PostgresStore(self.url("storyline_template")) as store:
                    store.migrate()
                self._template = "storyline_template"
            template = f" TEMPLATE {self._template}"
        self.admin(f"CREATE DATABASE {name}{template}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        with contextlib.suppress(PgUnavailable):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def open_any(url: str) -> SQLiteStore | PostgresStore:
    """The store a test URL names (``sqlite:///...`` or ``postgresql://...``), unmigrated."""
    from storyline.store.postgres import PostgresStore
    from storyline.store.sqlite import SQLiteStore

    return SQLiteStore(url) if url.startswith("sqlite:") else PostgresStore(url)


def raw_execute(url: str, sql: str) -> None:
    """Run one statement on a test database behind the store's back (as another program)."""
    if url.startswith("sqlite:"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            conn.execute(sql)
        finally:
            conn.close()
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute(sql)  # type: ignore[arg-type]
