"""The status rule on hand-computed cases: pace and P(meet) read together."""

from __future__ import annotations

import pytest

from dxtrack.model.pace import assess
from dxtrack.report.reasons import reason_text


def test_met_in_the_target_year_is_achieved_and_a_miss_is_classed_by_direction():
    assert assess([2021, 2025], [55.0, 61.0], target=60, comparator=">=", target_year=2025).status == "achieved"
    missed = assess([2021, 2025], [55.0, 58.0], target=60, comparator=">=", target_year=2025)
    assert missed.status == "too slow" and missed.reason_key == "missed"
    fell = assess([2021, 2025], [55.0, 50.0], target=60, comparator=">=", target_year=2025)
    assert fell.status == "regressing"


def test_already_at_the_target_with_the_year_ahead_is_met_so_far():
    p = assess([2021, 2022], [55.0, 61.0], target=60, comparator=">=", target_year=2030, p_meet=0.8)
    assert p.status == "met so far" and p.reason_key == "met_so_far"
    risky = assess([2021, 2022], [55.0, 61.0], target=60, comparator=">=", target_year=2030, p_meet=0.3)
    assert risky.status == "met so far" and risky.reason_key == "met_so_far_at_risk"


def test_strict_comparator_is_not_met_at_equality():
    p = assess([2022, 2023], [58.0, 60.0], target=60, comparator=">", target_year=2026)
    assert p.status not in ("achieved", "met so far")


def test_value_at_the_100_percent_ceiling():
    p = assess([2023, 2024], [100.0, 100.0], target=100, comparator=">=", target_year=2027)
    assert p.status == "met so far"


def test_on_track_ratio_by_hand():
    # observed (16.5 - 11.91) / 2 = 2.295 a year; required (20 - 16.5) / 2 = 1.75 a year; ratio 1.311
    p = assess([2021, 2022, 2023], [11.91, 14.26, 16.5], target=20, comparator=">=", target_year=2025)
    assert p.status == "on track"
    assert p.observed_change == pytest.approx(2.295) and p.required_change == pytest.approx(1.75)
    assert p.ratio == pytest.approx(2.295 / 1.75)


def test_pace_classes_without_a_forecast():
    # observed +1/yr; required (20 - 12) / 6 = 1.333: ratio 0.75
    assert assess([2018, 2019], [11, 12], target=20, comparator=">=", target_year=2025).status == "acceleration needed"
    # observed +0.1275/yr vs required +6.83: ratio 0.019 -> moving the right way, far from enough
    gso = assess(
        [2020, 2021, 2022, 2023, 2024],
        [12.66, 12.87, 12.83, 12.87, 13.17],
        target=20,
        comparator=">=",
        target_year=2025,
    )
    assert gso.status == "too slow" and gso.ratio == pytest.approx(0.1275 / 6.83)


def test_falling_series_is_regressing():
    p = assess([2021, 2023], [40.0, 35.0], target=60, comparator=">=", target_year=2025)
    assert p.status == "regressing" and p.ratio < 0 and "moving away" in reason_text(p.reason_key, p.fields, "en")


@pytest.mark.parametrize(
    "p_meet, status, key",
    [
        (0.9, "on track", "pace"),  # both agree
        (0.3, "acceleration needed", "pace_ahead_of_forecast"),  # pace is enough, the forecast doubts it
    ],
)
def test_a_fast_pace_is_read_with_the_forecast(p_meet, status, key):
    p = assess([2021, 2022, 2023], [11.91, 14.26, 16.5], target=20, comparator=">=", target_year=2025, p_meet=p_meet)
    assert (p.status, p.reason_key) == (status, key)


@pytest.mark.parametrize(
    "p_meet, status, key",
    [
        (
            0.7,
            "on track",
            "forecast_ahead_of_pace",
        ),  # the forecast is more hopeful than the raw pace: the reason says so
        (0.2, "acceleration needed", "pace"),
    ],
)
def test_a_slow_pace_is_read_with_the_forecast(p_meet, status, key):
    p = assess([2018, 2019], [11, 12], target=20, comparator=">=", target_year=2025, p_meet=p_meet)
    assert (p.status, p.reason_key) == (status, key)
    assert "50%" not in reason_text(p.reason_key, p.fields, "en")
    if key != "pace":
        assert f"{round(p_meet * 100)}%" in reason_text(p.reason_key, p.fields, "en")


def test_rank_goal_lower_is_better():
    # rank 30 -> 25 over two years: -2.5 a year; top 20 by 2025 needs (20 - 25) / 3 = -1.667 a year
    p = assess([2020, 2022], [30, 25], target=20, comparator="<=", target_year=2025)
    assert p.status == "on track" and p.ratio == pytest.approx(1.5)
    worse = assess([2020, 2022], [25, 30], target=20, comparator="<=", target_year=2025)
    assert worse.status == "regressing"


def test_a_passed_target_year_without_its_figure_is_pending():
    by_edition = assess(
        [2022, 2024], [50.0, 55.0], target=70, comparator=">", target_year=2025, edition_year=2026, p_meet=0.02
    )
    assert by_edition.status == "year passed, pending" and by_edition.reason_key == "pending"
    assert "2025" in reason_text(by_edition.reason_key, by_edition.fields, "en")
    later_figure = assess([2022, 2024], [50.0, 55.0], target=70, comparator=">", target_year=2023)
    assert later_figure.status == "year passed, pending"
    # the same target read in an edition of its own year is still ahead
    assert (
        assess([2022, 2024], [50.0, 55.0], target=70, comparator=">", target_year=2025, edition_year=2025).status
        != "year passed, pending"
    )


def test_one_point_is_insufficient_but_states_required_pace():
    p = assess([2024], [45.8], target=80, comparator=">=", target_year=2026)
    assert p.status == "insufficient data" and p.required_change == pytest.approx(17.1)


def test_no_data_and_not_assessable():
    assert assess([], [], target=20, comparator=">=", target_year=2025).status == "no data"
    assert assess([2022], [30], target=None, comparator="<=", target_year=2023).status == "not assessable"
    assert assess([2022], [30], target=20, comparator=">=", target_year=None).status == "not assessable"


def test_reasons_read_in_vietnamese_with_local_number_format():
    rank = assess([2021, 2022], [26.0, 25.0], target=20, comparator="<=", target_year=2025, unit="rank")
    assert (
        reason_text(rank.reason_key, rank.fields, "vi")
        == "tốc độ thực tế −1 bậc/năm (2021–2022) so với mức cần −1,67 bậc/năm đến 2025"
    )
    assert (
        reason_text(rank.reason_key, rank.fields, "en")
        == "observed −1 places/year (2021–2022) vs required −1.67 places/year to 2025"
    )
    met = assess([2023], [16.5], target=16, comparator=">", target_year=2023, unit="percent")
    assert reason_text(met.reason_key, met.fields, "vi") == "16,5% năm 2023 đạt mục tiêu > 16%"
