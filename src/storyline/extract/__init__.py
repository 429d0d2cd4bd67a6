"""The extraction and cleaning stage: :class:`~storyline.model.RawDoc` → clean
:class:`~storyline.model.Article`.

Public interface::

    from storyline.extract import DEFAULT_OPTIONS, ExtractOptions, MemoryLineStats, extract

    article = extract(raw)                                   # stateless
    article = extract(raw, ExtractOptions(min_repeats=5), line_stats=MemoryLineStats())

Modules: ``html`` (trafilatura), ``clean`` (boilerplate, aggregator blocks, credits),
``language`` (py3langid), ``text`` (plain text, titles, leads), ``dates``, ``linestats``
(learned boilerplate), ``patterns`` (multilingual pattern tables). See
``docs/extraction.md`` for the algorithm and the measured quality.
"""

from __future__ import annotations

from storyline.extract.core import ARTICLE_MEDIA_TYPE, extract
from storyline.extract.linestats import LineStats, MemoryLineStats, line_hash
from storyline.extract.options import DEFAULT_OPTIONS, ExtractOptions

__all__ = [
    "ARTICLE_MEDIA_TYPE",
    "DEFAULT_OPTIONS",
    "ExtractOptions",
    "LineStats",
    "MemoryLineStats",
    "extract",
    "line_hash",
]
