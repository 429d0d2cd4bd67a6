"""Language of an article body, with py3langid (Lui & Baldwin 2012, langid.py).

Identified on the cleaned *body*, never on the page: an aggregator wraps an English report
in Norwegian chrome ("Similar News:Du kan også lese ..."), and the article is English.
py3langid's model knows ``no`` (Norwegian, in practice mostly Bokmål) and ``nn`` (Nynorsk);
Storyline reports ISO 639-1 codes and maps ``no`` to ``nb``, the written standard of nearly
all Norwegian news, so that ``nb`` and ``nn`` are told apart. Texts too short to tell, or
identified with low confidence, get ``None``: an unknown language is better than a wrong one.
"""

from __future__ import annotations

import re
import threading
from typing import Any

__all__ = ["detect_language", "normalise_language"]

#: py3langid labels that Storyline reports under another code.
_ALIASES = {"no": "nb"}
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_lock = threading.Lock()
_identifier: Any = None


def _get_identifier() -> Any:
    """The py3langid model with normalised probabilities, loaded once (thread-safe)."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                _identifier = _load_default()
    return _identifier


def _load_default() -> Any:
    from py3langid import langid

    path = langid.MODEL_DIR / langid.MODEL_FILE
    return langid.LanguageIdentifier.from_modelpath(path, norm_probs=True)


def normalise_language(code: object) -> str | None:
    """A language code as Storyline stores it: lower-case ISO 639-1, ``no`` → ``nb``.

    Region and script subtags are dropped ("en-US" → "en", "nb_NO" → "nb"); anything that is
    not a 2-3 letter code gives ``None``.
    """
    if not isinstance(code, str):
        return None
    primary = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    if not re.fullmatch(r"[a-z]{2,3}", primary):
        return None
    return _ALIASES.get(primary, primary)


def detect_language(text: str, *, min_chars: int = 40, min_confidence: float = 0.5) -> str | None:
    """The language of ``text``, or ``None`` when it has fewer than ``min_chars`` letters or
    the model's normalised probability is below ``min_confidence``.

    Only the first ~5,000 characters are read: enough for a stable answer (langid.py reaches
    its accuracy on a few hundred characters) at a bounded cost.
    """
    sample = text[:5000]
    if len(_LETTERS.findall(sample)) < min_chars:
        return None
    label, confidence = _get_identifier().classify(sample)
    if confidence < min_confidence:
        return None
    return normalise_language(label)
