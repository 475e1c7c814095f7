"""Values for the 34 post-merger units, derived from the 63 old units' published values.

For each 63-map figure (indicator, series, period), a merged unit gets a derived value only when every one
of its member units has a value for that same figure, combined as data/raw/indicators.yaml says:

- a unit formed from a single old unit carries the value over unchanged (exact), except ranks: a rank out
  of 63 is not a rank out of 34;
- `weighted_mean` with weight `population` (the year set in params.yaml) or `grdp` (that year's GRDP):
  every member needs the weight, or there is no aggregate;
- `ratio_of_counts`: the sum of members' numerators over the sum of denominators, where all are published;
- `none`: no aggregate for merged units.

A derived value is flagged `derived`, keeps its series, and records the members and weights it came from.

Continuity: a 34-map unit formed from exactly one old unit is the same place. Its published 34-map figures
continue the old unit's series too (derivation "same place: continued from the 34-unit map", provenance kept),
so an old target is assessed on the new-map figures where the indicator is comparable; ranks never continue.
Every row says the map its figure was published on (`observed_map`), so a chart can show the map per point.
A published 34-map value for the same figure always wins: the derived one is not kept, and is counted.
Each figure not derived is counted with the reason, so coverage gaps are explained, not hidden.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import polars as pl

from dxtrack.core.vocabulary import FIGURE_IDENTITY as IDENTITY

FIGURE = [c for c in IDENTITY if c not in ("map", "province_code")] + ["period_label", "full_year", "year"]


@dataclass
class Harmonized:
    observations: pl.DataFrame
    report: dict


def harmonize(
    observations: pl.DataFrame, units: pl.DataFrame, weights: pl.DataFrame, indicators: dict, population_year: int
) -> Harmonized:
    # `derived` may already be set by the clean stage (a rate computed from published counts): kept as it is.
    published = observations.with_columns(
        *[
            (pl.col(c) if c in observations.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in (
                ("derived", pl.Boolean),
                ("derived_from", pl.String),
                ("derivation", pl.String),
                ("proxy", pl.Boolean),
            )
        ]
    ).with_columns(
        pl.col("derived").fill_null(False), pl.col("proxy").fill_null(False), pl.col("map").alias("observed_map")
    )
    published = published.with_columns(
        pl.when(pl.col("period_exact")).then(pl.lit("")).otherwise(pl.col("period_label")).alias("period_key")
    )
    new_units = units.filter(pl.col("map") == "34").select("province_code", "member_codes")
    old = published.filter((pl.col("map") == "63") & (pl.col("unit_level") == "province"))

    pop = dict(
        weights.filter((pl.col("year") == population_year) & pl.col("population_thousand").is_not_null())
        .select("province_code", "population_thousand")
        .iter_rows()
    )
    grdp = {
        (c, y): g
        for c, y, g in weights.filter(pl.col("grdp_billion_vnd").is_not_null())
        .select("province_code", "year", "grdp_billion_vnd")
        .iter_rows()
    }

    by_figure = {
        key: {r["province_code"]: r for r in group.iter_rows(named=True)}
        for key, group in old.group_by(FIGURE, maintain_order=True)
    }
    derived_rows: list[dict] = []
    reasons: dict[str, Counter] = {}
    for key, members_present in by_figure.items():
        indicator = indicators[key[0]]
        for new_code, members in new_units.iter_rows():
            if not any(m in members_present for m in members):
                continue
            row, reason = _derive(indicator, new_code, members, members_present, pop, grdp, population_year)
            if row is None:
                reasons.setdefault(key[0], Counter())[reason] += 1
            else:
                derived_rows.append(row)

    derived_rows += _continued(published, new_units, indicators)
    derived = pl.DataFrame(derived_rows, schema=published.schema) if derived_rows else published.clear()
    # A published 34-map figure is never overwritten by a derived one.
    identity = ["map", "province_code", *[c for c in IDENTITY if c not in ("map", "province_code")]]
    clash = derived.join(published.select(identity), on=identity, how="semi", nulls_equal=True)
    kept = derived.join(published.select(identity), on=identity, how="anti", nulls_equal=True)
    combined = (
        pl.concat([published, kept], how="vertical")
        .drop("period_key")
        .sort("map", "province_code", "indicator", "series", "period_start", "period_end", "period_label", "derived")
    )
    report = {
        "population_weight_year": population_year,
        "derived_values": kept.height,
        "derived_single_member_carry_over": kept.filter(pl.col("derivation") == "single member: carried over").height,
        "continued_from_34_map": kept.filter(pl.col("derivation") == CONTINUED).height,
        "derived_not_kept_published_value_exists": clash.height,
        "not_derived": {k: dict(sorted(v.items())) for k, v in sorted(reasons.items())},
    }
    return Harmonized(combined, report)


CONTINUED = "same place: continued from the 34-unit map"


def _continued(published: pl.DataFrame, new_units: pl.DataFrame, indicators: dict) -> list[dict]:
    """Continuity across the merger: a 34-map unit formed from exactly one old unit is the same place, so its
    published figures also continue the old unit's series (for an old target assessed on them). Ranks never do:
    a rank out of 34 is not a rank out of 63. `observed_map` keeps the map each figure was published on."""
    single = {members[0]: code for code, members in new_units.iter_rows() if len(members) == 1}
    comparable = [i for i, d in indicators.items() if d.get("unit") != "rank"]
    rows = published.filter(
        (pl.col("map") == "34")
        & (pl.col("unit_level") == "province")
        & ~pl.col("derived")
        & pl.col("indicator").is_in(comparable)
        & pl.col("province_code").is_in(list(single.values()))
    )
    old_code = {new: old for old, new in single.items()}
    return [
        {
            **r,
            "map": "63",
            "province_code": old_code[r["province_code"]],
            "derived": True,
            "derived_from": f"34:{r['province_code']}={r['value']:g}",
            "derivation": CONTINUED,
            "rank_of": None,
        }
        for r in rows.iter_rows(named=True)
    ]


def _derive(
    indicator: dict,
    new_code: str,
    members: list[str],
    present: dict[str, dict],
    pop: dict,
    grdp: dict,
    population_year: int,
) -> tuple[dict | None, str]:
    method = indicator.get("aggregation", {}).get("method", "none")
    template = next(iter(present.values()))
    if indicator.get("unit") == "rank":
        return None, "ranks are not aggregated"
    missing = [m for m in members if m not in present]
    if missing:
        return None, "a member unit has no value"
    values = {m: present[m]["value"] for m in members}
    if len(members) == 1:
        only = present[members[0]]
        return _row(
            template,
            new_code,
            only["value"],
            only["numerator"],
            only["denominator"],
            f"63:{members[0]}={only['value']:g}",
            "single member: carried over",
        ), ""
    if method == "weighted_mean":
        weight_name = indicator["aggregation"]["weight"]
        if weight_name == "population":
            w = {m: pop.get(m) for m in members}
            label = f"population-weighted mean (population {population_year})"
        else:
            w = {m: grdp.get((m, template["year"])) for m in members}
            label = f"GRDP-weighted mean (GRDP {template['year']})"
        if any(v is None for v in w.values()):
            return None, f"{weight_name} weight missing for a member"
        weights = {m: float(v) for m, v in w.items() if v is not None}  # every member has one (checked above)
        value = sum(values[m] * weights[m] for m in members) / sum(weights.values())
        parts = "; ".join(f"63:{m}={values[m]:g} (w={w[m]:g})" for m in members)
        return _row(template, new_code, value, None, None, parts, label), ""
    if method == "ratio_of_counts":
        nums = {m: present[m]["numerator"] for m in members}
        dens = {m: present[m]["denominator"] for m in members}
        if any(v is None for v in (*nums.values(), *dens.values())):
            return None, "dossier counts not published for every member"
        value = 100.0 * sum(nums.values()) / sum(dens.values())
        parts = "; ".join(f"63:{m}={nums[m]:g}/{dens[m]:g}" for m in members)
        return _row(
            template,
            new_code,
            value,
            sum(nums.values()),
            sum(dens.values()),
            parts,
            "sum of online dossiers / sum of dossiers",
        ), ""
    return None, "indicator is not aggregated across merged units"


def _row(
    template: dict, new_code: str, value: float, numerator, denominator, derived_from: str, derivation: str
) -> dict:
    return {
        **template,
        "map": "34",
        "province_code": new_code,
        "value": round(value, 10),
        "numerator": numerator,
        "denominator": denominator,
        "derived": True,
        "derived_from": derived_from,
        "derivation": derivation,
        "source_id": "derived",
        "source_row": None,
        "source_column": None,
        "name_as_source": None,
        "source_url": None,
        "quote": None,
        "also_in": None,
        "conflict": False,
        "authority": None,
    }
