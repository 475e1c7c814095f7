"""Report words: both languages, local number formats, source text escaped."""

from __future__ import annotations

import polars as pl
import pytest

from dxtrack.core.tables import load
from dxtrack.report import selections, text


@pytest.fixture(scope="module")
def tables(built_project):
    return load(built_project.root)


def test_target_text_in_both_languages():
    row = {
        "measured_by": "digital_economy_share_grdp",
        "target_value": 20.0,
        "target_year": 2025,
        "comparator_norm": ">=",
    }
    assert text.target_text(row, "vi") == "≥ 20% năm 2025"
    assert text.target_text(row, "en") == "≥ 20% by 2025"
    rank = {"measured_by": "dti_rank", "target_value": 20.0, "target_year": 2025, "comparator_norm": "<="}
    assert text.target_text(rank, "en") == "top 20 by 2025"


def test_targets_table_escapes_source_text_and_translates(tables):
    rows = selections.unit_targets(tables, "63", "84")
    rows = rows.with_columns(pl.lit("Kế hoạch <b>50</b> & co").alias("document"))
    html_vi = text.targets_table(rows, "vi")
    assert "Kế hoạch &lt;b&gt;50&lt;/b&gt; &amp; co" in html_vi and "<b>50</b>" not in html_vi
    assert "Đã qua năm mục tiêu" in html_vi and "năm mục tiêu 2025 đã qua" in html_vi  # status and reason in Vietnamese
    assert "Target year passed" in text.targets_table(rows, "en")


def test_headline_uses_decimal_comma_in_vietnamese(tables):
    vi, en = text.headline_sentences(tables, "vi"), text.headline_sentences(tables, "en")
    share = selections.headline(tables)["digital_economy_share_grdp"]["value"]  # whatever the data says
    shown = f"{share:.1f}"
    assert shown.replace(".", ",") + "%" in vi and shown + "%" in en


def test_changes_section_says_first_release_when_there_is_none(tables):
    edition = int(tables.project.params["render"]["year"])
    assert "first release" in text.changes_html(tables, edition, "en")
