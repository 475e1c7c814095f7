"""Deadlines as written, recurring ones expanded, and task status as of a date (SYNTHETIC register fixture)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from dxtrack.core.errors import DataError, DataErrors
from dxtrack.ingest.deadlines import parse_deadline
from dxtrack.ingest.subunit_tables import build
from dxtrack.model.taskstatus import task_status

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "subunits"


@pytest.mark.parametrize(
    "text, due",
    [
        ("trước ngày 20/5/2022", date(2022, 5, 19)),  # before the 20th: the 19th is the last day on time
        ("hoàn thành trước ngày 01/6/2022", date(2022, 5, 31)),
        ("before 1/3/2024", date(2024, 2, 29)),  # leap year
        ("ngày 20/6/2022", date(2022, 6, 20)),
        ("2022-06-20", date(2022, 6, 20)),
        ("quý I/2023", date(2023, 3, 31)),
        ("trong quý IV/2023", date(2023, 12, 31)),
        ("Q2/2024", date(2024, 6, 30)),
        ("năm 2023", date(2023, 12, 31)),
    ],
)
def test_one_off_deadlines(text, due):
    deadline = parse_deadline(text)
    assert deadline.kind == "once" and deadline.due == due


def test_quarterly_deadline_expands_to_each_quarter_in_the_window():
    deadline = parse_deadline("hàng quý, trước ngày 20 của tháng cuối quý")
    english = parse_deadline("quarterly, before the 20th of the last month of each quarter")
    assert (deadline.kind, deadline.day) == (english.kind, english.day) == ("quarterly", 19)
    dues = deadline.occurrences(date(2022, 7, 12), date(2023, 6, 19))
    assert dues == [date(2022, 9, 19), date(2022, 12, 19), date(2023, 3, 19), date(2023, 6, 19)]
    assert deadline.occurrences(date(2022, 7, 12), date(2023, 6, 18))[-1] == date(2023, 3, 19)


def test_yearly_deadline_expands_to_each_year():
    deadline = parse_deadline("hàng năm, trước ngày 30/11")
    assert deadline.occurrences(date(2022, 7, 12), date(2025, 6, 30)) == [
        date(2022, 11, 29),
        date(2023, 11, 29),
        date(2024, 11, 29),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "sớm nhất có thể",
        "trước ngày 31/2/2022",
        "hàng năm",
        "hàng quý, trước ngày 20",
        "hàng quý, trước ngày 1 của tháng cuối quý",
        "",
    ],
)
def test_unreadable_deadlines_are_located(text):
    with pytest.raises(DataError) as info:
        parse_deadline(text, where={"file": "t.csv", "row": 7, "column": "deadline"})
    assert (info.value.file, info.value.row, info.value.column) == ("t.csv", 7, "deadline")


@pytest.fixture(scope="module")
def tables(registry):
    return build(FIXTURE, registry, root=ROOT)


def _status(tables, as_of: date, soon: int = 30) -> dict:
    rows = task_status(
        tables["tasks"], tables["task_occurrences"], tables["task_updates"], tables["agencies"], as_of, soon
    )
    return {(r["task_id"], r["occurrence"]): r for r in rows.iter_rows(named=True)}


def test_status_as_of_a_date(tables):
    s = _status(tables, date(2024, 9, 1))
    assert s[("S-1", 1)]["state"] == "done_on_time" and s[("S-1", 1)]["days_late"] == -1
    assert s[("S-2", 1)]["state"] == "done_late" and s[("S-2", 1)]["days_late"] == 10
    assert s[("S-3", 1)]["state"] == "done_on_time"
    assert s[("S-3", 2)]["state"] == "overdue" and s[("S-3", 2)]["days_overdue"] == 74
    assert s[("S-3", 2)]["no_update"] is False and s[("S-3", 2)]["last_status"] == "not_started"
    assert s[("S-3", 3)]["state"] == "due_soon" and s[("S-3", 3)]["no_update"] is True
    assert ("S-3", 4) not in s  # due 19/12/2024: neither due soon nor updated
    assert all(r["synthetic"] for r in s.values())


def test_only_updates_known_by_the_date_count(tables):
    s = _status(tables, date(2023, 3, 15))
    assert s[("S-2", 1)]["state"] == "due_soon" and s[("S-2", 1)]["last_status"] == "in_progress"
    s = _status(tables, date(2023, 4, 5))
    assert s[("S-2", 1)]["state"] == "overdue"


def test_due_soon_window_is_a_parameter(tables):
    assert ("S-3", 3) not in _status(tables, date(2024, 9, 1), soon=10)  # due in 18 days, no update: not listed
    assert _status(tables, date(2024, 9, 1), soon=18)[("S-3", 3)]["state"] == "due_soon"


def test_an_owner_that_ceased_carries_its_successor(tables):
    before = _status(tables, date(2025, 2, 1))[("S-3", 1)]
    after = _status(tables, date(2025, 3, 1))[("S-3", 1)]
    assert before["lead_successor_vi"] is None
    assert after["lead_successor_vi"] == "Sở Khoa học và Công nghệ"


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "fx")
    return tmp_path / "fx"


def _rewrite(path: Path, old: str, new: str) -> None:
    import hashlib

    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    meta = path.parent / "source.yaml"
    lines = meta.read_text(encoding="utf-8").splitlines()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    meta.write_text(
        "\n".join(f"sha256: {digest}" if line.startswith("sha256:") else line for line in lines) + "\n",
        encoding="utf-8",
    )


@pytest.mark.parametrize(
    "file, old, new, row, column",
    [
        ("synthetic_updates/updates_synthetic.csv", "S-3,2,", "S-9,2,", 6, "task_id"),
        ("synthetic_updates/updates_synthetic.csv", "S-3,2,", "S-3,7,", 6, "task_id"),
        ("synthetic_updates/updates_synthetic.csv", "2024-06-01", "2027-06-01", 6, "date"),
        ("synthetic_updates/updates_synthetic.csv", "not_started", "half done", 6, "status"),
        ("synthetic_tasks/tasks_synthetic.csv", "quý I/2023", "sớm", 3, "deadline"),
        ("synthetic_tasks/tasks_synthetic.csv", "2024-12-31", "2023-12-31", 4, "recur_to"),
    ],
)
def test_bad_registers_and_updates_are_located(tmp_path, registry, file, old, new, row, column):
    root = _copy(tmp_path)
    _rewrite(root / "sources" / file, old, new)
    with pytest.raises(DataError) as info:
        build(root, registry, root=root)
    errors = info.value.errors if isinstance(info.value, DataErrors) else [info.value]
    assert any(e.row == row and e.column == column and e.file.endswith(Path(file).name) for e in errors), [
        str(e) for e in errors
    ]
