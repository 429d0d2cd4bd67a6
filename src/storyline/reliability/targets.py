"""Fuzz targets: each feeds arbitrary bytes to one untrusted-input component.

A target returns normally or raises a :class:`~storyline.errors.StorylineError` (the
component's documented way of saying "bad input"); **any other exception is a crash**. The
same targets run under hypothesis (``tests/reliability/test_fuzz_properties.py``), under
atheris' coverage-guided fuzzer (:mod:`storyline.reliability.fuzz`) and over the bad-input
corpus, so a crash found by one is checked by all.

The search-query target goes further than "does not raise": it runs the rendered FTS5
expression against a real SQLite FTS5 table, because the parser's promise is that *every*
input becomes a valid query (:mod:`storyline.store.query`), and only SQLite can tell.
"""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from storyline.errors import StorylineError

__all__ = ["TARGETS", "Crash", "preload", "run_target"]

Target = Callable[[bytes], None]


class Crash(Exception):
    """A target raised something other than a StorylineError (a bug to turn into a test)."""


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def feed_target(data: bytes) -> None:
    """RSS/Atom/RDF/JSON Feed bytes through :func:`storyline.ingest.feeds.parse_feed`."""
    from storyline.ingest.feeds import item_keys, parse_feed

    feed = parse_feed("fuzz:feed", data)
    for item in feed.items:
        item_keys(item)


def html_target(data: bytes) -> None:
    """A page through the whole extraction and cleaning stage (trafilatura, our cleaning)."""
    from storyline.extract import extract
    from storyline.model import RawDoc

    extract(RawDoc("fuzz:page", data, "text/html", url="https://example.org/a"))


def fragment_target(data: bytes) -> None:
    """An HTML fragment (feed item content) to text, and feed discovery on a page."""
    from storyline.ingest.feeds import discover_feeds, html_to_text

    text = _text(data)
    html_to_text(text)
    discover_feeds(data, "https://example.org/")


def text_target(data: bytes) -> None:
    """A plain-text file's bytes through the file checks and text extraction."""
    from storyline.extract import extract
    from storyline.ingest.files import document_from_bytes

    extract(document_from_bytes("fuzz:text", data, "text", None))


def _scratch(suffix: str) -> Path:
    """A scratch file in RAM where possible (``/dev/shm``), else the temp folder."""
    folder = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
    return folder / f"storyline-fuzz-{id(_scratch)}{suffix}"


def jsonl_target(data: bytes) -> None:
    """JSONL lines through :func:`storyline.ingest.files.read_file` and article extraction."""
    from storyline.extract import extract
    from storyline.ingest.files import FileOptions, read_file
    from storyline.model import RawDoc

    path = _scratch(".jsonl")
    path.write_bytes(data)
    try:
        for item in read_file(path, FileOptions(max_bytes=1 << 16)):
            if isinstance(item, RawDoc):
                with contextlib.suppress(StorylineError):
                    extract(item)
    finally:
        path.unlink(missing_ok=True)


def warc_target(data: bytes) -> None:
    """WARC bytes through :func:`storyline.ingest.warc.read_warc` (fastwarc)."""
    from storyline.ingest.warc import read_warc

    path = _scratch(".warc")
    path.write_bytes(data)
    try:
        for _ in read_warc(path, max_bytes=1 << 16):
            pass
    finally:
        path.unlink(missing_ok=True)


def _day(data: bytes) -> date | None:
    """A publication day anywhere in 0001..9999 from the first three bytes (or none)."""
    if len(data) < 3 or data[0] % 5 == 0:
        return None
    return date.fromordinal(1 + int.from_bytes(data[:3], "big") % date.max.toordinal())


def dates_target(data: bytes) -> None:
    """The date resolvers: ISO values from feeds/pages, datelines, and time expressions."""
    from storyline.enrich.timeexpr import find_dates
    from storyline.extract.dates import date_in_text, parse_datetime, published_from_html
    from storyline.ingest.feeds import _json_time

    text = _text(data[3:])
    parse_datetime(text)
    parse_datetime(text, default_utc=False)
    published_from_html(text[:10], [text, text[10:]])
    _json_time(text)
    date_in_text(text.splitlines())
    find_dates(text, _day(data))


_FTS: sqlite3.Connection | None = None


def _fts() -> sqlite3.Connection:
    global _FTS
    if _FTS is None:
        _FTS = sqlite3.connect(":memory:")
        _FTS.execute("CREATE VIRTUAL TABLE docs USING fts5(title, text)")
        _FTS.execute("INSERT INTO docs VALUES ('Climate summit in Oslo', 'talks go on')")
    return _FTS


def query_target(data: bytes) -> None:
    """Search-box input: parsed, rendered for FTS5 and run by SQLite, which must accept it."""
    from storyline.store.query import parse_query, to_fts5

    expression = to_fts5(parse_query(_text(data)))
    if expression is None:
        return
    try:
        _fts().execute("SELECT rowid FROM docs WHERE docs MATCH ?", (expression,)).fetchall()
    except sqlite3.Error as error:
        raise Crash(f"FTS5 rejected the rendered query {expression!r}: {error}") from error


#: name -> target, in the order the selftest runs them.
TARGETS: dict[str, Target] = {
    "feed": feed_target,
    "html": html_target,
    "fragment": fragment_target,
    "text": text_target,
    "jsonl": jsonl_target,
    "warc": warc_target,
    "dates": dates_target,
    "query": query_target,
}


def preload() -> None:
    """Import every module the targets use (atheris instruments modules as they are imported)."""
    import storyline.enrich.timeexpr
    import storyline.extract
    import storyline.extract.dates
    import storyline.ingest.feeds
    import storyline.ingest.files
    import storyline.ingest.warc
    import storyline.store.query  # noqa: F401


def run_target(name: str, data: bytes) -> None:
    """Run one target; a StorylineError is a clean refusal, anything else raises ``Crash``."""
    try:
        TARGETS[name](data)
    except StorylineError:
        return
    except Crash:
        raise
    except RecursionError as error:  # still a crash, but say which kind
        raise Crash(f"{name}: RecursionError") from error
    except Exception as error:
        raise Crash(f"{name}: {type(error).__name__}: {error}") from error
