"""Fingerprints of an article: exact hashes, a MinHash signature and its LSH band buckets.

* **Exact**: a hash of the normalised body text (:func:`~storyline.dedup.text.body_lines`,
  tokens joined by spaces) and the canonical URL (:mod:`storyline.dedup.urls`).
* **Near**: a MinHash signature of the body's word 5-shingles (Broder 1997, "On the
  resemblance and containment of documents"): ``num_perm`` minima of random permutations of
  the shingle hashes, so the fraction of equal positions in two signatures estimates the
  Jaccard similarity of the two shingle sets. The signature is computed with
  `datasketch`'s ``MinHash`` (affine permutations of 32-bit hashes, its default scheme since
  2.0) over our own xxhash shingle hashes.
* **LSH**: the signature cut into ``bands`` bands of ``rows`` values; two articles become
  candidates when any band is equal (Leskovec, Rajaraman and Ullman, *Mining of Massive
  Datasets*, ch. 3.4). The probability of that is ``1 - (1 - J**rows)**bands`` for Jaccard
  ``J``: the choice of 42 bands of 3 rows finds 93 % of pairs at J = 0.4 and 99.6 % at 0.5,
  while an unrelated pair (J ≈ 0.01) is a candidate once in 24,000 (measured in
  ``docs/dedup.md``). Each band becomes a 64-bit bucket key stored in the index.
* **Facts**: a bottom-k sketch (Broder 1997; Cohen and Kaplan 2007) of the numbers and
  capitalised words, to tell a copy (same facts) from a template filled with other facts.

A :class:`Fingerprint` is what the index stores per article: small, picklable, and enough to
compare two articles without their texts.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import xxhash
from datasketch import MinHash

from storyline.dedup.syndication import agency_of_source, detect_wire
from storyline.dedup.text import body_lines, fact_tokens, normalise_title, tokens
from storyline.dedup.urls import canonical_url
from storyline.model import Article

__all__ = [
    "DEFAULT_PARAMS",
    "Fingerprint",
    "LSHParams",
    "band_keys",
    "fingerprint",
    "fingerprint_from_article",
    "signature_of",
]

U32 = npt.NDArray[np.uint32]
_SHINGLE_BASE = np.uint64(0x100000001B3)  # the 64-bit FNV prime: odd, well mixed


@dataclass(frozen=True, slots=True)
class LSHParams:
    """How signatures are made and banded. Stored with the index: changing any of these makes
    old signatures incomparable, so the store refuses to mix them."""

    num_perm: int = 128
    shingle: int = 5
    bands: int = 42
    rows: int = 3
    seed: int = 1
    fact_k: int = 64

    def __post_init__(self) -> None:
        if self.bands * self.rows > self.num_perm:
            raise ValueError(
                f"{self.bands} bands of {self.rows} rows need {self.bands * self.rows} "
                f"permutations, more than num_perm={self.num_perm}"
            )
        if min(self.num_perm, self.shingle, self.bands, self.rows, self.fact_k) < 1:
            raise ValueError("LSH parameters must be positive")

    @property
    def name(self) -> str:
        """A short id of the scheme, e.g. ``minhash-a32-p128-k5-b42r3-s1-f64``."""
        return (
            f"minhash-a32-p{self.num_perm}-k{self.shingle}-b{self.bands}r{self.rows}"
            f"-s{self.seed}-f{self.fact_k}"
        )

    def threshold(self) -> float:
        """The Jaccard similarity at which a pair becomes a candidate with probability ~1/2
        (``(1/b)**(1/r)``, MMDS eq. 3.4)."""
        return float((1.0 / self.bands) ** (1.0 / self.rows))

    def candidate_probability(self, jaccard: float) -> float:
        """``1 - (1 - J**r)**b``: the chance two sets of Jaccard ``J`` share a band."""
        return float(1.0 - (1.0 - jaccard**self.rows) ** self.bands)


DEFAULT_PARAMS = LSHParams()


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[U32, U32]:
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    return np.asarray(a, dtype=np.uint32), np.asarray(b, dtype=np.uint32)


def _identity(value: int) -> int:
    return value


def shingle_hashes(words: Sequence[str], k: int) -> list[int]:
    """32-bit hashes of the distinct word ``k``-shingles (the whole text if shorter).

    Each word is hashed once (xxh3); a shingle's hash is a polynomial in its words' hashes
    mod 2**64 (Karp and Rabin 1987), folded to 32 bits, which is what MinHash permutes.
    """
    if not words:
        return []
    table = {w: xxhash.xxh3_64_intdigest(w.encode()) for w in dict.fromkeys(words)}
    hashes = np.fromiter((table[w] for w in words), dtype=np.uint64, count=len(words))
    width = min(k, hashes.size)
    count = hashes.size - width + 1
    combined = np.zeros(count, dtype=np.uint64)
    for offset in range(width):
        combined = combined * _SHINGLE_BASE + hashes[offset : offset + count]
    folded = (combined >> np.uint64(32)) ^ (combined & np.uint64(0xFFFFFFFF))
    unique: list[int] = np.unique(folded.astype(np.uint32)).tolist()
    return unique


def signature_of(hashes: Sequence[int], params: LSHParams = DEFAULT_PARAMS) -> bytes:
    """The MinHash signature of a set of 32-bit hashes, as little-endian uint32 bytes."""
    minhash = MinHash(
        num_perm=params.num_perm,
        seed=params.seed,
        hashfunc=_identity,
        permutations=_permutations(params.num_perm, params.seed),
        scheme="affine32",
    )
    minhash.update_batch(hashes)
    return np.asarray(minhash.hashvalues, dtype="<u4").tobytes()


def band_keys(signature: bytes, params: LSHParams = DEFAULT_PARAMS) -> list[int]:
    """The LSH bucket of each band: a signed 64-bit hash of (band number, band values)."""
    values = np.frombuffer(signature, dtype="<u4")
    if values.size != params.num_perm:
        raise ValueError(
            f"signature has {values.size} values, the index uses {params.num_perm}; "
            "run `storyline dedup index --rebuild`"
        )
    keys = []
    width = params.rows
    for band in range(params.bands):
        chunk = values[band * width : (band + 1) * width].tobytes()
        key = xxhash.xxh3_64_intdigest(band.to_bytes(2, "little") + chunk)
        keys.append(key - (1 << 64) if key >= 1 << 63 else key)
    return keys


def fact_sketch(facts: Sequence[str], k: int) -> tuple[int, bytes]:
    """(number of distinct facts, bottom-``k`` of their 32-bit hashes as sorted uint32 bytes)."""
    hashes = sorted({xxhash.xxh32_intdigest(f.encode("utf-8")) for f in facts})
    return len(hashes), np.asarray(hashes[:k], dtype="<u4").tobytes()


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What the index keeps per article to find and judge its duplicates.

    ``signature`` and ``fact_sketch`` are little-endian uint32 bytes; ``group_id`` is the
    first-seen article of the duplicate group (the article's own id when it is new);
    ``wire`` names the agency a dateline or credit line names ("AP", "Reuters"), and
    ``wire_source`` says the article comes from that agency's own site.
    """

    article_id: str
    title_key: str
    tokens: int
    shingles: int
    signature: bytes | None
    facts: int
    fact_sketch: bytes
    text_hash: str | None = None
    url_key: str | None = None
    canonical_key: str | None = None
    source_id: str | None = None
    published: datetime | None = None
    seen: datetime | None = None
    group_id: str = ""
    wire: str | None = None
    wire_source: bool = False

    @property
    def group(self) -> str:
        """The group id, which is the article's own id until it joins a group."""
        return self.group_id or self.article_id

    def with_group(self, group_id: str) -> Fingerprint:
        return replace(self, group_id=group_id)


def _text_hash(words: Sequence[str]) -> str | None:
    if not words:
        return None
    return hashlib.blake2b(" ".join(words).encode("utf-8"), digest_size=8).hexdigest()


def fingerprint(article: Article, params: LSHParams = DEFAULT_PARAMS) -> Fingerprint:
    """Compute every fingerprint of an article from its title, text, URLs and source."""
    lines = body_lines(article.text or "")
    words = tokens("\n".join(lines))
    hashes = shingle_hashes(words, params.shingle)
    facts, sketch = fact_sketch(fact_tokens(lines), params.fact_k)
    url_key = canonical_url(article.url) if article.url else None
    canonical_key = canonical_url(article.canonical_url) if article.canonical_url else None
    wire = detect_wire((article.text or "").splitlines())
    return Fingerprint(
        article_id=article.id,
        title_key=normalise_title(article.title or ""),
        tokens=len(words),
        shingles=len(hashes),
        signature=signature_of(hashes, params) if hashes else None,
        facts=facts,
        fact_sketch=sketch,
        text_hash=_text_hash(words),
        url_key=url_key,
        canonical_key=canonical_key or url_key,
        source_id=article.source_id,
        published=article.published,
        seen=article.fetched,
        group_id=article.duplicate_of or "",
        wire=wire,
        wire_source=wire is not None and agency_of_source(article.url, article.site_name) == wire,
    )


# -- travelling with the article ----------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def to_fields(fp: Fingerprint, params: LSHParams = DEFAULT_PARAMS) -> dict[str, str]:
    """The fingerprints as ``Article.fingerprints`` strings (JSON-safe, engine-neutral)."""
    fields = {
        "scheme": params.name,
        "tokens": str(fp.tokens),
        "shingles": str(fp.shingles),
        "facts": str(fp.facts),
        "fact_sketch": _b64(fp.fact_sketch),
    }
    optional: dict[str, str | None] = {
        "text": fp.text_hash,
        "url": fp.url_key,
        "canonical": fp.canonical_key if fp.canonical_key != fp.url_key else None,
        "minhash": _b64(fp.signature) if fp.signature is not None else None,
        "wire": fp.wire,
        "wire_source": "1" if fp.wire_source else None,
    }
    fields.update({key: value for key, value in optional.items() if value is not None})
    return fields


def fingerprint_from_article(
    article: Article, params: LSHParams = DEFAULT_PARAMS
) -> Fingerprint | None:
    """The :class:`Fingerprint` an article carries in ``fingerprints`` (None if it has none
    or they were made with another scheme)."""
    fields: dict[str, Any] = article.fingerprints or {}
    if fields.get("scheme") != params.name:
        return None
    minhash = fields.get("minhash")
    url_key = fields.get("url")
    return Fingerprint(
        article_id=article.id,
        title_key=normalise_title(article.title or ""),
        tokens=int(fields.get("tokens", 0)),
        shingles=int(fields.get("shingles", 0)),
        signature=base64.b64decode(minhash) if minhash else None,
        facts=int(fields.get("facts", 0)),
        fact_sketch=base64.b64decode(fields.get("fact_sketch", "")),
        text_hash=fields.get("text"),
        url_key=url_key,
        canonical_key=fields.get("canonical") or url_key,
        source_id=article.source_id,
        published=article.published,
        seen=article.fetched,
        group_id=article.duplicate_of or "",
        wire=fields.get("wire"),
        wire_source=fields.get("wire_source") == "1",
    )
