"""A source is a folder: its source.yaml is checked before anything reads the file, and every problem is a
located error (file, line, key, value), never a skipped table."""

from __future__ import annotations

import os

import pytest
from conftest import add_source

from dxtrack.core.errors import DataError
from dxtrack.core.paths import Project
from dxtrack.core.sources import load_catalogue, load_source
from dxtrack.ingest.collect import observation_sources

TABLE = 'Xếp hạng,"Tỉnh, thành phố",DTI\n1,Hà Nội,0.83\n'
ENTRY = {
    "layout": "ministry_dti",
    "year": 2022,
    "url": "https://example.invalid/x",
    "series": {"fixed": {"series": "mic_dti", "authority": 1}},
}


@pytest.fixture
def folder(tmp_path):
    add_source(Project(tmp_path), "dti_x", "dti_x.csv", TABLE, **ENTRY)
    return tmp_path / "data" / "raw" / "sources" / "dti_x"


def edit_meta(folder, old: str, new: str) -> None:
    meta = folder / "source.yaml"
    text = meta.read_text(encoding="utf-8")
    assert old in text, text
    meta.write_text(text.replace(old, new), encoding="utf-8")


def error(folder) -> DataError:
    with pytest.raises(DataError) as info:
        load_source(folder, folder.parents[3])
    return info.value


def test_a_valid_folder_loads(folder):
    source = load_source(folder, folder.parents[3])
    assert source.id == "dti_x" and source.path.name == "dti_x.csv" and source.layout == "ministry_dti"


def test_missing_required_key(folder):
    edit_meta(folder, "licence: fixture\n", "")
    e = error(folder)
    assert e.column == "licence" and "missing required key" in str(e) and e.file.endswith("dti_x/source.yaml")


def test_unknown_key_names_the_closest(folder):
    edit_meta(folder, "licence:", "lisence:")
    assert "did you mean 'licence'" in str(error(folder))


def test_duplicated_key_is_refused_with_both_lines(folder):
    edit_meta(folder, "layout: ministry_dti\n", "layout: ministry_dti\nlayout: dti_wide\n")
    e = error(folder)
    assert e.column == "layout" and "twice" in str(e) and e.row is not None


def test_wrong_checksum_prints_the_right_one(folder):
    (folder / "dti_x.csv").write_text(TABLE + "2,Huế,0.7\n", encoding="utf-8")
    e = error(folder)
    assert e.column == "sha256" and "record sha256:" in str(e)


@pytest.mark.parametrize("name", ["../../../../etc/passwd", "/etc/passwd", "sub/dti_x.csv"])
def test_file_outside_the_folder_is_refused(folder, name):
    edit_meta(folder, "file: dti_x.csv", f"file: {name}")
    e = error(folder)
    assert e.column == "file" and "inside this folder" in str(e) and "root:" not in str(e)


def test_a_symlink_out_of_the_folder_is_refused(folder, tmp_path):
    outside = tmp_path / "secret.csv"
    outside.write_text("secret,data\n1,2\n", encoding="utf-8")
    os.symlink(outside, folder / "link.csv")
    edit_meta(folder, "file: dti_x.csv", "file: link.csv")
    assert "inside this folder" in str(error(folder))


def test_a_file_the_metadata_does_not_name(folder):
    (folder / "other.csv").write_text("a\n", encoding="utf-8")
    assert "not described by source.yaml" in str(error(folder))


def test_a_folder_without_source_yaml(folder):
    (folder / "source.yaml").unlink()
    assert "needs a source.yaml" in str(error(folder))


def test_a_table_dropped_straight_into_sources(folder):
    (folder.parent / "loose.csv").write_text("a\n", encoding="utf-8")
    with pytest.raises(DataError, match="its own folder"):
        load_catalogue(folder.parent)


@pytest.mark.parametrize(
    "old, new, key",
    [
        ("retrieved: 2026-11-23", "retrieved: '2026-11-23'", "retrieved"),  # quoted: a string, not a date
        ("retrieved: 2026-11-23", "retrieved: 2999-01-01", "retrieved"),  # in the future
        ("url: https://example.invalid/x", "url: javascript:alert(1)", "url"),
        ("year: 2022", "year: true", "year"),
    ],
)
def test_values_are_checked(folder, old, new, key):
    edit_meta(folder, old, new)
    assert error(folder).column == key


def test_a_mistyped_layout_stops_the_clean_stage(tmp_project):
    project = add_source(tmp_project, "dti_x", "dti_x.csv", TABLE, **{**ENTRY, "layout": "ministry_dtii"})
    with pytest.raises(DataError, match="did you mean 'ministry_dti'"):
        observation_sources(project)


def test_a_new_folder_is_all_it_takes(tmp_project):
    latest = max(s.entry["retrieved"] for s in tmp_project.catalogue.values())
    project = add_source(tmp_project, "zz_x", "zz_x.csv", TABLE, **{**ENTRY, "retrieved": latest})
    assert observation_sources(project)[-1] == "zz_x"  # retrieved last (then by id): listed last
