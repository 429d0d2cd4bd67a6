"""The ``Store`` protocol: what every storage back end offers, and ``open_store(url)``.

Back ends are chosen by URL, as in SQLAlchemy and datasette: ``sqlite:///path/to.db`` (the
embedded default), ``postgresql://...`` (servers and teams: :mod:`storyline.store.postgres`).
Stages never import a store; the pipeline and the engines hand articles to one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from storyline.errors import ConfigError, StorageError
from storyline.model import Article, Source

__all__ = ["AddResult", "BatchError", "SearchHit", "Store", "open_store"]


@dataclass(slots=True)
class AddResult:
    """What :meth:`Store.add_articles` did: ids inserted and ids already present (skipped)."""

    inserted: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class BatchError(StorageError):
    """A batch of :meth:`Store.add_articles` failed and was rolled back whole.

    Earlier batches stay committed; ``committed`` says which ids they inserted or skipped, so
    a caller can report progress or resume. ``batch`` is the failed batch's number (from 0).
    """

    def __init__(self, message: str, committed: AddResult, batch: int) -> None:
        super().__init__(message)
        self.committed = committed
        self.batch = batch


@dataclass(slots=True)
class SearchHit:
    """One full-text search result, best first; ``snippet`` marks matches with ``[`` ``]``."""

    article_id: str
    title: str
    snippet: str
    score: float
    #: How many stored copies (duplicates, syndicated versions) this story has besides the
    #: one shown; 0 when searching with ``copies=True``, where every copy is its own hit.
    copies: int = 0


@runtime_checkable
class Store(Protocol):
    """Storage for sources, articles and what later stages derive from them.

    Writes are batched in transactions; a failed batch is rolled back whole, so a crash
    mid-ingest leaves every earlier batch committed and nothing half-written. The store is
    safe to share between threads: one writer at a time, many concurrent readers.
    """

    url: str

    def migrate(self) -> int:
        """Bring the schema up to date; returns the schema version. Safe to call repeatedly."""
        ...

    def schema_version(self) -> int:
        """The schema version the database is at (0 for an empty database)."""
        ...

    def add_articles(self, articles: Iterable[Article], *, batch_size: int = 500) -> AddResult:
        """Insert articles whose id is not stored yet, ``batch_size`` per transaction.

        Stored articles are never updated: re-adding skips them. If a batch fails it is rolled
        back whole and :class:`BatchError` is raised; earlier batches stay committed.
        """
        ...

    def get_article(self, article_id: str) -> Article | None:
        """One article by id, or ``None``."""
        ...

    def has_article(self, article_id: str) -> bool:
        """Whether an article with this id is stored."""
        ...

    def iter_articles(self, *, source_id: str | None = None) -> Iterator[Article]:
        """All articles (of one source, if given) in insertion order."""
        ...

    def count_articles(self) -> int:
        """How many articles are stored."""
        ...

    def search(self, query: str, *, limit: int = 20, copies: bool = False) -> list[SearchHit]:
        """Full-text search over title and text; plain words, "phrases", OR and -exclusion.

        One hit per story: duplicates fold into their original (``SearchHit.copies`` counts
        them) unless ``copies`` is true.
        """
        ...

    def upsert_source(self, source: Source) -> None:
        """Insert a source or update the stored one with the same id."""
        ...

    def get_source(self, source_id: str) -> Source | None:
        """One source by id, or ``None``."""
        ...

    def list_sources(self) -> list[Source]:
        """All sources, by id."""
        ...

    def line_counts(self, source_id: str, hashes: Iterable[str]) -> dict[str, int]:
        """For boilerplate learning: in how many documents of a source each line hash was seen."""
        ...

    def document_count(self, source_id: str) -> int:
        """How many documents of a source were observed for boilerplate learning."""
        ...

    def observe_lines(self, source_id: str, doc_key: str, hashes: Iterable[str]) -> bool:
        """Count each distinct line hash of one document once; False if ``doc_key`` was seen."""
        ...

    def integrity_check(self) -> list[str]:
        """Check the database and its search index; one line per problem, empty when sound."""
        ...

    def stats(self) -> dict[str, int]:
        """Counts of what the store holds (``articles``, ``sources``, ``schema_version``...)."""
        ...

    def close(self) -> None:
        """Close every connection; the store cannot be used afterwards."""
        ...


def open_store(url: str) -> Store:
    """Open the store a URL names: ``sqlite:///relative.db``, ``sqlite:////abs/path.db``,
    ``postgresql://user:password@host:port/database`` (extra ``[postgres]``).

    A bare path (no scheme) is taken as an SQLite file, for convenience on the command line.
    """
    if url.startswith("sqlite:") or "://" not in url:
        from storyline.store.sqlite import SQLiteStore

        return SQLiteStore(url)
    scheme = url.split("://", 1)[0]
    if scheme in {"postgresql", "postgres"}:
        from storyline.store.postgres import PostgresStore

        return PostgresStore(url)
    raise ConfigError(
        f"{url}: unknown store URL scheme {scheme!r}; use sqlite:///PATH.db or "
        "postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
    )
