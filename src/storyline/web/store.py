"""What the web app needs from a store: a typed view over existing Store methods.

The SQLite store offers all of it (articles, search, events and storylines, entities,
corrections, vectors); the PostgreSQL store is meant to offer the same methods. The app
checks once, at start, and says which part is missing instead of failing on a page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from storyline.errors import ConfigError
from storyline.link.stream import EventRow, StorylineRow
from storyline.model import Article, EntityKind, Source
from storyline.store.base import SearchHit
from storyline.store.sqlite_entities import EntityArticle, EntityInfo, EntityPage, EntityQuote

__all__ = ["WebStore", "require_web_store"]


@runtime_checkable
class WebStore(Protocol):
    """The store methods the pages compose (see the module docstring)."""

    url: str

    def get_article(self, article_id: str) -> Article | None: ...

    def get_articles(self, article_ids: Sequence[str]) -> dict[str, Article]: ...

    def count_articles(self) -> int: ...

    def search(self, query: str, *, limit: int = 20, copies: bool = False) -> list[SearchHit]: ...

    def get_source(self, source_id: str) -> Source | None: ...

    def list_sources(self) -> list[Source]: ...

    def get_event(self, eid: str) -> EventRow | None: ...

    def list_events(self, *, storyline: str | None = None, limit: int = 50) -> list[EventRow]: ...

    def event_articles(self, eid: str) -> list[str]: ...

    def events_of(self, article_ids: Sequence[str]) -> dict[str, tuple[str, str | None]]: ...

    def get_storyline(self, sid: str) -> StorylineRow | None: ...

    def list_storylines(self, *, limit: int = 50) -> list[StorylineRow]: ...

    def merge_events(self, source: str, target: str) -> None: ...

    def split_article(self, article_id: str) -> str: ...

    def move_event(self, eid: str, storyline: str | None) -> str: ...

    def find_entities(
        self, name: str, *, kind: EntityKind | None = None, limit: int = 10
    ) -> list[EntityInfo]: ...

    def top_entities(self, *, limit: int = 60) -> list[EntityInfo]: ...

    def get_entity(self, entity_id: int) -> EntityInfo | None: ...

    def entity_articles(self, entity_id: int, *, limit: int = 200) -> list[EntityArticle]: ...

    def entity_quotes(self, entity_id: int, *, limit: int = 50) -> list[EntityQuote]: ...

    def entity_page(self, entity_id: int, *, limit: int = 200) -> EntityPage | None: ...

    def article_entities(self, article_id: str) -> list[EntityInfo]: ...

    def close(self) -> None: ...


def require_web_store(store: object) -> WebStore:
    """``store`` as a :class:`WebStore`, or a :class:`ConfigError` naming what it lacks."""
    if isinstance(store, WebStore):
        return store
    missing = sorted(
        name
        for name in WebStore.__protocol_attrs__  # type: ignore[attr-defined]
        if not hasattr(store, name)
    )
    raise ConfigError(
        f"{getattr(store, 'url', store)}: this store cannot serve the web app (it lacks "
        f"{', '.join(missing)}); use an SQLite store (sqlite:///PATH.db)"
    )
