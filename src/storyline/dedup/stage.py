"""The dedup stage: each new article is checked against everything seen before it.

For every article, in the order articles arrive (DESIGN.md section 1, after extraction):

1. **Fingerprint** it (:mod:`storyline.dedup.fingerprints`).
2. **Identity**: the same article id, or the same page (canonical URL) of the same source,
   is either a repeat (nothing new: the store skips it) or a **revision** (the text or
   headline changed: a new version of the stored article, never a duplicate).
3. **Candidates** from the index (URL keys, exact text hash, LSH buckets) and from the
   articles of the current batch that are not stored yet; each is judged by
   :func:`~storyline.dedup.compare.compare`.
4. **Scope**: the best duplicate match the user's scope allows makes the article a duplicate
   of that match's *group* (the group's first-seen article), so groups are stars, not chains.
5. **Syndication**: the group's original is named (:func:`choose_original`) and every other
   member gets ``syndicated_from``; when a new arrival is the original (an earlier copy
   read late), the stored members are re-pointed.

The stage imports only the model and its own package, so the service, the batch commands
and (later) Spark run the same code; the store is reached through :class:`FingerprintIndex`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from storyline.dedup.compare import DedupOptions, Match, compare
from storyline.dedup.fingerprints import Fingerprint, fingerprint, to_fields
from storyline.dedup.index import DedupChanges, FingerprintIndex, MemoryIndex, Revision
from storyline.dedup.revisions import same_story_text
from storyline.dedup.scope import Scope
from storyline.dedup.syndication import choose_original
from storyline.dedup.urls import canonical_url
from storyline.model import Article

__all__ = ["Decision", "Deduplicator"]

#: Matches kept per article (best first) for explanations and per-user scopes.
KEEP_MATCHES = 5


@dataclass(slots=True)
class Decision:
    """What the stage decided for one article.

    Exactly one of: ``repeat`` (already stored as it is), ``revision_of`` (a new version of
    that stored article), ``duplicate_of`` (the group it joins), or none (a new story).
    ``match`` is the match that decided ``duplicate_of``; ``matches`` the duplicate matches
    found, best first; ``refused`` says why a duplicate match was not used (the scope).
    """

    article_id: str
    fingerprint: Fingerprint
    duplicate_of: str | None = None
    syndicated_from: str | None = None
    revision_of: str | None = None
    repeat: bool = False
    matches: list[Match] = field(default_factory=list)
    match: Match | None = None
    refused: str | None = None


class Deduplicator:
    """Runs the stage over a stream of articles against ``index`` (a store, or nothing).

    :meth:`stage` decides and annotates one article; articles staged since the last
    :meth:`take_changes` are checked too, so a batch finds duplicates within itself before
    it is stored. After the batch is stored, hand :meth:`take_changes` to
    ``index.apply_dedup``.
    """

    def __init__(
        self,
        index: FingerprintIndex | None = None,
        options: DedupOptions | None = None,
        scope: Scope | None = None,
    ) -> None:
        self.options = options or DedupOptions()
        self.params = self.options.params
        self.pending = MemoryIndex(self.params)
        self.index: FingerprintIndex = index if index is not None else self.pending
        self.scope = scope if scope is not None else self.index.dedup_scope()
        self._own = index is None
        #: Whether the same page with changed text is a revision (off when re-indexing stored
        #: articles, which are separate articles whatever their URL).
        self.revisions = True
        self._articles: dict[str, Article] = {}
        self._changes = DedupChanges()

    # -- looking up -------------------------------------------------------------------------

    def _candidates(self, fp: Fingerprint) -> list[Fingerprint]:
        limit = self.options.max_candidates
        found = {c.article_id: c for c in self.index.dedup_candidates(fp, self.params, limit=limit)}
        if not self._own:
            for c in self.pending.dedup_candidates(fp, self.params, limit=limit):
                found[c.article_id] = c
        return list(found.values())

    def _group(self, group_id: str) -> list[Fingerprint]:
        members = {fp.article_id: fp for fp in self.index.dedup_group(group_id)}
        if not self._own:
            members.update((fp.article_id, fp) for fp in self.pending.dedup_group(group_id))
        return list(members.values())

    def _article(self, article_id: str) -> Article | None:
        return self._articles.get(article_id) or self.index.get_article(article_id)

    # -- deciding ---------------------------------------------------------------------------

    def check(self, article: Article) -> Decision:
        """Decide for one article without changing anything."""
        fp = fingerprint(article, self.params)
        candidates = self._candidates(fp)
        for stored in candidates:
            if stored.article_id == fp.article_id:
                return self._identity(article, fp, stored, by_id=True)
        for stored in candidates if self.revisions else ():
            same_source = None in (stored.source_id, fp.source_id) or (
                stored.source_id == fp.source_id
            )
            if fp.url_key and stored.url_key == fp.url_key and same_source:
                return self._identity(article, fp, stored, by_id=False)
        return self._duplicates(fp, candidates)

    def _identity(
        self, article: Article, fp: Fingerprint, stored: Fingerprint, *, by_id: bool
    ) -> Decision:
        fp = fp.with_group(stored.group)
        old = self._article(stored.article_id)
        if old is not None:
            unchanged = same_story_text(old, article)
        else:  # an index without the articles: fingerprints decide
            unchanged = stored.text_hash == fp.text_hash and stored.title_key == fp.title_key
        if not unchanged:
            return Decision(fp.article_id, fp, revision_of=stored.article_id)
        if by_id:
            return Decision(fp.article_id, fp, repeat=True)
        match = Match(
            fp.article_id,
            stored.article_id,
            True,
            1.0,
            "same-url",
            f"the same page ({fp.url_key}) read again under another id",
        )
        return self._join(fp, [(match, stored)])

    def _duplicates(self, fp: Fingerprint, candidates: list[Fingerprint]) -> Decision:
        judged = [(compare(fp, c, self.options), c) for c in candidates]
        dups = [(m, c) for m, c in judged if m.duplicate]
        dups.sort(key=lambda pair: -pair[0].score)
        return self._join(fp, dups)

    def _join(self, fp: Fingerprint, dups: list[tuple[Match, Fingerprint]]) -> Decision:
        matches = [m for m, _ in dups][:KEEP_MATCHES]
        refused = None
        for match, other in dups:
            reason = self.scope.refusal(fp.source_id, other.source_id)
            if reason is not None:
                refused = refused or reason
                continue
            group = other.group
            joined = fp.with_group(group)
            members = self._group(group)
            if not any(m.article_id == group for m in members):
                members.insert(0, other)
            original = choose_original([*members, joined])
            return Decision(
                fp.article_id,
                joined,
                duplicate_of=group,
                syndicated_from=None
                if original.article_id == fp.article_id
                else original.article_id,
                matches=matches,
                match=match,
            )
        return Decision(fp.article_id, fp, matches=matches, refused=refused)

    # -- applying ---------------------------------------------------------------------------

    def stage(self, article: Article) -> Decision:
        """Decide for one article and annotate it: ``fingerprints``, ``canonical_url``,
        ``duplicate_of`` and ``syndicated_from`` are set; a revision is queued for the
        store (the caller must not store the article itself, see :attr:`Decision.revision_of`)."""
        decision = self.check(article)
        fp = decision.fingerprint
        article.fingerprints = to_fields(fp, self.params)
        if article.url and not article.canonical_url:
            article.canonical_url = canonical_url(article.url)
        if decision.repeat:
            return decision
        if decision.revision_of is not None:
            target = decision.revision_of
            self._changes.revisions.append(
                Revision(target, article, replace(fp, article_id=target))
            )
            return decision
        article.duplicate_of = decision.duplicate_of
        article.syndicated_from = decision.syndicated_from
        if decision.duplicate_of is not None:
            self._rename_original(decision)
        self._changes.matches.extend(decision.matches)
        self.pending.add(fp, article)
        self._articles[fp.article_id] = article
        return decision

    def _rename_original(self, decision: Decision) -> None:
        """Re-point the group's members when the new article changes its original."""
        group = decision.duplicate_of or ""
        members = self._group(group)
        if not members:
            return
        before = choose_original(members).article_id
        after = decision.syndicated_from or decision.article_id
        if before == after:
            return
        for member in members:
            value = None if member.article_id == after else after
            pending = self._articles.get(member.article_id)
            if pending is not None:
                pending.syndicated_from = value
            else:
                self._changes.syndicated_from[member.article_id] = value

    def take_changes(self) -> DedupChanges:
        """The changes since the last call, for ``index.apply_dedup`` once the staged
        articles are stored; forgets the staged articles (the store has them now)."""
        changes, self._changes = self._changes, DedupChanges()
        if not self._own:
            self.pending.clear()
            self._articles.clear()
        return changes
