"""Rank goals ("top 20 in DTI by 2025"), answered by simulating every unit of the ranking jointly.

Each unit's latent DTI score (see transforms: ranks are observations of it) is drawn from its predictive
distribution for the target year; the draws are ranked within each simulation, so one unit's chance of
entering the top N accounts for everyone else's trajectory. A unit of the ranking with no observation at
all draws from the score's marginal distribution, N(0, 1). Seeded: the same inputs give the same answer.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from dxtrack.model.estimators import Prediction


def simulate_ranks(
    predictions: Mapping[str, Prediction | None], units: list[str], draws: int, seed: int, year: int
) -> dict[str, np.ndarray]:
    """Simulated ranks (1 = best) of every unit in `units` for `year`: unit -> array of `draws` ranks."""
    rng = np.random.default_rng([seed, year, len(units)])
    scores = np.empty((len(units), draws))
    for i, unit in enumerate(sorted(units)):
        prediction = predictions.get(unit)
        scores[i] = prediction.sample(rng, draws) if prediction is not None else rng.standard_normal(draws)
    ranks = (-scores).argsort(axis=0).argsort(axis=0) + 1
    return {unit: ranks[i] for i, unit in enumerate(sorted(units))}


def rank_goal(ranks: np.ndarray, top: float) -> tuple[float, float]:
    """(P(rank <= top), median rank) from one unit's simulated ranks.

    The median, not the mean: a rank near the top can only fall, so its simulated distribution is skewed and
    its mean sits far below the rank the unit most likely holds (HCMC, ranked 2: mean 14.7)."""
    return float((ranks <= top).mean()), float(np.median(ranks))
