"""Storyline: a self-hosted news aggregator and story tracker."""

from storyline.errors import StorylineError

__version__ = "0.1.0"
__all__ = ["StorylineError", "__version__"]
