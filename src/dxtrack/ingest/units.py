"""The provinces of Vietnam on both maps, and resolving a name as a source wrote it to a unit.

- The 63 units before 1 July 2025 come from data/raw/reference/provinces_63.csv (GSO codes, aliases,
  regions, and the unit each merged into).
- The 34 units after Resolution 202/2025/QH15 come from the `vietnam-provinces` package and are checked
  against data/raw/reference/provinces_34.csv at load time: a disagreement is an error, not a warning.

Codes repeat across maps with different meanings (new 15 Lào Cai is old 15 Yên Bái's code), so a unit is
always (map, code), never a bare code. Resolution is map-aware: "Đà Nẵng" on the 34 map is the merged
city (old Đà Nẵng + Quảng Nam); "Quảng Nam" on the 34 map is an error that says what it merged into.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import polars as pl
from rapidfuzz import fuzz, process

from dxtrack.core.errors import DataError
from dxtrack.core.names import clean_text, foreign_letters, match_key, slug
from dxtrack.core.paths import Project

MAPS = ("63", "34")
COUNTRY_CODE = "VN"
COUNTRY_MAP = "VN"
_COUNTRY_NAMES = ("Việt Nam", "Viet Nam", "Vietnam", "Cả nước", "Toàn quốc", "Nationwide", "National")


@dataclass(frozen=True)
class Unit:
    """One administrative unit: a province on one map, or the country."""

    map: str  # "63", "34", or "VN" for the country
    code: str  # GSO code within that map ("VN" for the country)
    name_vi: str
    name_ascii: str
    level: str = "province"  # "province" or "country"; later "department", "district" (see DESIGN.md)
    region_vi: str = ""
    region_en: str = ""
    successor: str | None = None  # 63-map unit: the 34-map code it merged into
    members: tuple[str, ...] = ()  # 34-map unit: the 63-map codes it was formed from
    aliases: tuple[str, ...] = field(default=(), compare=False)

    @property
    def slug(self) -> str:
        return slug(self.name_ascii)


class Registry:
    """Both maps, their crosswalk, and name resolution."""

    def __init__(self, old_units: list[Unit], new_units: list[Unit]):
        self.units = {"63": {u.code: u for u in old_units}, "34": {u.code: u for u in new_units}}
        self.files = {"63": "provinces_63.csv", "34": "provinces_34.csv"}  # where load() read them
        self.country = Unit(COUNTRY_MAP, COUNTRY_CODE, "Việt Nam", "Viet Nam", level="country", aliases=_COUNTRY_NAMES)
        self._keys = {m: self._build_keys(m) for m in MAPS}
        self._old_keys_for_new_map = {k: c for k, c in self._keys["63"].items()}
        self._resolved: dict[tuple[str, str], Unit] = {}  # successful resolutions only: errors are located anew

    # ---- loading -------------------------------------------------------------------------------
    @classmethod
    def load(cls, project: Project) -> Registry:
        """Both maps from the sources with layouts `provinces_63` and `provinces_34`."""
        old_path = project.source_path(project.only_source("provinces_63"))
        new_path = project.source_path(project.only_source("provinces_34"))
        old = pl.read_csv(old_path, infer_schema=False)
        new_csv = pl.read_csv(new_path, infer_schema=False)
        old_units = [
            Unit(
                "63",
                r["gso_code"],
                clean_text(r["name_vi"]),
                r["name_ascii"],
                region_vi=r["region_vi"],
                region_en=r["region_en"],
                successor=r["new_province_code"],
                aliases=tuple(clean_text(a) for a in (r["aliases"] or "").split(";") if a.strip()),
            )
            for r in old.iter_rows(named=True)
        ]
        by_old = {u.code: u for u in old_units}
        new_units = []
        for r in new_csv.iter_rows(named=True):
            members = tuple(sorted(r["formed_from_codes"].split(";")))
            namesake = next(
                (by_old[c] for c in members if match_key(by_old[c].name_vi) == match_key(r["name_vi"])),
                by_old[members[0]],
            )
            # Aliases of a member carry over to the new unit when it is the unit's namesake (Đà Nẵng keeps
            # "TP. Đà Nẵng") or the only member (Huế keeps "Thừa Thiên Huế").
            inherited = (
                (namesake.aliases + (namesake.name_vi, namesake.name_ascii))
                if (len(members) == 1 or match_key(namesake.name_vi) == match_key(r["name_vi"]))
                else ()
            )
            new_units.append(
                Unit(
                    "34",
                    r["code"],
                    clean_text(r["name_vi"]),
                    r["name_ascii"],
                    region_vi=namesake.region_vi,
                    region_en=namesake.region_en,
                    members=members,
                    aliases=inherited,
                )
            )
        registry = cls(old_units, new_units)
        registry.files = {"63": project.display(old_path), "34": project.display(new_path)}
        registry._check_against_package()
        return registry

    def _check_against_package(self) -> None:
        """The official 34-unit list is the vietnam-provinces package; the shared CSV must agree with it."""
        from vietnam_provinces import Province

        package = {f"{int(p.code):02d}": clean_text(p.name) for p in Province.iter_all()}
        ours = self.units["34"]
        if set(package) != set(ours):
            raise DataError(
                f"34-unit codes differ from vietnam-provinces: only in package {sorted(set(package) - set(ours))}, "
                f"only in provinces_34.csv {sorted(set(ours) - set(package))}",
                file=self.files["34"],
            )
        for code, name in package.items():
            if match_key(name) != match_key(ours[code].name_vi):
                raise DataError(
                    f"name differs from vietnam-provinces ({name!r})",
                    file=self.files["34"],
                    column="name_vi",
                    value=ours[code].name_vi,
                )
        for old in self.units["63"].values():
            if old.successor not in ours or old.code not in ours[old.successor].members:
                raise DataError(
                    f"old unit {old.code} {old.name_vi} names successor {old.successor}, "
                    "which does not list it in formed_from_codes",
                    file=self.files["63"],
                )

    def _build_keys(self, map_: str) -> dict[str, str]:
        keys: dict[str, str] = {}
        for unit in self.units[map_].values():
            for name in (unit.name_vi, unit.name_ascii, *unit.aliases):
                key = match_key(name)
                if keys.get(key, unit.code) != unit.code:
                    raise DataError(
                        f"alias {name!r} matches two units on the {map_} map: {keys[key]} and {unit.code}",
                        file=self.files[map_],
                    )
                keys[key] = unit.code
        return keys

    # ---- lookup ----------------------------------------------------------------------------------
    def unit(self, map_: str, code: str) -> Unit:
        return self.country if map_ == COUNTRY_MAP else self.units[map_][code]

    def members(self, new_code: str) -> list[Unit]:
        return [self.units["63"][c] for c in self.units["34"][new_code].members]

    @cached_property
    def _country_keys(self) -> set[str]:
        return {match_key(n) for n in _COUNTRY_NAMES}

    def resolve(
        self, name: str, map_: str, *, file: str | None = None, row: int | None = None, column: str | None = None
    ) -> Unit:
        """The unit a source means by `name` on map `map_` ("63" or "34"); the country on either map.

        Raises DataError naming file, row, spelling and the closest candidates when the name is unknown,
        or when it is an old unit's name in a table of the new map.
        """
        if map_ not in MAPS:
            raise DataError(
                f"unknown map {map_!r}; expected one of {MAPS}", file=file, row=row, column=column, value=map_
            )
        found = self._resolved.get((name, map_))
        if found is not None:  # a name read before on this map (a large table repeats the same 63 names)
            return found
        found = self._resolve(name, map_, file, row, column)
        if len(self._resolved) < 100_000:
            self._resolved[(name, map_)] = found
        return found

    def _resolve(self, name: str, map_: str, file: str | None, row: int | None, column: str | None) -> Unit:
        odd = foreign_letters(name)
        if odd:
            raise DataError(
                f"the name holds {'a character' if len(odd) == 1 else 'characters'} that "
                f"{'is' if len(odd) == 1 else 'are'} not a Vietnamese letter: {', '.join(odd)} — a "
                "lookalike from another alphabet, or an invisible character, is never matched",
                file=file,
                row=row,
                column=column,
                value=name,
                hint=f"retype the name; closest on the {map_}-unit map: "
                f"{', '.join(self.closest(name, map_)) if map_ in MAPS else '?'}",
            )
        key = match_key(name)
        if key in self._country_keys:
            return self.country
        code = self._keys[map_].get(key)
        if code is not None:
            return self.units[map_][code]
        if map_ == "34" and key in self._keys["63"]:
            old = self.units["63"][self._keys["63"][key]]
            assert old.successor is not None  # every old unit names its successor (checked when loaded)
            new = self.units["34"][old.successor]
            raise DataError(
                f"{old.name_vi} is a pre-merger province (old code {old.code}); since 1 July 2025 it is "
                f"part of {new.name_vi} (code {new.code})",
                file=file,
                row=row,
                column=column,
                value=name,
                hint="a table on the 34-unit map must use the 34 units' names; a table of the 63-unit "
                "map must say so (ranking_group 63) or cover periods before the merger",
            )
        raise DataError(
            f"unknown province name on the {map_}-unit map",
            file=file,
            row=row,
            column=column,
            value=name,
            hint=f"closest: {', '.join(self.closest(name, map_))}",
        )

    def closest(self, name: str, map_: str, limit: int = 3) -> list[str]:
        choices = {code: u.name_vi for code, u in self.units[map_].items()}
        found = process.extract(
            clean_text(name),
            choices,
            scorer=fuzz.WRatio,
            limit=limit,
            processor=lambda s: "".join(c for c in match_key(s) if c.isascii()),
        )
        return [f"{label} ({code})" for label, _score, code in found]

    # ---- tables ----------------------------------------------------------------------------------
    def units_frame(self, population: dict[str, float]) -> pl.DataFrame:
        """Both maps as one table; population (thousand, by old code) summed for merged units."""
        rows = []
        for map_ in MAPS:
            for u in self.units[map_].values():
                members = list(u.members) if map_ == "34" else [u.code]
                pops = [population.get(c) for c in members]
                rows.append(
                    {
                        "map": map_,
                        "province_code": u.code,
                        "unit_level": u.level,
                        "name_vi": u.name_vi,
                        "name_ascii": u.name_ascii,
                        "slug": u.slug,
                        "region_vi": u.region_vi,
                        "region_en": u.region_en,
                        "successor_code": u.successor,
                        "member_codes": list(u.members),
                        "population_thousand": None
                        if any(p is None for p in pops)
                        else round(sum(p for p in pops if p is not None), 3),
                    }
                )
        return pl.DataFrame(
            rows,
            schema={
                "map": pl.String,
                "province_code": pl.String,
                "unit_level": pl.String,
                "name_vi": pl.String,
                "name_ascii": pl.String,
                "slug": pl.String,
                "region_vi": pl.String,
                "region_en": pl.String,
                "successor_code": pl.String,
                "member_codes": pl.List(pl.String),
                "population_thousand": pl.Float64,
            },
        ).sort("map", "province_code")
