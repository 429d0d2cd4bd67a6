"""Evaluation of Storyline's stages on public data sets (``storyline eval ...``)."""
