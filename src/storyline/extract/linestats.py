"""Per-source line statistics for learned boilerplate.

A line that recurs in many documents of one source is template text (a tagline, a newsletter
prompt, a copyright notice), whatever its wording: this is the "repeated blocks across pages
of a site" signal of boilerplate detection (Bar-Yossef & Rajagopalan 2002, "Template
detection via data mining"; Kohlschütter et al. 2010 use it as a feature in boilerpipe).
Lines are compared by :func:`line_hash` of a normalised form, and counted over *distinct*
documents, so re-extracting a document does not inflate its lines.

:class:`LineStats` is what the cleaning needs; the SQLite store implements it persistently and
:class:`MemoryLineStats` in memory (batch runs, tests).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from typing import Protocol, runtime_checkable

__all__ = ["LineStats", "MemoryLineStats", "line_hash", "normalise_line"]

_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")


def normalise_line(line: str) -> str:
    """A line folded for template matching.

    NFKC, case-folded, digits collapsed to ``0`` (so "© 2023" and "© 2024" or "3 min read"
    and "5 min read" count as one template) and punctuation/whitespace runs collapsed to one
    space.
    """
    folded = unicodedata.normalize("NFKC", line).casefold()
    folded = _DIGITS.sub("0", folded)
    return _NON_WORD.sub(" ", folded).strip()


def line_hash(line: str) -> str:
    """The hash :class:`LineStats` counts: 16 hex digits of SHA-256 of :func:`normalise_line`."""
    return hashlib.sha256(normalise_line(line).encode("utf-8")).hexdigest()[:16]


@runtime_checkable
class LineStats(Protocol):
    """Counts of line hashes over the distinct documents of each source."""

    def line_counts(self, source_id: str, hashes: Iterable[str]) -> dict[str, int]:
        """In how many observed documents of ``source_id`` each hash occurs (0 when never)."""
        ...

    def document_count(self, source_id: str) -> int:
        """How many distinct documents of ``source_id`` were observed."""
        ...

    def observe_lines(self, source_id: str, doc_key: str, hashes: Iterable[str]) -> bool:
        """Record the line hashes of one document; ``False`` if ``doc_key`` was already seen."""
        ...


class MemoryLineStats:
    """An in-memory :class:`LineStats` (one process, not persisted)."""

    __slots__ = ("_counts", "_docs")

    def __init__(self) -> None:
        self._counts: dict[str, dict[str, int]] = {}
        self._docs: dict[str, set[str]] = {}

    def line_counts(self, source_id: str, hashes: Iterable[str]) -> dict[str, int]:
        counts = self._counts.get(source_id, {})
        return {h: counts.get(h, 0) for h in hashes}

    def document_count(self, source_id: str) -> int:
        return len(self._docs.get(source_id, ()))

    def observe_lines(self, source_id: str, doc_key: str, hashes: Iterable[str]) -> bool:
        docs = self._docs.setdefault(source_id, set())
        if doc_key in docs:
            return False
        docs.add(doc_key)
        counts = self._counts.setdefault(source_id, {})
        for h in set(hashes):
            counts[h] = counts.get(h, 0) + 1
        return True
