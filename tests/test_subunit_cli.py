"""`dxtrack scorecard` and `dxtrack tasks` on the SYNTHETIC fixture (--data): what a user reads and the JSON."""

from __future__ import annotations

import json
from pathlib import Path

from dxtrack.cli.main import main

FIXTURE = str(Path(__file__).resolve().parent / "fixtures" / "subunits")


def test_scorecard_shows_synthetic_banner_ranks_ties_and_movers(capsys):
    assert main(["scorecard", "--province", "Đồng Nai", "--data", FIXTURE]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC DATA" in out and "rank 2 of 6, tied" in out and "+5 places (6 → 1)" in out
    assert main(["scorecard", "--province", "Đồng Nai", "--data", FIXTURE, "--lang", "vi"]) == 0
    out = capsys.readouterr().out
    assert "DỮ LIỆU GIẢ LẬP" in out and "hạng 2/6, đồng hạng" in out and "73,36" in out


def test_tasks_json_lists_overdue_before_due_soon(capsys):
    assert main(["tasks", "--province", "Đồng Nai", "--data", FIXTURE, "--as-of", "2024-09-01", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["as_of"] == "2024-09-01"
    assert [(t["task_id"], t["occurrence"], t["state"]) for t in data["tasks"]] == [
        ("S-3", 2, "overdue"),
        ("S-3", 3, "due_soon"),
    ]
    assert all(t["synthetic"] for t in data["tasks"])


def test_tasks_all_includes_done(capsys):
    assert main(["tasks", "--province", "Đồng Nai", "--data", FIXTURE, "--as-of", "2024-09-01", "--json", "--all"]) == 0
    states = [t["state"] for t in json.loads(capsys.readouterr().out)["tasks"]]
    assert states == ["overdue", "due_soon", "done_late", "done_on_time", "done_on_time"]


def test_unknown_province_is_a_located_error(capsys):
    assert main(["tasks", "--province", "Xứ Sở", "--data", FIXTURE]) == 2
    assert "Xứ Sở" in capsys.readouterr().err
