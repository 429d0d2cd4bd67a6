"""The reliability suite's pytest side: CI runs the light part, ``make reliability`` all.

``STORYLINE_RELIABILITY=full`` (set by ``make reliability``) adds the heavy inputs (1 GB
streams, bombs, slow pages) and the long fault scenarios (kill -9 during ingest and merges).
"""

from __future__ import annotations

import os

import pytest

FULL = os.environ.get("STORYLINE_RELIABILITY", "") == "full"

full_only = pytest.mark.skipif(not FULL, reason="full reliability suite: make reliability")
