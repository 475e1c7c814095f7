"""The scales trajectories are fitted on, and back.

- `logit` for bounded shares (percent 0–100 or index 0–1): projections stay inside the bounds. Values at a
  bound (100% of services online) are clipped to `clip` inside it first, since logit(1) is infinite; the
  clip is a parameter (model.logit_clip in params.yaml) and stated in the methods appendix.
- `rank` for ranks: a rank r of N becomes a latent score z = -Φ⁻¹((r − 0.375)/(N + 0.25)) (Blom's normal
  score), higher = better, so ranks published without scores are observations of a continuous quantity and
  ranks out of 63 and out of 34 share one scale.
- `none`: the value itself.
"""

from __future__ import annotations

import numpy as np

from dxtrack.model.distributions import norm


class Transform:
    def __init__(self, kind: str, upper: float | None, clip: float = 0.005):
        if kind not in ("logit", "rank", "none"):
            raise ValueError(f"unknown transform {kind!r}")
        self.kind, self.upper, self.clip = kind, upper, clip

    @classmethod
    def for_indicator(cls, definition: dict, clip: float) -> Transform:
        kind = "rank" if definition.get("unit") == "rank" else definition.get("transform", "none")
        return cls(kind, definition.get("upper"), clip)

    def forward(self, value, rank_of=None) -> np.ndarray:
        value = np.asarray(value, dtype=float)
        if self.kind == "logit":
            p = np.clip(value / self.upper, self.clip, 1 - self.clip)
            return np.log(p / (1 - p))
        if self.kind == "rank":
            n = np.asarray(rank_of, dtype=float)
            return -norm.ppf((value - 0.375) / (n + 0.25))
        return value

    def inverse(self, z, rank_of=None) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        if self.kind == "logit":
            return self.upper / (1 + np.exp(-z))
        if self.kind == "rank":
            n = np.asarray(rank_of, dtype=float)
            return norm.cdf(-z) * (n + 0.25) + 0.375
        return z
