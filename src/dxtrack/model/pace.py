"""Is a unit on course? Pace and status, after the UN SDG / ESCAP progress measures.

Observed pace is the average annual change from the first to the latest observation; required pace is the
annual change still needed from the latest observation to reach the target by its year. Their ratio says
how much of the needed pace the unit has shown:

- `achieved`: the latest value already meets the target (respecting the comparator);
- `on track`: ratio ≥ `on_track_ratio` (1 by default: at least the required pace);
- `acceleration needed`: ratio ≥ `acceleration_ratio` (0.5) but below on track;
- `off track / regressing`: a lower ratio, a move away from the target, or a target year that has passed
  without the target being met;
- `insufficient data`: fewer than two observations, so no observed pace;
- `no data`: no observation of the indicator for the unit;
- `not assessable`: the target has no year or no numeric value (e.g. "nhóm khá").

Ranks run the other way (1 is best): the comparator `<=` and negative changes express that, and the same
ratio applies. Thresholds live in params.yaml (model.pace).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dxtrack.core.vocabulary import STATUSES  # noqa: F401  (re-exported: the classes this module decides)


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


def assess(years: list[int], values: list[float], *, target: float | None, comparator: str, target_year: int | None,
           on_track_ratio: float = 1.0, acceleration_ratio: float = 0.5, unit: str | None = None) -> Pace:
    """Status of one unit's series against one target. `years`/`values`: full-year observations, any order;
    `unit`: the indicator's unit (percent, index, rank), kept in the fields so the report can word the reason."""
    base = {"unit": unit, "comparator": comparator}
    if target is None:
        return Pace("not assessable", "no_target_value", base)
    if target_year is None:
        return Pace("not assessable", "no_target_year", base)
    if not years:
        return Pace("no data", "no_data", base)
    points = sorted(zip(years, values))
    (first_year, first), (last_year, latest) = points[0], points[-1]
    base.update(target=target, target_year=target_year, latest=latest, last_year=last_year)
    if meets(latest, comparator, target):
        return Pace("achieved", "achieved", base)
    if target_year <= last_year:
        at_target = dict(points).get(target_year)
        shown = (at_target, target_year) if at_target is not None else (latest, last_year)
        return Pace("off track / regressing", "year_passed", {**base, "value": shown[0], "year": shown[1]})
    required = (target - latest) / (target_year - last_year)
    if len(points) < 2:
        return Pace("insufficient data", "one_point", {**base, "required": required}, required_change=required)
    observed = (latest - first) / (last_year - first_year)
    if required == 0:  # exactly at a strict target (value = 60 for "> 60"): any move the right way suffices
        direction = -1 if comparator == "<=" else 1
        required = direction * 1e-9
    ratio = observed / required
    detail = {**base, "observed": observed, "required": required, "first_year": first_year}
    if ratio <= 0:
        status, detail["moving_away"] = "off track / regressing", True
    elif ratio >= on_track_ratio:
        status = "on track"
    elif ratio >= acceleration_ratio:
        status = "acceleration needed"
    else:
        status = "off track / regressing"
    return Pace(status, "pace", detail, observed, required, ratio)
