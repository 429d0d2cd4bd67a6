"""The similarity model: several signals in, one score in [0, 1] out, with its reasons.

"Is this the same news?" is more than one cosine. Following Miranda et al. (2018,
"Multilingual Clustering of Streaming News"), Storyline combines signals of different kinds
(:mod:`storyline.link.features`): the dense cosine of the story vectors, BM25 similarity of
titles and bodies, shared names and numbers, shared quotes, and whether the languages match.
Their weights are fitted by least squares on the SemEval-2022 Task 8 sample (Chen et al.
2022, "SemEval-2022 Task 8: Multilingual News Article Similarity") to predict the human
"Overall" rating mapped to [0, 1] (1 = very similar); :mod:`storyline.eval.fit_similarity`
writes them to ``similarity_params.json`` next to this file, readable and reproducible.

Two signals cannot be fitted there, because the SemEval pairs carry no dates and no URLs,
so they enter as documented *priors* instead: publication dates far apart lower the score
(reports a month apart are at most the same storyline, not the same event), and shared
cited URLs raise it. The score is read in bands fitted on the same data: ``same event``,
``same storyline``, ``related``, ``different``.

Every score can explain itself: :meth:`SimilarityModel.score` returns the contribution of
each signal (weight × value), which is what ``storyline similar --explain`` prints.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from storyline.errors import ConfigError

__all__ = [
    "FAMILIES",
    "Scored",
    "SimilarityModel",
    "SimilarityParams",
    "load_params",
    "term_value",
]

PARAMS_FILE = "similarity_params.json"
LABELS = ("same event", "same storyline", "related", "different")


def term_value(term: str, features: dict[str, float | None]) -> float:
    """The value of one model term: a feature name, ``a*b`` (a product), ``a^2``,
    ``a>c``, the hinge ``max(0, a - c)`` (the extra slope of ``a`` above ``c``), or ``a<c``,
    the cap ``min(a, c)`` (the extra slope of ``a`` below ``c``).

    Hinges and caps make the model piecewise linear in a signal (Friedman 1991,
    "Multivariate Adaptive Regression Splines", uses the same basis): with non-negative
    weights on them, a score can rise steeply where a signal starts to mean something and
    flatten where more of it adds little, and still never fall as the signal grows.
    """
    if "*" in term:
        product = 1.0
        for part in term.split("*"):
            product *= term_value(part, features)
        return product
    if ">" in term or "<" in term:
        name, sign, cut = term.partition(">") if ">" in term else term.partition("<")
        try:
            threshold = float(cut)
        except ValueError as error:
            raise ConfigError(f"the similarity model has a malformed term {term!r}") from error
        value = term_value(name, features)
        return max(0.0, value - threshold) if sign == ">" else min(value, threshold)
    if term.endswith("^2"):
        value = term_value(term[:-2], features)
        return value * value
    if term not in features:
        raise ConfigError(f"the similarity model uses an unknown signal {term!r}")
    found = features[term]
    return 0.0 if found is None else float(found)


@dataclass(frozen=True, slots=True)
class SimilarityParams:
    """The fitted model: ``score = clip(intercept + Σ weight·term + priors, 0, 1)``.

    ``embedder`` names the vectors the weights were fitted with; ``thresholds`` are the
    lowest scores of the bands ``same event``, ``same storyline`` and ``related``.
    ``time_penalty`` is subtracted in full for pairs published ``time_scale_days`` or more
    apart (less, on a log scale, for closer pairs); ``link_bonus`` is added for fully shared
    cited URLs. ``report`` records how the fit went (free-form, for people).
    """

    embedder: str
    intercept: float
    weights: dict[str, float]
    thresholds: dict[str, float]
    time_penalty: float = 0.2
    time_scale_days: float = 30.0
    link_bonus: float = 0.1
    report: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "embedder": self.embedder,
            "intercept": round(self.intercept, 6),
            "weights": {k: round(v, 6) for k, v in self.weights.items()},
            "thresholds": {k: round(v, 4) for k, v in self.thresholds.items()},
            "priors": {
                "why": "not fitted: the SemEval pairs carry no dates and no URLs",
                "time_penalty": self.time_penalty,
                "time_scale_days": self.time_scale_days,
                "link_bonus": self.link_bonus,
            },
            "report": self.report,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SimilarityParams:
        try:
            priors = data.get("priors", {})
            return cls(
                embedder=str(data["embedder"]),
                intercept=float(data["intercept"]),
                weights={str(k): float(v) for k, v in data["weights"].items()},
                thresholds={str(k): float(v) for k, v in data["thresholds"].items()},
                time_penalty=float(priors.get("time_penalty", 0.2)),
                time_scale_days=float(priors.get("time_scale_days", 30.0)),
                link_bonus=float(priors.get("link_bonus", 0.1)),
                report=dict(data.get("report", {})),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ConfigError(
                f"similarity parameters are malformed ({error!r}); regenerate them with "
                "python -m storyline.eval.fit_similarity"
            ) from error


def load_params(path: Path | None = None) -> SimilarityParams:
    """The parameters in ``path``, or the fitted ones shipped with Storyline."""
    try:
        if path is None:
            text = resources.files("storyline.link").joinpath(PARAMS_FILE).read_text("utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, json.JSONDecodeError) as error:
        where = path or f"storyline/link/{PARAMS_FILE}"
        raise ConfigError(
            f"{where}: cannot read the similarity parameters ({error}); regenerate them with "
            "python -m storyline.eval.fit_similarity"
        ) from error
    return SimilarityParams.from_json(data)


#: What people read in an explanation: each signal of :mod:`storyline.link.features` belongs
#: to one family, and a model term is credited to the families of the signals it uses.
FAMILIES = {
    "dense": "vectors",
    "title_lex": "words",
    "body_lex": "words",
    "lead_lex": "words",
    "names": "names",
    "name_overlap": "names",
    "quotes": "quotes",
    "same_language": "language",
    "cross_language": "language",
    "links": "shared links",
    "length_ratio": "length",
    "length": "length",
}


def _signals_of(term: str) -> list[str]:
    """The signals a term is made of: ``a*b`` → a, b; ``a^2`` and ``a>c`` → a."""
    return [part.partition(">")[0].partition("<")[0].removesuffix("^2") for part in term.split("*")]


@dataclass(frozen=True, slots=True)
class Scored:
    """A pair's score, its band, and what each model term contributed (they sum to the
    score, before clipping to [0, 1])."""

    score: float
    label: str
    contributions: dict[str, float]
    features: dict[str, float | None]

    def by_family(self) -> dict[str, float]:
        """The contributions summed per family of signals (``vectors``, ``words``, ``names``,
        ``quotes``, ``language``, ``length``, ``time``, ``shared links``, ``baseline``); a
        product of two signals is credited half to each, a product with ``same_language`` or
        ``cross_language`` wholly to the other signal. Sums to the same total."""
        out: dict[str, float] = {}
        for term, value in self.contributions.items():
            families = [FAMILIES.get(part, part) for part in _signals_of(term)]
            # In ``words*same_language`` the language only selects a slope: credit the words.
            evidence = [f for f in families if f != "language"] or families
            for family in evidence:
                out[family] = out.get(family, 0.0) + value / len(evidence)
        return out


class SimilarityModel:
    """Scores feature dicts from :func:`storyline.link.features.pair_features`."""

    def __init__(self, params: SimilarityParams | None = None) -> None:
        self.params = params or load_params()

    def raw(self, features: dict[str, float | None]) -> float:
        """The fitted part only (no priors, no clipping): what Pearson is measured on."""
        p = self.params
        return p.intercept + sum(w * term_value(t, features) for t, w in p.weights.items())

    def score(self, features: dict[str, float | None]) -> Scored:
        """Score one pair, with per-signal contributions and the band it falls in."""
        p = self.params
        contributions: dict[str, float] = {"baseline": p.intercept}
        for term, weight in p.weights.items():
            contributions[term] = weight * term_value(term, features)
        days = features.get("days_apart")
        if days is not None and p.time_penalty:
            scale = math.log1p(max(p.time_scale_days, 1e-6))
            contributions["time"] = -p.time_penalty * min(1.0, math.log1p(days) / scale)
        links = features.get("links") or 0.0
        if links and p.link_bonus:
            contributions["shared links"] = p.link_bonus * links
        total = sum(contributions.values())
        score = min(1.0, max(0.0, total))
        return Scored(score, self.label(score), contributions, dict(features))

    def label(self, score: float) -> str:
        """The band of a score: ``same event``, ``same storyline``, ``related``, ``different``."""
        t = self.params.thresholds
        if score >= t.get("same event", 1.0):
            return "same event"
        if score >= t.get("same storyline", 1.0):
            return "same storyline"
        if score >= t.get("related", 1.0):
            return "related"
        return "different"
