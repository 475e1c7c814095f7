"""Scheme files: the real ones validate; each kind of bad declaration is a DataError naming file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dxtrack.core.errors import DataError, DataErrors
from dxtrack.ingest.schemes import read_scheme, read_schemes
from dxtrack.ingest.subunits import unit_key

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "subunits" / "schemes" / "synthetic_dong_nai_districts.yaml"


def test_every_scheme_in_the_project_validates(registry):
    schemes, items = read_schemes(ROOT / "data" / "raw" / "schemes", registry, ROOT)
    assert schemes["scheme_id"].is_unique().all()
    assert set(items["scheme_id"]) <= set(schemes["scheme_id"])
    # Unknown structure is declared, never filled in: no file lists items beyond what it says it knows.
    for row in schemes.iter_rows(named=True):
        listed = items.filter((items["scheme_id"] == row["scheme_id"]) & (items["kind"] == "component")).height
        if not row["components_known"]:
            assert row["components_count"] is None or listed < row["components_count"]


def test_synthetic_scheme_reads_with_its_items(registry):
    row, items = read_scheme(FIXTURE, registry, "fixture.yaml")
    assert row["synthetic"] is True and row["total"] == 100 and row["issuer_code"] == "75"
    mains = [i for i in items if i["kind"] == "main"]
    assert sum(i["max_points"] for i in mains) == 100
    assert {i["parent_id"] for i in items if i["kind"] == "component"} == {"nen_tang", "hoat_dong"}


def _broken(tmp_path: Path, edit) -> Path:
    doc = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    edit(doc)
    path = tmp_path / FIXTURE.name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _errors(path: Path, registry) -> list[DataError]:
    with pytest.raises(DataError) as info:
        read_scheme(path, registry, "bad.yaml")
    return info.value.errors if isinstance(info.value, DataErrors) else [info.value]


def _line_of(path: Path, key: str) -> int:
    return next(
        i
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.lstrip().startswith(f"{key}:")
    )


@pytest.mark.parametrize(
    "edit, column, fragment",
    [
        (lambda d: d.__setitem__("applies_to", "ward"), "applies_to", "unknown unit type"),
        (lambda d: d["scale"].__setitem__("total", 90), "total", "add up to 100"),
        (lambda d: d["main_indices"][0]["components"][0].__setitem__("max_points", 40), "max_points", "add up to 70"),
        (lambda d: d["structure"].__setitem__("components", 5), "components", "4 are listed"),
        (lambda d: d["document"].__setitem__("url", "ftp://example.org/x"), "url", "http(s)"),
        (lambda d: d["valid"].__setitem__("to", "2023-01-01"), "to", "ends before it starts"),
        (lambda d: d.__setitem__("scheme_id", "other_name"), "scheme_id", "equal the file name"),
        (lambda d: d.__setitem__("issuer", "Quảng Xyz"), "issuer", "unknown province"),
        (lambda d: d.__setitem__("ranked", "half_year"), "ranked", "reporting periods"),
    ],
)
def test_bad_declarations_are_located(tmp_path, registry, edit, column, fragment):
    path = _broken(tmp_path, edit)
    errors = _errors(path, registry)
    match = [e for e in errors if e.column == column and fragment in e.message]
    assert match, [str(e) for e in errors]
    assert match[0].file == "bad.yaml" and match[0].row == _line_of(path, column)


def test_a_missing_key_is_named(tmp_path, registry):
    path = _broken(tmp_path, lambda d: d.pop("reporting"))
    assert any(e.column == "reporting" for e in _errors(path, registry))


def test_sub_province_names_match_like_provinces():
    assert unit_key("TP Tuyên Quang") == unit_key("Thành phố Tuyên Quang") == unit_key("tuyen quang")
    assert unit_key("huyện Yên Sơn") == unit_key("Yên Sơn") == unit_key("YÊN  SƠN")
    assert unit_key("Xã Tràng Đà (TP Tuyên Quang)") == unit_key("xã Tràng Đà")
    assert unit_key("Sở Tư pháp") != unit_key("Sở Tài chính")
