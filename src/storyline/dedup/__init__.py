"""The dedup stage: exact and near duplicates, revisions and syndication (issue 3).

Public interface::

    from storyline.dedup import Deduplicator, DedupOptions

    stage = Deduplicator(store)            # any FingerprintIndex; None = in memory
    decision = stage.stage(article)        # sets fingerprints, duplicate_of, syndicated_from
    store.add_deduped(batch, stage.take_changes())  # articles + index rows, one transaction

Modules: ``urls`` (canonical URLs), ``text`` (normalisation), ``fingerprints`` (MinHash,
LSH bands, fact sketches), ``compare`` (the pair decision), ``syndication`` (wire credits,
originals, origins), ``scope`` (per-user scope), ``revisions``, ``index`` (what the stage
needs from a store; an in-memory index) and ``stage``. Only the model and third-party
packages are imported. See ``docs/dedup.md``.
"""

from __future__ import annotations

from storyline.dedup.compare import DedupOptions, Match, compare
from storyline.dedup.fingerprints import DEFAULT_PARAMS, Fingerprint, LSHParams, fingerprint
from storyline.dedup.index import DedupChanges, FingerprintIndex, MemoryIndex, Revision
from storyline.dedup.scope import Scope, ScopeMode
from storyline.dedup.stage import Decision, Deduplicator
from storyline.dedup.urls import canonical_url

__all__ = [
    "DEFAULT_PARAMS",
    "Decision",
    "DedupChanges",
    "DedupOptions",
    "Deduplicator",
    "Fingerprint",
    "FingerprintIndex",
    "LSHParams",
    "Match",
    "MemoryIndex",
    "Revision",
    "Scope",
    "ScopeMode",
    "canonical_url",
    "compare",
    "fingerprint",
]
