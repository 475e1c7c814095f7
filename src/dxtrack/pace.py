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

from dataclasses import dataclass

STATUSES = ("achieved", "on track", "acceleration needed", "off track / regressing", "insufficient data",
            "no data", "not assessable")


@dataclass(frozen=True)
class Pace:
    status: str
    reason: str
    observed_change: float | None = None  # per year, in the indicator's unit
    required_change: float | None = None
    ratio: float | None = None


def meets(value: float, comparator: str, target: float) -> bool:
    return {">": value > target, ">=": value >= target, "<=": value <= target}[comparator]


def assess(years: list[int], values: list[float], *, target: float | None, comparator: str, target_year: int | None,
           on_track_ratio: float = 1.0, acceleration_ratio: float = 0.5, value_unit: str = "",
           change_unit: str = "") -> Pace:
    """Status of one unit's series against one target. `years`/`values`: full-year observations, any order."""
    if target is None or target_year is None:
        missing = "year" if target is not None else "numeric value"
        return Pace("not assessable", f"the document gives no target {missing}")
    if not years:
        return Pace("no data", "no observation of this indicator for this unit")
    points = sorted(zip(years, values))
    (first_year, first), (last_year, latest) = points[0], points[-1]
    fmt = lambda v: f"{v:g}{value_unit}"  # noqa: E731
    unit = change_unit
    if meets(latest, comparator, target):
        return Pace("achieved", f"{fmt(latest)} in {last_year} already meets {comparator} {fmt(target)}")
    if target_year <= last_year:
        at_target = dict(points).get(target_year)
        shown = f"{fmt(at_target)} in {target_year}" if at_target is not None else f"{fmt(latest)} in {last_year}"
        return Pace("off track / regressing", f"target year {target_year} passed: {shown}, target {comparator} {fmt(target)}")
    required = (target - latest) / (target_year - last_year)
    if len(points) < 2:
        return Pace("insufficient data", f"one observation ({fmt(latest)} in {last_year}): no observed pace; "
                    f"needs {required:+.3g}{unit} a year to reach the target", required_change=required)
    observed = (latest - first) / (last_year - first_year)
    if required == 0:  # exactly at a strict target (value = 60 for "> 60"): any move the right way suffices
        direction = -1 if comparator == "<=" else 1
        required = direction * 1e-9
    ratio = observed / required
    detail = (f"observed {observed:+.3g}{unit}/year ({first_year}–{last_year}) vs required {required:+.3g}{unit}/year "
              f"to {target_year}")
    if ratio <= 0:
        status = "off track / regressing"
        detail = "moving away from the target: " + detail
    elif ratio >= on_track_ratio:
        status = "on track"
    elif ratio >= acceleration_ratio:
        status = "acceleration needed"
    else:
        status = "off track / regressing"
    return Pace(status, detail, observed, required, ratio)
