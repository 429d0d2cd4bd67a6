"""Keyphrases with YAKE, per article and per group of articles.

YAKE (Campos, Mangaravite, Pasquali, Jorge, Nunes and Jatowt 2020, "YAKE! Keyword extraction
from single documents using multiple local features", Information Sciences 509) scores each
word by five statistics of the document alone (casing, position, frequency, how varied its
neighbours are, how many sentences hold it), then each candidate phrase of up to three words
by combining its words' scores; lower is better. No corpus, model or training: it works in
any language with a stop-word list, and costs a few milliseconds per article. This is a
compact re-implementation of the paper's formulas (section 3), with near-duplicate phrases
removed by word containment instead of the paper's string distance.

For a group of articles (an event, later), phrases are ranked by how many articles name them,
then by their mean rank, so a phrase one article repeats cannot outrank one all articles use.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence

from storyline.enrich.lexicon import STOPWORDS

__all__ = ["group_keyphrases", "keyphrases"]

_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
_TOKENS = re.compile(r"[^\W_][\w'’-]*[^\W_]|[^\W_]|[^\w\s]")
_MAX_WORDS = 3
_WINDOW = 2


def _is_word(token: str) -> bool:
    return token[0].isalnum() and not token.replace(".", "").isdigit()


def _candidate_ok(words: list[str]) -> bool:
    lowered = [w.casefold() for w in words]
    return (
        lowered[0] not in STOPWORDS
        and lowered[-1] not in STOPWORDS
        and all(_is_word(w) and len(w) > 1 for w in words)
        and not any(ch.isdigit() for ch in "".join(words))
    )


def keyphrases(text: str, *, top: int = 10) -> list[tuple[str, float]]:
    """The ``top`` keyphrases of ``text`` with their YAKE scores (lower = more key)."""
    sentences = [s for s in _SENTENCES.split(text) if s.strip()]
    if not sentences:
        return []
    tf: Counter[str] = Counter()
    upper: Counter[str] = Counter()
    acronym: Counter[str] = Counter()
    positions: dict[str, list[int]] = defaultdict(list)
    left: dict[str, Counter[str]] = defaultdict(Counter)
    right: dict[str, Counter[str]] = defaultdict(Counter)
    candidates: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for index, sentence in enumerate(sentences):
        tokens = _TOKENS.findall(sentence)
        chunk: list[str] = []
        for position, token in enumerate(tokens):
            if not _is_word(token):
                chunk = []
                continue
            key = token.casefold()
            tf[key] += 1
            positions[key].append(index)
            if len(token) > 1 and token.isupper():
                acronym[key] += 1
            elif token[0].isupper() and position > 0:
                upper[key] += 1
            chunk.append(token)
            # Co-occurrence within the window, inside one chunk of words.
            for other in chunk[-_WINDOW - 1 : -1]:
                left[key][other.casefold()] += 1
                right[other.casefold()][key] += 1
            for size in range(1, _MAX_WORDS + 1):
                if len(chunk) >= size and _candidate_ok(chunk[-size:]):
                    words = chunk[-size:]
                    candidates[tuple(w.casefold() for w in words)][" ".join(words)] += 1
    content = [k for k in tf if k not in STOPWORDS]
    if not content:
        return []
    counts = [tf[k] for k in content]
    mean, std = statistics.fmean(counts), statistics.pstdev(counts)
    max_tf = float(max(counts))
    scores: dict[str, float] = {}
    for key, count in tf.items():
        case = max(upper[key], acronym[key]) / (1 + math.log(count))
        placement = math.log(math.log(3.0 + float(statistics.median(positions[key]))))
        frequency = count / (mean + std)
        dl = len(left[key]) / max(1, sum(left[key].values()))
        dr = len(right[key]) / max(1, sum(right[key].values()))
        relatedness = 1 + (dl + dr) * count / max_tf
        spread = len(set(positions[key])) / len(sentences)
        scores[key] = (relatedness * placement) / (
            case + frequency / relatedness + spread / relatedness
        )
    ranked: list[tuple[float, tuple[str, ...], str]] = []
    # In a longer text a phrase said once is rarely key (it is how a sentence goes on).
    repeated = 2 if len(sentences) >= 8 else 1
    for phrase, forms in candidates.items():
        if len(phrase) > 1 and sum(forms.values()) < repeated:
            continue
        product, total = 1.0, 0.0
        for word in phrase:
            if word in STOPWORDS:
                continue
            product *= scores[word]
            total += scores[word]
        count = sum(forms.values())
        ranked.append((product / (count * (1 + total)), phrase, forms.most_common(1)[0][0]))
    ranked.sort()
    chosen: list[tuple[str, float]] = []
    chosen_words: list[set[str]] = []
    for score, phrase, form in ranked:
        word_set = set(phrase)
        if any(
            len(word_set & other) * 2 >= min(len(word_set), len(other)) for other in chosen_words
        ):
            continue
        chosen.append((form, score))
        chosen_words.append(word_set)
        if len(chosen) >= top:
            break
    return chosen


def group_keyphrases(per_article: Sequence[Sequence[str]], *, top: int = 10) -> list[str]:
    """Keyphrases of a group from each article's ranked phrases (see the module docstring)."""
    articles: Counter[str] = Counter()
    ranks: dict[str, list[int]] = defaultdict(list)
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for phrases in per_article:
        seen: set[str] = set()
        for rank, phrase in enumerate(phrases):
            key = phrase.casefold()
            if key in seen:
                continue
            seen.add(key)
            articles[key] += 1
            ranks[key].append(rank)
            forms[key][phrase] += 1
    order = sorted(articles, key=lambda k: (-articles[k], statistics.fmean(ranks[k]), k))
    return [forms[k].most_common(1)[0][0] for k in order[:top]]
