"""The linking stage: how similar two articles are, and which stored ones are nearest.

Modules: ``features`` (the signals of a pair), ``similarity`` (the fitted model that turns
signals into a score with its reasons), ``index`` (nearest neighbours: exact numpy or HNSW).
Events and storylines will be built on these. See docs/similar.md.
"""

from __future__ import annotations

from storyline.link.features import FEATURES, Profile, pair_features, profile
from storyline.link.similarity import Scored, SimilarityModel, SimilarityParams, load_params

__all__ = [
    "FEATURES",
    "Profile",
    "Scored",
    "SimilarityModel",
    "SimilarityParams",
    "load_params",
    "pair_features",
    "profile",
]
