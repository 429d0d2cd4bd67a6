"""Dedup scope: which articles may be folded into one another, by the reader's choice.

A reader of one topic wants every duplicate folded (``global``); a reader who follows
categories as separate front pages wants copies folded only within a category
(``category``: sources with the same ``Source.category``); and some sources should always
be shown as they are (``off`` for that source: its articles are never marked as duplicates
and never absorb other sources' copies). The setting has a default and per-source
overrides, and is kept per user in the store.

Matches are found whatever the scope (and kept, see ``dedup_matches``); the scope only
decides which of them make an article a duplicate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Scope", "ScopeMode"]


class ScopeMode(StrEnum):
    """How far duplicates are looked for."""

    GLOBAL = "global"
    CATEGORY = "category"
    OFF = "off"


@dataclass(frozen=True, slots=True)
class Scope:
    """A user's dedup scope: a default mode, per-source overrides, and the categories of the
    sources (``None`` for an uncategorised source; two uncategorised sources are alike)."""

    default: ScopeMode = ScopeMode.GLOBAL
    sources: Mapping[str, ScopeMode] = field(default_factory=dict)
    categories: Mapping[str, str | None] = field(default_factory=dict)

    def mode(self, source_id: str | None) -> ScopeMode:
        """The mode that applies to a source's articles."""
        if source_id is not None and source_id in self.sources:
            return self.sources[source_id]
        return self.default

    def refusal(self, a: str | None, b: str | None) -> str | None:
        """Why articles of sources ``a`` and ``b`` may not be folded together (None: they may)."""
        mode_a, mode_b = self.mode(a), self.mode(b)
        for source, mode in ((a, mode_a), (b, mode_b)):
            if mode is ScopeMode.OFF:
                return f"dedup is off for source {source}"
        if ScopeMode.CATEGORY in (mode_a, mode_b):
            cat_a, cat_b = self.categories.get(a or ""), self.categories.get(b or "")
            if cat_a != cat_b:
                return f"scope is per category and the categories differ ({cat_a} vs {cat_b})"
        return None

    def allows(self, a: str | None, b: str | None) -> bool:
        """Whether articles of sources ``a`` and ``b`` may be folded together."""
        return self.refusal(a, b) is None
