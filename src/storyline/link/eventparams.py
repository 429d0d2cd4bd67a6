"""The fitted article-to-event model's parameters (``events_params.json``).

Kept apart from :mod:`storyline.link.events` so the clusterer module stays short; see that
module and :mod:`storyline.eval.events_fit`, which writes the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from storyline.errors import ConfigError

__all__ = ["EVENT_FEATURES", "PARAMS_FILE", "EventParams", "load_event_params"]

PARAMS_FILE = "events_params.json"
#: The signals of an article-to-event pair, in the order of the fitted weights.
EVENT_FEATURES = (
    "dense_centroid",
    "dense_newest",
    "lex_centroid",
    "lex_newest",
    "names",
    "dense_cross",
)


@dataclass(frozen=True, slots=True)
class EventParams:
    """Fitted article-to-event model: ``p = sigmoid(bias + Σ w·signal - time prior)``.

    ``threshold`` is the probability below which an article starts a new event;
    ``merge_threshold`` the (stricter) one for the merge pass. ``time_penalty`` (in logits)
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
    report: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "bias": round(self.bias, 6),
            "weights": {k: round(v, 6) for k, v in self.weights.items()},
            "threshold": self.threshold,
            "merge_threshold": self.merge_threshold,
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
            if unknown:
                raise ValueError(f"unknown signals {sorted(unknown)}")
            return cls(
                bias=float(data["bias"]),
                weights=weights,
                threshold=float(data["threshold"]),
                merge_threshold=float(data["merge_threshold"]),
                time_penalty=float(priors.get("time_penalty", 3.0)),
                time_scale_days=float(priors.get("time_scale_days", 7.0)),
                storyline_threshold=float(data.get("storylines", {}).get("threshold", 0.14)),
                storyline_merge_threshold=float(
                    data.get("storylines", {}).get("merge_threshold", 0.3)
                ),
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
