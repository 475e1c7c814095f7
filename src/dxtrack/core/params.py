"""The schema of params.yaml: every key, its type, its range and what it means; checked before any stage runs.

`load_params(root)` reads params.yaml once (safe YAML, dxtrack.core.yamlfile), checks it against SCHEMA and
returns the values, normalised (a map code is a string, an ISO date is a `date`-checked string). Every problem
is a DataError naming `params.yaml`, the line, the dotted key and the value; all problems are reported at once.
Project.params calls it, so every stage (core.stage.run, pipelines/render.py) and `dxtrack check` see only a
validated configuration. Cross-file checks (an indicator id that indicators.yaml defines, a series id that
series.yaml declares) run in `check_references`; the population year against the weights table runs in the
clean stage, which reads that table (dxtrack.ingest.weights).

A new key in params.yaml needs a line in SCHEMA (an unknown key is refused, with the closest known one).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from dxtrack.core.errors import DataError, DataErrors
from dxtrack.core.yamlfile import load_yaml

PARAMS_FILE = "params.yaml"
METHODS = ("naive", "linear", "pooled")
LANGUAGES = ("vi", "en")


@dataclass(frozen=True)
class Spec:
    """One key: a checker returning (normalised value, problem or None) — None for a section — and whether it
    may be absent."""

    check: Callable[[Any], tuple[Any, str | None]] | None
    meaning: str
    required: bool = True


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def integer(lo: int | None = None, hi: int | None = None) -> Callable:
    def check(v):
        if isinstance(v, bool) or not isinstance(v, int):
            return v, "must be a whole number"
        if lo is not None and v < lo or hi is not None and v > hi:
            return v, f"must lie between {lo} and {hi}" if hi is not None else f"must be at least {lo}"
        return v, None

    return check


def real(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False, hi_open: bool = False) -> Callable:
    def check(v):
        if not _number(v):
            return v, "must be a number"
        v = float(v)
        below = lo is not None and (v <= lo if lo_open else v < lo)
        above = hi is not None and (v >= hi if hi_open else v > hi)
        if below or above:
            left = "(" if lo_open else "["
            right = ")" if hi_open else "]"
            return v, f"must lie in {left}{'-∞' if lo is None else lo}, {'∞' if hi is None else hi}{right}"
        return v, None

    return check


def iso_date(v):
    text = v.isoformat() if isinstance(v, date) else v
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return v, "must be a date written YYYY-MM-DD"
    try:
        date.fromisoformat(text)
    except ValueError as exc:
        return v, f"is not a real date ({exc})"
    return text, None


def choice(*options: str, coerce: bool = False) -> Callable:
    def check(v):
        if coerce and isinstance(v, int) and not isinstance(v, bool):
            v = str(v)
        if v not in options:
            return v, f"must be one of {', '.join(repr(o) for o in options)}"
        return v, None

    return check


def coverage_range(v):
    """[low, high] with 0 <= low < high <= 1."""
    ok = isinstance(v, list) and len(v) == 2 and all(_number(x) and not isinstance(x, bool) for x in v)
    if not ok or not 0 <= float(v[0]) < float(v[1]) <= 1:
        return v, "must be [low, high] with 0 <= low < high <= 1"
    return [float(x) for x in v], None


def list_of(item: Callable, *, unique: bool = True, non_empty: bool = True) -> Callable:
    def check(v):
        if not isinstance(v, list):
            return v, "must be a list"
        if non_empty and not v:
            return v, "must not be empty"
        out = []
        for x in v:
            x, problem = item(x)
            if problem:
                return v, f"item {x!r} {problem}"
            out.append(x)
        if unique and len(set(map(str, out))) != len(out):
            return v, "lists an item twice"
        return out, None

    return check


def mapping_of(value: Callable, *, non_empty: bool = False) -> Callable:
    def check(v):
        if v is None and not non_empty:
            return {}, None
        if not isinstance(v, dict):
            return v, "must be a mapping (key: value)"
        if non_empty and not v:
            return v, "must not be empty"
        out = {}
        for k, x in v.items():
            x, problem = value(x)
            if problem:
                return v, f"entry {k!r} {problem}"
            out[str(k)] = x
        return out, None

    return check


def text(v):
    if not isinstance(v, str) or not v.strip():
        return v, "must be a non-empty text"
    return v, None


def floor_or_auto(v):
    if v == "auto":
        return v, None
    return real(0, 5)(v) if _number(v) else (v, "must be `auto` or a number (an SD on the logit scale)")


def unit_selection(v):
    """`render.units`: `all`, or unit codes as two-digit texts (a bare YAML number such as 1 or 86 is written as
    "01" or "86"); which codes exist on the map is checked by the render stage, which reads the unit table."""
    if v == "all":
        return v, None
    if not isinstance(v, list):
        return v, 'must be `all` or a list of unit codes such as ["01", "86"]'

    def code(x):
        if isinstance(x, int) and not isinstance(x, bool) and 0 < x < 100:
            x = f"{x:02d}"
        if not isinstance(x, str) or not re.fullmatch(r"\d{2}", x):
            return x, "is not a two-digit unit code"
        return x, None

    return list_of(code)(v)


def render_units(params: dict) -> frozenset[str] | None:
    """The unit codes whose reports an edition renders (`render.units`), or None for every unit of the map."""
    units = params["render"].get("units", "all")
    return None if units == "all" else frozenset(units)


def renders_unit(params: dict, code: str) -> bool:
    """Whether the edition renders the report of this unit of render.province_map (links to it may be made)."""
    units = render_units(params)
    return units is None or code in units


# Every key of params.yaml. Ranges are what the code can use, not what today's file says: a count is at least 1
# (`draws: 0` would give P(meet) from no draws), a probability lies in (0, 1), a year in the project's span.
SCHEMA: dict[str, Spec] = {
    "merger_date": Spec(iso_date, "the day the 63 provinces became 34 (YYYY-MM-DD)"),
    "edition_date": Spec(
        iso_date, "the day an edition states task flags as of (YYYY-MM-DD), in render.year or the next"
    ),
    "harmonize": Spec(None, "section"),
    "harmonize.population_year": Spec(
        integer(1990, 2100),
        "population year used as the merge weight (a year the weights table has for every old unit)",
    ),
    "model": Spec(None, "section"),
    "model.methods": Spec(list_of(choice(*METHODS)), f"methods fitted, from {', '.join(METHODS)}"),
    "model.default_method": Spec(None, "section"),
    "model.default_method.level": Spec(choice(*METHODS), "default method for levels (one of model.methods)"),
    "model.default_method.rank": Spec(choice(*METHODS), "default method for ranks (one of model.methods)"),
    "model.horizon": Spec(integer(2000, 2100), "last projected year"),
    "model.logit_clip": Spec(
        real(0, 0.5, lo_open=True, hi_open=True), "proportion moved inside the bounds before the logit"
    ),
    "model.revision_floor": Spec(floor_or_auto, "`auto` or the revision SD on the logit scale", required=False),
    "model.pooled": Spec(None, "section"),
    "model.pooled.noise_sd_prior": Spec(real(0, lo_open=True), "prior observation noise SD (> 0)"),
    "model.pooled.slope_sd_floor": Spec(real(0), "floor of the between-unit slope SD (>= 0)"),
    "model.pooled.slope_sd_prior": Spec(real(0, lo_open=True), "slope SD when nothing is known (> 0)"),
    "model.pooled.step_sd_prior": Spec(real(0, lo_open=True), "naive year-on-year SD prior (> 0)"),
    "model.pooled.min_units_region": Spec(integer(1), "units needed before a region gets its own trend (>= 1)"),
    "model.pooled.prior_df": Spec(real(0, lo_open=True), "t degrees of freedom of a prior variance (> 0)"),
    "model.pooled.recency": Spec(real(0, 1, lo_open=True), "recency weight per year back, in (0, 1]"),
    "model.pooled.damping": Spec(real(0, 1), "share of the slope kept per further year, in [0, 1]"),
    "model.pooled.slope_drift_sd": Spec(real(0), "yearly random-walk SD of the slope (>= 0)"),
    "model.pooled.rank_df": Spec(real(0, lo_open=True), "t degrees of freedom of a rank's yearly move (> 0)"),
    "model.calibration": Spec(None, "section", required=False),
    "model.calibration.min_cases": Spec(
        integer(2), "backtest cases a data set needs for its own calibration (>= 2)", required=False
    ),
    "model.calibration.folds": Spec(
        integer(2, 1000), "unit folds of the cross-validated coverage (>= 2)", required=False
    ),
    "model.calibration.target80": Spec(coverage_range, "acceptable 80% band coverage [low, high]", required=False),
    "model.calibration.target95": Spec(coverage_range, "acceptable 95% band coverage [low, high]", required=False),
    "model.pace": Spec(None, "section"),
    "model.pace.on_track_ratio": Spec(real(0, lo_open=True), "observed/required pace that is on track (> 0)"),
    "model.pace.acceleration_ratio": Spec(
        real(0, lo_open=True), "pace ratio below which progress is too slow (> 0, below on_track_ratio)"
    ),
    "model.status": Spec(None, "section", required=False),
    "model.status.p_on_track": Spec(
        real(0, 1, lo_open=True, hi_open=True), "P(meet) needed for on track, in (0, 1)", required=False
    ),
    "model.status.p_floor": Spec(
        real(0, 0.5, hi_open=True), "P(meet) clipped to [p_floor, 1 - p_floor], in [0, 0.5)", required=False
    ),
    "model.status.min_points_for_p": Spec(
        integer(1), "full-year points before P(meet) is shown (>= 1)", required=False
    ),
    "model.ranks": Spec(None, "section"),
    "model.ranks.draws": Spec(integer(1, 10_000_000), "joint simulation draws (>= 1)"),
    "model.ranks.seed": Spec(integer(0, 2**32 - 1), "random seed (0 .. 2^32-1)"),
    "model.tasks": Spec(None, "section"),
    "model.tasks.due_soon_days": Spec(integer(0, 366), "days after edition_date that count as due soon (0-366)"),
    "model.backtest": Spec(None, "section"),
    "model.backtest.tie_margin": Spec(real(0, 1), "fraction of CRPS the default may trail the best, in [0, 1]"),
    "model.backtest.horizons": Spec(list_of(integer(1, 30)), "years ahead scored (whole numbers >= 1)", required=False),
    "model.backtest.bootstrap_draws": Spec(integer(1, 10_000_000), "bootstrap draws (>= 1)", required=False),
    "model.backtest.bootstrap_seed": Spec(integer(0, 2**32 - 1), "bootstrap seed (0 .. 2^32-1)", required=False),
    "model.backtest.datasets": Spec(mapping_of(list_of(text)), "data set name -> indicator patterns", required=False),
    "model.official_series": Spec(mapping_of(text), "indicator -> its official series id", required=False),
    "model.series_preference": Spec(
        mapping_of(list_of(text)), "indicator -> series ids in report order", required=False
    ),
    "render": Spec(None, "section"),
    "render.year": Spec(integer(2020, 2100), "report edition (reports/<year>/), 2020-2100"),
    "render.languages": Spec(list_of(choice(*LANGUAGES)), f"report languages, from {', '.join(LANGUAGES)}"),
    "render.province_map": Spec(choice("34", "63", coerce=True), 'map of the province reports: "34" or "63"'),
    "render.workers": Spec(integer(1, 64), "notebooks run in parallel (1-64)"),
    "render.units": Spec(
        unit_selection,
        'unit reports rendered: `all` (the default) or a list of codes of render.province_map, e.g. ["01", "86"]',
        required=False,
    ),
}


def _get(data: dict, dotted: str):
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _set(data: dict, dotted: str, value) -> None:
    *parents, last = dotted.split(".")
    node = data
    for part in parents:
        node = node[part]
    node[last] = value


_MISSING = object()


def validate(data: Any, lines: dict[str, int], display: str = PARAMS_FILE) -> dict:
    """The checked, normalised parameters; DataErrors listing every problem otherwise."""
    if not isinstance(data, dict):
        raise DataError("must be a YAML mapping of sections and keys", file=display, row=1)
    errors: list[DataError] = []

    def err(key: str, message: str, value=None, hint: str | None = None):
        line = lines.get(key) or lines.get(key.rsplit(".", 1)[0] if "." in key else key)
        errors.append(DataError(message, file=display, row=line, column=key, value=value, hint=hint))

    # unknown keys, at every depth outside the open mappings
    def walk(node: dict, prefix: str):
        for k, v in node.items():
            path = f"{prefix}.{k}" if prefix else str(k)
            if path not in SCHEMA:
                known = [s for s in SCHEMA if s.rsplit(".", 1)[0] == prefix or (not prefix and "." not in s)]
                close = process.extractOne(path, known, scorer=fuzz.WRatio) if known else None
                err(
                    path,
                    "unknown key",
                    k,
                    f"did you mean {close[0]!r}?"
                    if close and close[1] >= 70
                    else "each key of params.yaml is listed in dxtrack.core.params.SCHEMA",
                )
                continue
            if SCHEMA[path].check is None:
                if not isinstance(v, dict):
                    err(path, "must be a section (a mapping of keys)", v)
                else:
                    walk(v, path)

    walk(data, "")
    out = _copy(data)
    for key, spec in SCHEMA.items():
        value = _get(data, key)
        parent = key.rsplit(".", 1)[0] if "." in key else None
        if value is _MISSING or value is None:
            parent_present = parent is None or isinstance(_get(data, parent), dict)
            if spec.required and parent_present:
                err(key, f"missing required key: {spec.meaning}")
            continue
        if spec.check is None:
            continue
        normalised, problem = spec.check(value)
        if problem:
            err(key, f"{problem} ({spec.meaning})", value)
        else:
            _set(out, key, normalised)
    if not errors:
        _relations(out, err)
    if errors:
        raise DataErrors(errors) if len(errors) > 1 else errors[0]
    return out


def _copy(node):
    return {k: _copy(v) for k, v in node.items()} if isinstance(node, dict) else node


def _relations(p: dict, err) -> None:
    """Rules between keys."""
    m = p["model"]
    for family in ("level", "rank"):
        if m["default_method"][family] not in m["methods"]:
            err(
                f"model.default_method.{family}",
                f"names a method not in model.methods {m['methods']}",
                m["default_method"][family],
            )
    if m["pace"]["acceleration_ratio"] >= m["pace"]["on_track_ratio"]:
        err(
            "model.pace.acceleration_ratio",
            f"must be below model.pace.on_track_ratio ({m['pace']['on_track_ratio']})",
            m["pace"]["acceleration_ratio"],
        )
    merger = date.fromisoformat(p["merger_date"])
    if m["horizon"] < merger.year:
        err("model.horizon", f"must not be before the merger year ({merger.year})", m["horizon"])
    edition = date.fromisoformat(p["edition_date"])
    if not p["render"]["year"] <= edition.year <= p["render"]["year"] + 1:
        err(
            "edition_date",
            f"must fall in the edition's year (render.year {p['render']['year']}) or the next",
            p["edition_date"],
        )
    if p["render"]["year"] > m["horizon"]:
        err(
            "render.year",
            f"must not be after model.horizon ({m['horizon']}): the edition would show no projection",
            p["render"]["year"],
        )


class Params(dict):
    """The validated params.yaml as a dict, plus the line of each dotted key (`line(key)`) for later messages
    (e.g. the population year checked against the weights table)."""

    lines: dict[str, int] = {}

    def line(self, key: str) -> int | None:
        return self.lines.get(key)

    def where(self, key: str) -> dict:
        return {"file": PARAMS_FILE, "row": self.line(key), "column": key}


def load_params(root: Path) -> Params:
    """params.yaml read once and checked against SCHEMA (a DataError for every problem)."""
    data, lines = load_yaml(Path(root) / PARAMS_FILE, PARAMS_FILE)
    params = Params(validate(data, lines))
    params.lines = lines
    return params


def line_of(params: dict, key: str) -> int | None:
    return getattr(params, "lines", {}).get(key)


def check_references(params: dict, indicators: dict, series: dict) -> None:
    """Indicator ids and series ids named in params.yaml exist in indicators.yaml and series.yaml."""
    errors: list[DataError] = []
    declared = set((series or {}).get("series") or {})
    m = params["model"]
    for key in ("official_series", "series_preference"):
        for indicator, value in (m.get(key) or {}).items():
            where: dict[str, Any] = {
                "file": PARAMS_FILE,
                "row": line_of(params, f"model.{key}.{indicator}") or line_of(params, f"model.{key}"),
                "column": f"model.{key}.{indicator}",
            }
            if indicator not in indicators:
                errors.append(DataError("not an indicator of data/raw/indicators.yaml", value=indicator, **where))
            for sid in value if isinstance(value, list) else [value]:
                if sid not in declared:
                    errors.append(DataError("not a series declared in data/raw/series.yaml", value=sid, **where))
    if errors:
        raise DataErrors(errors) if len(errors) > 1 else errors[0]
