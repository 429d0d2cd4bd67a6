"""What duplicate detection needs from a store, and an in-memory implementation.

:class:`FingerprintIndex` is deliberately small, so every back end can offer it: SQLite
(``store/sqlite_dedup.py``), later PostgreSQL, and :class:`MemoryIndex` for articles not
stored yet (the batch being written) and for runs without a store. Fingerprints are *added*
by the store itself when it stores articles that carry them (``Article.fingerprints``), in
the same transaction (:meth:`DedupStore.add_deduped`), so the index never disagrees with the
articles.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from storyline.dedup.compare import Match
from storyline.dedup.fingerprints import DEFAULT_PARAMS, Fingerprint, LSHParams, band_keys
from storyline.dedup.scope import Scope
from storyline.model import Article

__all__ = ["DedupChanges", "DedupStore", "FingerprintIndex", "MemoryIndex", "Revision", "Written"]


@dataclass(frozen=True, slots=True)
class Revision:
    """A new version of a stored article (same id, or same page of the same source)."""

    article_id: str
    article: Article
    fingerprint: Fingerprint


@dataclass(slots=True)
class DedupChanges:
    """What a batch of checks changes besides the new articles themselves: matches to keep,
    originals re-named in stored groups, and revisions of stored articles."""

    matches: list[Match] = field(default_factory=list)
    syndicated_from: dict[str, str | None] = field(default_factory=dict)
    revisions: list[Revision] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.matches or self.syndicated_from or self.revisions)


@runtime_checkable
class FingerprintIndex(Protocol):
    """Stored fingerprints, looked up by identity, exact hashes and LSH buckets."""

    def dedup_candidates(
        self, fp: Fingerprint, params: LSHParams, *, limit: int
    ) -> list[Fingerprint]:
        """Stored fingerprints that may be copies of ``fp``: the same article id, URL key,
        canonical key or text hash, and up to ``limit`` sharing an LSH band (most shared
        bands first). All from one snapshot."""
        ...

    def dedup_group(self, group_id: str) -> list[Fingerprint]:
        """The members of a duplicate group, in the order they were seen."""
        ...

    def dedup_fingerprint(self, article_id: str) -> Fingerprint | None:
        """One article's stored fingerprint, or ``None``."""
        ...

    def dedup_scope(self, user: str = "") -> Scope:
        """A user's dedup scope, with the categories of all sources."""
        ...

    def get_article(self, article_id: str) -> Article | None:
        """One stored article (to tell a revision from a re-cleaned repeat)."""
        ...

    def apply_dedup(self, changes: DedupChanges) -> None:
        """Write matches, re-named originals and revisions in one transaction."""
        ...


class Written(Protocol):
    """What a store reports after a write: ids inserted and ids already stored."""

    inserted: list[str]
    skipped: list[str]


@runtime_checkable
class DedupStore(FingerprintIndex, Protocol):
    """A store that writes staged articles together with their fingerprints."""

    def add_deduped(
        self,
        articles: Sequence[Article],
        changes: DedupChanges,
        *,
        params: LSHParams = DEFAULT_PARAMS,
        update_existing: bool = False,
    ) -> Written:
        """Store the articles, their fingerprint and band rows and ``changes`` in one
        transaction (all or nothing), so the index always agrees with the articles."""
        ...


class MemoryIndex:
    """A :class:`FingerprintIndex` in dictionaries (pending batches, store-less runs)."""

    def __init__(self, params: LSHParams = DEFAULT_PARAMS) -> None:
        self.params = params
        self.scope = Scope()
        self._by_id: dict[str, Fingerprint] = {}
        self._articles: dict[str, Article] = {}
        self._order: dict[str, int] = {}
        self._buckets: dict[int, list[str]] = {}
        self._keys: dict[str, list[str]] = {}
        self._groups: dict[str, dict[str, None]] = {}
        self._changes = DedupChanges()

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, fp: Fingerprint, article: Article | None = None) -> None:
        """Index a fingerprint (replacing the article's earlier one)."""
        old = self._by_id.get(fp.article_id)
        if old is not None and old.signature is not None:
            for key in band_keys(old.signature, self.params):
                self._buckets[key].remove(fp.article_id)
        if old is not None:
            self._groups.get(old.group, {}).pop(fp.article_id, None)
        self._by_id[fp.article_id] = fp
        self._groups.setdefault(fp.group, {})[fp.article_id] = None
        self._order.setdefault(fp.article_id, len(self._order))
        if article is not None:
            self._articles[fp.article_id] = article
        if fp.signature is not None:
            for key in band_keys(fp.signature, self.params):
                self._buckets.setdefault(key, []).append(fp.article_id)
        for kind, value in self._exact_keys(fp):
            self._keys.setdefault(f"{kind}:{value}", []).append(fp.article_id)

    @staticmethod
    def _exact_keys(fp: Fingerprint) -> Iterable[tuple[str, str]]:
        for kind, value in (
            ("url", fp.url_key),
            ("canonical", fp.canonical_key),
            ("text", fp.text_hash),
        ):
            if value:
                yield kind, value

    def clear(self) -> None:
        """Forget everything (after the pending batch was stored)."""
        self._by_id.clear()
        self._articles.clear()
        self._order.clear()
        self._buckets.clear()
        self._keys.clear()
        self._groups.clear()

    def dedup_candidates(
        self, fp: Fingerprint, params: LSHParams, *, limit: int
    ) -> list[Fingerprint]:
        found: dict[str, None] = {}
        if fp.article_id in self._by_id:
            found[fp.article_id] = None
        for kind, value in self._exact_keys(fp):
            for other in ("url", "canonical") if kind != "text" else ("text",):
                found.update(dict.fromkeys(self._keys.get(f"{other}:{value}", ())))
        if fp.signature is not None:
            hits: Counter[str] = Counter()
            for key in band_keys(fp.signature, params):
                hits.update(self._buckets.get(key, ()))
            ranked = sorted(hits, key=lambda a: (-hits[a], self._order[a]))
            found.update(dict.fromkeys(ranked[:limit]))
        return [self._by_id[a] for a in found if a in self._by_id]

    def dedup_group(self, group_id: str) -> list[Fingerprint]:
        members = [self._by_id[a] for a in self._groups.get(group_id, ())]
        return sorted(members, key=lambda fp: self._order[fp.article_id])

    def dedup_fingerprint(self, article_id: str) -> Fingerprint | None:
        return self._by_id.get(article_id)

    def dedup_scope(self, user: str = "") -> Scope:
        return self.scope

    def get_article(self, article_id: str) -> Article | None:
        return self._articles.get(article_id)

    def apply_dedup(self, changes: DedupChanges) -> None:
        """Keep the changes (a store-less run has nowhere else to put them)."""
        self._changes.matches.extend(changes.matches)
        self._changes.syndicated_from.update(changes.syndicated_from)
        for revision in changes.revisions:
            self.add(revision.fingerprint, revision.article)
        self._changes.revisions.extend(changes.revisions)

    def fingerprints(self) -> Sequence[Fingerprint]:
        """Every fingerprint, in the order they were added."""
        return sorted(self._by_id.values(), key=lambda fp: self._order[fp.article_id])
