"""Storage back ends behind one protocol; pick one by URL with :func:`open_store`.

``from storyline.store import open_store`` is all most code needs: the back-end modules are
imported lazily by ``open_store``, so importing this package stays cheap.
"""

from __future__ import annotations

from storyline.store.base import AddResult, BatchError, SearchHit, Store, open_store

__all__ = ["AddResult", "BatchError", "SearchHit", "Store", "open_store"]
