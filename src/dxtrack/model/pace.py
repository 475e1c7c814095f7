"""Is a unit on course? One rule that reads the pace and the predictive distribution together.

Pace (after the UN SDG / ESCAP progress measures): the observed average annual change from the first to the
latest full-year value, against the annual change still needed from the latest value to reach the target by
its year; `ratio` = observed / required. P = P(target met in the target year) from the default method's
predictive distribution (model.forecast); None where the forecast says nothing meaningful.

The classes (keys in core.vocabulary.STATUSES; words in report/labels.yaml), decided in this order:

1. `not assessable`: the target has no numeric value or no year (e.g. "nhóm khá").
2. `no data`: no observation of the indicator for the unit.
3. The target year is observed: `achieved` if that value meets the target; otherwise `regressing` if the
   series moved away from the target, else `too slow` (reason `missed`). The outcome is known: P is 1 or 0.
4. The target year has passed (before the edition year, or before the latest observation) but its value is
   not published: `year passed, pending`, with the forecast of that year and its P (reason `pending`).
5. The latest value already meets the target, year still ahead: `met so far` (reason `met_so_far`, or
   `met_so_far_at_risk` where P < `p_on_track`: the forecast sees it slipping back).
6. One observation: `insufficient data` (no observed pace; reason `one_point` with the required pace).
7. Otherwise the pace class — `on track` (ratio ≥ `on_track_ratio`), `acceleration needed` (≥
   `acceleration_ratio`), `too slow` (moving the right way, less than that), `regressing` (ratio ≤ 0) — is
   reconciled with P so that the two can never contradict each other:
   - P ≥ `p_on_track`: `on track`; where the pace alone would say otherwise the reason is
     `forecast_ahead_of_pace` (the forecast, which pools and damps trends, is more hopeful than the raw pace);
   - P < `p_on_track`: the pace class, except that a pace at or above the required one becomes
     `acceleration needed` with the reason `pace_ahead_of_forecast`;
   - no P (no forecast): the pace class alone (reason `pace`).

Invariants (tests/test_status_invariants.py): `on track` ⇒ P ≥ p_on_track or no P; `acceleration needed`,
`too slow` and `regressing` before the target year ⇒ P < p_on_track or no P; a reason says where pace and
forecast disagree. Ranks run the other way (1 is best): the comparator `<=` and negative changes express that.
Thresholds live in params.yaml (model.pace, model.status).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dxtrack.core.vocabulary import STATUSES  # noqa: F401  (re-exported: the classes this module decides)

# Reason keys that say the pace and the forecast disagree.
DISAGREEMENT_REASONS = ("forecast_ahead_of_pace", "pace_ahead_of_forecast")


@dataclass(frozen=True)
class Pace:
    """A status with its reason as a key and fields: the report puts them in words (report/reasons.py)."""

    status: str
    reason_key: str
    fields: dict = field(default_factory=dict)
    observed_change: float | None = None  # per year, in the indicator's unit
    required_change: float | None = None
    ratio: float | None = None


def meets(value: float, comparator: str, target: float) -> bool:
    return {">": value > target, ">=": value >= target, "<=": value <= target}[comparator]


def pace_class(ratio: float, on_track_ratio: float, acceleration_ratio: float) -> str:
    if ratio <= 0:
        return "regressing"
    if ratio >= on_track_ratio:
        return "on track"
    if ratio >= acceleration_ratio:
        return "acceleration needed"
    return "too slow"


def assess(
    years: list[int],
    values: list[float],
    *,
    target: float | None,
    comparator: str,
    target_year: int | None,
    on_track_ratio: float = 1.0,
    acceleration_ratio: float = 0.5,
    unit: str | None = None,
    p_meet: float | None = None,
    p_on_track: float = 0.5,
    edition_year: int | None = None,
) -> Pace:
    """Status of one unit's series against one target. `years`/`values`: full-year observations, any order;
    `p_meet`: P(met in the target year) from the forecast, None where there is none; `edition_year`: the year
    the assessment is published (a target year before it has passed); `unit`: the indicator's unit (percent,
    index, rank), kept in the fields so the report can word the reason."""
    base: dict[str, Any] = {"unit": unit, "comparator": comparator}
    if target is None:
        return Pace("not assessable", "no_target_value", base)
    if target_year is None:
        return Pace("not assessable", "no_target_year", base)
    if not years:
        return Pace("no data", "no_data", base)
    points = sorted(zip(years, values))
    (first_year, first), (last_year, latest) = points[0], points[-1]
    direction = -1 if comparator == "<=" else 1
    base.update(target=target, target_year=target_year, latest=latest, last_year=last_year)
    if p_meet is not None:
        base["p"] = p_meet
    observed_at = dict(points)
    if target_year in observed_at:  # the outcome is published
        value = observed_at[target_year]
        fields = {**base, "value": value, "year": target_year}
        if meets(value, comparator, target):
            return Pace("achieved", "achieved", fields)
        moved = (value - first) * direction
        return Pace("regressing" if moved < 0 else "too slow", "missed", fields)
    passed = target_year < last_year or (edition_year is not None and target_year < edition_year)
    if passed:
        return Pace("year passed, pending", "pending", base)
    if meets(latest, comparator, target):
        at_risk = p_meet is not None and p_meet < p_on_track
        return Pace("met so far", "met_so_far_at_risk" if at_risk else "met_so_far", base)
    required = (target - latest) / (target_year - last_year)
    if len(points) < 2:
        return Pace("insufficient data", "one_point", {**base, "required": required}, required_change=required)
    observed = (latest - first) / (last_year - first_year)
    if required == 0:  # exactly at a strict target (value = 60 for "> 60"): any move the right way suffices
        required = direction * 1e-9
    ratio = observed / required
    detail = {**base, "observed": observed, "required": required, "first_year": first_year}
    if ratio <= 0:
        detail["moving_away"] = True
    by_pace = pace_class(ratio, on_track_ratio, acceleration_ratio)
    if p_meet is None:
        status, key = by_pace, "pace"
    elif p_meet >= p_on_track:
        status, key = "on track", ("pace" if by_pace == "on track" else "forecast_ahead_of_pace")
    elif by_pace == "on track":
        status, key = "acceleration needed", "pace_ahead_of_forecast"
    else:
        status, key = by_pace, "pace"
    return Pace(status, key, detail, observed, required, ratio)
