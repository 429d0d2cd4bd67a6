"""The article-to-event model: its signals and its fitted parameters (``events_params.json``).

Two models, as in Miranda et al. (2018), "Multilingual Clustering of Streaming News",
section 3: a **ranking** score of an article against each candidate event
(:func:`event_features`, a logistic regression), and an **accept** model deciding whether
the article joins the best-ranked event or starts one (:func:`accept_features`: how good
the best is, its margin over the runner-up, how far it stands out from all open events).
Kept apart from :mod:`storyline.link.events` so the clusterer module stays short;
:mod:`storyline.eval.events_fit` fits both and writes the file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from storyline.embed.base import FloatVector
from storyline.errors import ConfigError
from storyline.link.signals import Centroid, Item, sparse_cosine

__all__ = [
    "ACCEPT_FEATURES",
    "EVENT_FEATURES",
    "PARAMS_FILE",
    "EventParams",
    "EventView",
    "accept_features",
    "event_features",
    "load_event_params",
    "standing",
]

PARAMS_FILE = "events_params.json"
#: The signals of an article-to-event pair, in the order of the fitted weights.
EVENT_FEATURES = (
    "dense_centroid",
    "dense_newest",
    "lex_centroid",
    "lex_newest",
    "names",
    "dense_cross",
    "dense_standing",
)
#: The signals of the join-or-start decision (:func:`storyline.link.events.accept_features`).
ACCEPT_FEATURES = ("top", "margin", "standing")


class EventView(Protocol):
    """What the signals read of an event (:class:`storyline.link.events.EventState`)."""

    centroid: Centroid
    newest: list[tuple[FloatVector | None, dict[str, float]]]
    languages: set[str]


@dataclass(frozen=True, slots=True)
class EventParams:
    """Fitted article-to-event model: ``p = sigmoid(bias + Σ w·signal - time prior)``.

    ``threshold`` is the probability below which an article starts a new event rather than
    join its best candidate: that of the accept model (``accept_bias``, ``accept_weights``
    over :data:`ACCEPT_FEATURES`) when it is fitted, else of the best candidate's score.
    ``merge_threshold`` is the (stricter) one of the merge pass, and ``second_chance``
    the accept probability at which an article that founded an event since the last pass
    joins another event that grew meanwhile. ``time_penalty`` (in logits)
    is subtracted in full for a gap of ``time_scale_days`` or more, less on a log scale.
    """

    bias: float
    weights: dict[str, float]
    threshold: float
    merge_threshold: float
    time_penalty: float = 3.0
    time_scale_days: float = 7.0
    #: Storyline link and merge thresholds (:class:`StorylineOptions`), chosen on T17 dev.
    storyline_threshold: float = 0.14
    storyline_merge_threshold: float = 0.3
    second_chance: float = 1.01
    accept_bias: float = 0.0
    accept_weights: dict[str, float] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)

    def accept(self, features: dict[str, float]) -> float:
        """The probability that an article joins its best candidate (see above)."""
        if not self.accept_weights:
            return sigmoid(features["top"])
        z = self.accept_bias + sum(w * features[k] for k, w in self.accept_weights.items())
        return sigmoid(z)

    def to_json(self) -> dict[str, Any]:
        return {
            "bias": round(self.bias, 6),
            "weights": {k: round(v, 6) for k, v in self.weights.items()},
            "accept": {
                "bias": round(self.accept_bias, 6),
                "weights": {k: round(v, 6) for k, v in self.accept_weights.items()},
            },
            "threshold": self.threshold,
            "merge_threshold": self.merge_threshold,
            "second_chance": self.second_chance,
            "storylines": {
                "threshold": self.storyline_threshold,
                "merge_threshold": self.storyline_merge_threshold,
            },
            "priors": {
                "why": "not fitted: WikinewsSum has no publication dates",
                "time_penalty": self.time_penalty,
                "time_scale_days": self.time_scale_days,
            },
            "report": self.report,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EventParams:
        try:
            priors = data.get("priors", {})
            weights = {str(k): float(v) for k, v in data["weights"].items()}
            unknown = set(weights) - set(EVENT_FEATURES)
            accept = data.get("accept", {})
            accept_weights = {str(k): float(v) for k, v in accept.get("weights", {}).items()}
            unknown |= set(accept_weights) - set(ACCEPT_FEATURES)
            if unknown:
                raise ValueError(f"unknown signals {sorted(unknown)}")
            return cls(
                bias=float(data["bias"]),
                weights=weights,
                threshold=float(data["threshold"]),
                merge_threshold=float(data["merge_threshold"]),
                second_chance=float(data.get("second_chance", 1.01)),
                time_penalty=float(priors.get("time_penalty", 3.0)),
                time_scale_days=float(priors.get("time_scale_days", 7.0)),
                storyline_threshold=float(data.get("storylines", {}).get("threshold", 0.14)),
                storyline_merge_threshold=float(
                    data.get("storylines", {}).get("merge_threshold", 0.3)
                ),
                accept_bias=float(accept.get("bias", 0.0)),
                accept_weights=accept_weights,
                report=dict(data.get("report", {})),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ConfigError(
                f"event parameters are malformed ({error}); regenerate them with "
                "python -m storyline.eval.events_fit"
            ) from error


def load_event_params(path: Path | None = None) -> EventParams:
    """The parameters in ``path``, or the fitted ones shipped with Storyline."""
    try:
        if path is None:
            text = resources.files("storyline.link").joinpath(PARAMS_FILE).read_text("utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        return EventParams.from_json(json.loads(text))
    except (OSError, json.JSONDecodeError) as error:
        raise ConfigError(
            f"{path or PARAMS_FILE}: cannot read the event parameters ({error}); regenerate "
            "them with python -m storyline.eval.events_fit"
        ) from error


#: The dense standing is a z-score: ``STANDING_FLOOR`` keeps a tiny spread from blowing it
#: up, and ``STANDING_SCALE`` standard deviations map to 1.
STANDING_FLOOR = 0.01
STANDING_SCALE = 5.0
#: Logits by which the best candidate beats the runner-up, at most. A lone candidate has
#: no margin: with nothing to stand out from, only its own score speaks (as the standing
#: is 0 without a background), so a young store does not take any best for a clear one.
MARGIN_CAP = 10.0


def sigmoid(x: float) -> float:
    """The logistic function, clamped so that no logit overflows ``exp``."""
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


def standing(cosine: float, background: tuple[float, float] | None) -> float:
    """How far ``cosine`` stands above the background (mean, spread) of the article's
    cosines with every open event, as a z-score scaled into [0, 1].

    Story vectors of one language and period are all rather alike (cosines of unrelated
    news sit near 0.8 with multilingual-e5), so the raw cosine separates poorly; what marks
    the right event is that it stands out from all the others, the idea of the score
    normalisation of Topic Detection and Tracking systems (a story's similarity is judged
    against its similarities to everything else) and of the nearest-neighbour ratio test
    (Lowe 2004, "Distinctive Image Features from Scale-Invariant Keypoints").
    """
    if background is None:
        return 0.0
    mean, spread = background
    z = (cosine - mean) / (spread + STANDING_FLOOR)
    return float(min(1.0, max(0.0, z / STANDING_SCALE)))


def _dense(item: Item, event: EventView) -> tuple[float, float]:
    """Dense cosines of the article with the event's centroid and with its newest members."""
    dense_c = dense_n = 0.0
    if item.vector is not None:
        unit = event.centroid.unit_dense()
        if unit is not None:
            dense_c = float(np.clip(np.dot(item.vector, unit), 0.0, 1.0))
        for vector, _ in event.newest:
            if vector is not None:
                dense_n = max(dense_n, float(np.clip(np.dot(item.vector, vector), 0.0, 1.0)))
    return dense_c, dense_n


def _standing(item: Item, dense_c: float, dense_n: float) -> float:
    return standing(max(dense_c, dense_n), item.background) if item.vector is not None else 0.0


def event_features(item: Item, event: EventView) -> dict[str, float]:
    """The signals of :data:`EVENT_FEATURES` for an article and an event, all in [0, 1]."""
    dense_c, dense_n = _dense(item, event)
    lex_n = max((sparse_cosine(item.lex, lex, 1.0) for _, lex in event.newest), default=0.0)
    cross = bool(item.language) and item.language not in event.languages
    return {
        "dense_standing": _standing(item, dense_c, dense_n),
        "dense_cross": dense_c if cross else 0.0,
        "dense_centroid": dense_c,
        "dense_newest": dense_n,
        "lex_centroid": sparse_cosine(item.lex, event.centroid.lex, event.centroid.lex_norm),
        "lex_newest": lex_n,
        "names": sparse_cosine(item.names, event.centroid.names, event.centroid.names_norm),
    }


def accept_features(
    ranked: list[tuple[float, str]], item: Item, best: EventView
) -> dict[str, float]:
    """The signals of :data:`ACCEPT_FEATURES`: whether ``item`` should join ``best``, the
    top of ``ranked`` (logits of the article-to-event score, best first)."""
    top = ranked[0][0]
    margin = min(MARGIN_CAP, max(0.0, top - ranked[1][0])) if len(ranked) > 1 else 0.0
    # Only the dense part of the best candidate's features: the rest is not needed here.
    return {"top": top, "margin": margin, "standing": _standing(item, *_dense(item, best))}
