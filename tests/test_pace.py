"""Pace and status rules on hand-computed cases."""

from __future__ import annotations

import pytest

from dxtrack.report.reasons import reason_text
from dxtrack.model.pace import assess


def test_target_already_met():
    p = assess([2021, 2022], [55.0, 61.0], target=60, comparator=">=", target_year=2025)
    assert p.status == "achieved"


def test_strict_comparator_is_not_met_at_equality():
    p = assess([2022, 2023], [58.0, 60.0], target=60, comparator=">", target_year=2025)
    assert p.status != "achieved"


def test_value_at_the_100_percent_ceiling():
    p = assess([2023, 2024], [100.0, 100.0], target=100, comparator=">=", target_year=2025)
    assert p.status == "achieved"


def test_on_track_ratio_by_hand():
    # observed (16.5 - 11.91) / 2 = 2.295 a year; required (20 - 16.5) / 2 = 1.75 a year; ratio 1.311
    p = assess([2021, 2022, 2023], [11.91, 14.26, 16.5], target=20, comparator=">=", target_year=2025)
    assert p.status == "on track"
    assert p.observed_change == pytest.approx(2.295) and p.required_change == pytest.approx(1.75)
    assert p.ratio == pytest.approx(2.295 / 1.75)


def test_acceleration_needed_and_off_track_thresholds():
    # observed +1/yr; required (20 - 12) / 6 = 1.333: ratio 0.75
    assert assess([2018, 2019], [11, 12], target=20, comparator=">=", target_year=2025).status == "acceleration needed"
    # observed +0.1275/yr vs required +6.83: ratio 0.019
    gso = assess([2020, 2021, 2022, 2023, 2024], [12.66, 12.87, 12.83, 12.87, 13.17], target=20, comparator=">=",
                 target_year=2025)
    assert gso.status == "off track / regressing" and gso.ratio == pytest.approx(0.1275 / 6.83)


def test_falling_series_is_regressing():
    p = assess([2021, 2023], [40.0, 35.0], target=60, comparator=">=", target_year=2025)
    assert p.status == "off track / regressing" and p.ratio < 0 and "moving away" in reason_text(p.reason_key, p.fields, "en")


def test_rank_goal_lower_is_better():
    # rank 30 -> 25 over two years: -2.5 a year; top 20 by 2025 needs (20 - 25) / 3 = -1.667 a year
    p = assess([2020, 2022], [30, 25], target=20, comparator="<=", target_year=2025)
    assert p.status == "on track" and p.ratio == pytest.approx(1.5)
    worse = assess([2020, 2022], [25, 30], target=20, comparator="<=", target_year=2025)
    assert worse.status == "off track / regressing"


def test_passed_target_year_without_meeting_it():
    p = assess([2022, 2024], [50.0, 55.0], target=70, comparator=">", target_year=2023)
    assert p.status == "off track / regressing" and "passed" in reason_text(p.reason_key, p.fields, "en")


def test_one_point_is_insufficient_but_states_required_pace():
    p = assess([2024], [45.8], target=80, comparator=">=", target_year=2025)
    assert p.status == "insufficient data" and p.required_change == pytest.approx(34.2)


def test_no_data_and_not_assessable():
    assert assess([], [], target=20, comparator=">=", target_year=2025).status == "no data"
    assert assess([2022], [30], target=None, comparator="<=", target_year=2023).status == "not assessable"
    assert assess([2022], [30], target=20, comparator=">=", target_year=None).status == "not assessable"


def test_reasons_read_in_vietnamese_with_local_number_format():
    rank = assess([2021, 2022], [26.0, 25.0], target=20, comparator="<=", target_year=2025, unit="rank")
    assert reason_text(rank.reason_key, rank.fields, "vi") == "tốc độ thực tế −1 bậc/năm (2021–2022) so với mức cần −1,67 bậc/năm đến 2025"
    assert reason_text(rank.reason_key, rank.fields, "en") == "observed −1 places/year (2021–2022) vs required −1.67 places/year to 2025"
    met = assess([2023], [16.5], target=16, comparator=">", target_year=2023, unit="percent")
    assert reason_text(met.reason_key, met.fields, "vi") == "16,5% năm 2023 đã đạt mục tiêu > 16%"
