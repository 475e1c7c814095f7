"""`dvc repro` end to end in a temporary copy of the project, as a user runs it on a fresh clone — on the frozen
data (tests/fixtures/project/data/raw), so a valid table added to the live data/raw never breaks these tests."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import polars as pl
import pytest
import yaml
from conftest import SOME_UNITS, add_source, copy_repository, dvc, render_only

from dxtrack.core.paths import Project

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow

_copy_project = copy_repository
_dvc = dvc


def _edition(project: Path) -> str:
    return str(yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))["render"]["year"])


def _digests(project: Path) -> dict[str, str]:
    paths = sorted([*project.glob("data/interim/*"), *project.glob("data/processed/*"), *project.glob("metrics/*")])
    return {str(p.relative_to(project)): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """`dvc repro` on a fresh copy rendering a few unit reports (conftest.SOME_UNITS, params render.units): the
    tests below re-run, kill, clone and grow it, and every unit report costs a notebook run each time. The whole
    edition is `repro_project`'s."""
    project = _copy_project(tmp_path_factory.mktemp("repo"))
    render_only(project)
    result = _dvc(project, "repro")
    assert result.returncode == 0, result.stdout + result.stderr
    return project


def _unit_pages(reports: Path, lang: str) -> list[str]:
    return sorted(p.name for p in (reports / "provinces").glob(f"*.{lang}.html"))


def test_repro_writes_every_report_in_both_languages(repro_project):
    """The default (render.units: all): every unit of the map, in both languages, with the index listing each."""
    reports = repro_project / "reports" / _edition(repro_project)
    for lang in ("vi", "en"):
        assert (reports / f"briefing.{lang}.html").stat().st_size > 100_000
        assert len(_unit_pages(reports, lang)) == 34
        assert (reports / "figures" / f"map_34.{lang}.png").exists()
        index = (reports / f"index.{lang}.html").read_text(encoding="utf-8")
        assert sorted(re.findall(r'href="provinces/([^"]+)"', index)) == _unit_pages(reports, lang)
    assert (reports / "annex.xlsx").exists()
    page = (reports / "provinces" / "86-vinh-long.vi.html").read_text(encoding="utf-8")
    assert "Trà Vinh" in page and "<script src=" not in page


def test_repro_with_a_unit_selection_writes_those_reports_and_links_only_them(built):
    """render.units: the briefing and the listed units' reports, nothing else; the index lists exactly those and
    no page links to a report that is not there."""
    reports = built / "reports" / _edition(built)
    for lang in ("vi", "en"):
        assert (reports / f"briefing.{lang}.html").stat().st_size > 100_000
        pages = _unit_pages(reports, lang)
        assert [name[:2] for name in pages] == list(SOME_UNITS), pages
        index = (reports / f"index.{lang}.html").read_text(encoding="utf-8")
        assert sorted(re.findall(r'href="provinces/([^"]+)"', index)) == pages
    pages = [*reports.glob("*.html"), *reports.glob("*/*.html")]
    assert {p.parent.name for p in pages} >= {_edition(built), "provinces", "schemes"}
    for page in pages:  # the briefing, the maps, the scheme pages and the reports link only what was rendered
        text = re.sub(r"<script.*?</script>", "", page.read_text(encoding="utf-8"), flags=re.S)
        for href in re.findall(r'(?:href|src)="([^"#]+)', text):
            if not href.startswith(("http://", "https://", "data:")):
                target = (page.parent / unquote(urlparse(href).path)).resolve()
                assert target.exists(), f"{page.name}: link {href} does not resolve"
    page = (reports / "provinces" / "86-vinh-long.vi.html").read_text(encoding="utf-8")
    assert "Trà Vinh" in page and "<script src=" not in page


def test_repro_builds_the_tidy_tables_and_metrics(built):
    obs = pl.read_parquet(built / "data/processed/observations.parquet")
    assert set(obs["map"].unique()) == {"63", "34", "VN"}
    # derived: 34-map aggregates, and elsewhere only continued figures or rates computed from published counts
    from dxtrack.harmonize.aggregate import CONTINUED
    from dxtrack.ingest.layouts.online_filing_rate import COUNTS_FORMULA

    assert set(obs.filter(pl.col("derived") & (pl.col("map") != "34"))["derivation"].to_list()) <= {
        CONTINUED,
        COUNTS_FORMULA,
    }
    assert (built / "metrics/data_quality.json").exists() and (built / "metrics/harmonize.json").exists()
    assert pl.read_parquet(built / "data/processed/targets.parquet")["unit_34_code"].null_count() == 0
    for name in ("projections", "status", "backtest_cases"):
        assert pl.read_parquet(built / f"data/processed/{name}.parquet").height > 0
    assert json.loads((built / "metrics/backtest.json").read_text())["by_family"]["level"]["methods"]["pooled"]["n"] > 0


def test_second_repro_does_nothing(built):
    result = _dvc(built, "repro")
    assert result.returncode == 0
    assert "didn't change, skipping" in result.stdout and "Running stage" not in result.stdout


def test_bytecode_next_to_the_code_is_not_a_change(built):
    """Without PYTHONDONTWRITEBYTECODE, Python writes __pycache__ into src/ as the stages import it: DVC must not take
    that for changed code (.dvcignore), or every run would re-run every stage and `make` would leave dvc.lock
    modified."""
    cache = built / "src" / "dxtrack" / "core" / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "paths.cpython-311.pyc").write_bytes(b"\x00 not the code")
    try:
        result = _dvc(built, "status")
        assert result.returncode == 0 and "up to date" in result.stdout, result.stdout + result.stderr
    finally:
        shutil.rmtree(cache)


def test_forced_rerun_gives_byte_identical_outputs(built):
    before = _digests(built)
    assert _dvc(built, "repro", "--force", "model").returncode == 0  # every data stage (render is a leaf)
    assert _digests(built) == before


def test_published_34_map_value_survives_harmonize(tmp_path):
    project = _copy_project(tmp_path)
    dti = project / "data/raw/sources/dti_provincial/dti_provincial.csv"
    header = dti.read_text(encoding="utf-8").splitlines()[0]
    fields = header.split(",")
    row = {
        "year": "2022",
        "ranking_group": "34",
        "province_name_as_source": "Bắc Ninh",
        "dti_score": "0.7001",
        "source_url": "https://example.invalid/fixture",
        "quote": "fixture row",
    }
    # a 2022 DTI published on the 34-unit map (fixture), added as a new source folder
    add_source(
        Project(project),
        "dti_34_fixture",
        "dti_34_fixture.csv",
        header + "\n" + ",".join(row.get(f, "") for f in fields) + "\n",
        layout="dti_wide",
        series={"fixed": {"series": "mic_dti", "authority": 1}},
    )
    assert _dvc(project, "repro", "harmonize").returncode == 0
    obs = pl.read_parquet(project / "data/processed/observations.parquet").filter(
        (pl.col("map") == "34")
        & (pl.col("province_code") == "24")
        & (pl.col("indicator") == "dti")
        & (pl.col("year") == 2022)
    )
    assert obs.height == 1 and obs["value"][0] == 0.7001 and not obs["derived"][0]


def test_bad_input_fails_with_location_and_leaves_outputs_untouched(built):
    before = _digests(built)
    share = Project(built).catalogue["digital_economy_share"]
    revised = share.path.read_text(encoding="utf-8").replace("2022,Bắc Ninh,56.83", "2022,Bắc Ninh,156.83")
    entry = {k: v for k, v in share.entry.items() if k not in ("file", "sha256")}
    folder = built / "data/raw/sources/share_revised"
    try:
        add_source(Project(built), "share_revised", "share_revised.csv", revised, **entry)  # a bad new table
        result = _dvc(built, "repro")
        assert result.returncode != 0
        message = result.stdout + result.stderr
        assert "share_revised.csv" in message and "row 16" in message and "156.83" in message
        assert _digests(built) == before
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_committed_lock_matches_the_code(tmp_path):
    """dvc.lock must be re-generated (dvc repro) and committed with any change to a stage's code. Data is not
    checked here: a researcher who has just added a table and not yet run `dvc repro` must still see `make test`
    pass (the live data is checked by tests/test_new_table.py::test_the_live_data_is_valid)."""
    project = _copy_project(tmp_path, live_data=True)
    result = _dvc(project, "status", "--json")
    assert result.returncode == 0, result.stderr

    # "deleted" deps are an earlier stage's outputs, absent in a fresh copy; "modified" ones mean a stale lock.
    stale = {
        stage: {
            path: state
            for e in entries
            if isinstance(e, dict)
            for path, state in e.get("changed deps", {}).items()
            if state != "deleted" and not path.startswith(("data/", "releases"))
        }
        for stage, entries in json.loads(result.stdout or "{}").items()
    }
    stale = {stage: paths for stage, paths in stale.items() if paths}
    assert not stale, f"dvc.lock is stale for {stale}: run `dvc repro` and commit dvc.lock"


def test_a_killed_run_then_a_rerun_gives_the_uninterrupted_result(built):
    """SIGKILL `dvc repro` while the data stages run (no cleanup code runs), re-run, compare bytes."""
    import signal
    import time

    before = _digests(built)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    env.pop("DXTRACK_ROOT", None)
    for delay in (1.5, 3.0):  # inside clean, then later in the chain
        proc = subprocess.Popen(
            [str(BIN / "dvc"), "repro", "--force", "model"],
            cwd=built,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        result = _dvc(built, "repro", "model")
        assert result.returncode == 0, result.stdout + result.stderr
        assert _digests(built) == before


def _git(project: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=project, check=True, capture_output=True, text=True).stdout


def _commit_all(project: Path, message: str) -> None:
    _git(project, "add", "-A")
    _git(project, "-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit", "-q", "-m", message)


def test_a_fresh_clone_is_clean_after_repro(built, tmp_path):
    """`make` on a fresh clone leaves `git status` clean: no absolute path or clock time in any output, so the
    recomputed dvc.lock is the committed one."""
    _commit_all(built, "built")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(built), str(clone)], check=True)
    result = _dvc(clone, "repro")
    assert result.returncode == 0, result.stdout + result.stderr
    assert _git(clone, "status", "--porcelain") == ""
    outputs = [
        p
        for p in clone.rglob("*")
        if p.is_file() and ".git" not in p.parts and p.suffix in (".ipynb", ".html", ".json", ".svg", ".lock")
    ]
    assert not [p for p in outputs if str(clone) in p.read_text(encoding="utf-8", errors="ignore")]


def test_readme_flow_shows_what_changed_and_rerenders_only_what_moved(built):
    """The README's flow as written — `dxtrack release`, commit, add a table (the docs' worked example),
    `dvc repro` — shows the change list in the same edition, with unit names; only the briefings and the reports
    whose shown figures moved re-render. Runs last: it changes the built copy."""
    sys.path.insert(0, str(ROOT / "tests"))
    from test_adding_data import apply_examples

    from dxtrack.core.paths import Project

    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    env.pop("DXTRACK_ROOT", None)
    released = subprocess.run([str(BIN / "dxtrack"), "release"], cwd=built, env=env, capture_output=True, text=True)
    assert released.returncode == 0, released.stderr
    assert _dvc(built, "repro").returncode == 0  # the snapshot is an input of the briefing: it says since when
    _commit_all(built, "release")
    reports = built / "reports" / _edition(built)
    before = {p.name: p.stat().st_mtime_ns for p in reports.rglob("*.html")}
    apply_examples(Project(built))
    result = _dvc(built, "repro")
    assert result.returncode == 0, result.stdout + result.stderr
    after = {p.name: p.stat().st_mtime_ns for p in reports.rglob("*.html")}
    rerendered = {name for name in before if after[name] != before[name]}
    assert {
        "briefing.vi.html",
        "briefing.en.html",
        "01-ha-noi.vi.html",
        "48-da-nang.en.html",
        "86-vinh-long.vi.html",
    } <= rerendered
    # a unit whose shown figures, projections and statuses do not move (Cao Bằng) keeps its report; the others
    # re-render because the 2025 points (continued to old Hà Nội too) move the pooled DTI trajectories visibly
    assert "04-cao-bang.vi.html" not in rerendered and len(rerendered) < len(before), sorted(rerendered)
    briefing = (reports / "briefing.en.html").read_text(encoding="utf-8")
    assert "Since the last release" in briefing and "Vinh Long" in briefing and "dti_2025" in briefing
    assert "So với bản phát hành gần nhất" in (reports / "briefing.vi.html").read_text(encoding="utf-8")
    diff = subprocess.run([str(BIN / "dxtrack"), "diff"], cwd=built, env=env, capture_output=True, text=True)
    assert diff.returncode == 0 and "15 added" in diff.stdout and "new source dti_2025" in diff.stdout


def _report_digests(project: Path) -> dict[str, str]:
    """Every file under reports/ by SHA-256, except annex.xlsx, compared by its cells: the workbook's docProps
    carry the time it was written (fixed workbook properties are issue 13's), which no reader sees as content."""
    import openpyxl

    out = {}
    for p in sorted((project / "reports").rglob("*")):
        if not p.is_file():
            continue
        key = str(p.relative_to(project))
        if p.name == "annex.xlsx":
            book = openpyxl.load_workbook(p)
            cells = [(ws.title, c.coordinate, c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row]
            out[key] = hashlib.sha256(repr(cells).encode()).hexdigest()
        else:
            out[key] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def test_a_forced_rerender_gives_byte_identical_reports(built):
    """Same inputs, same bytes in reports/ too: every report, executed notebook and figure re-rendered (in
    another worker order) equals the first render."""
    before = _report_digests(built)
    assert before and not [k for k in before if k.endswith(".tmp")]
    (built / "reports" / "2026" / ".render-state.json").unlink()  # forget the fingerprints: render everything
    result = _dvc(built, "repro", "--force", "render")
    assert result.returncode == 0, result.stdout + result.stderr
    assert _report_digests(built) == before


def _written_since(reports: Path, ns: int) -> bool:
    """Whether a report (HTML) of the edition was written after the time `ns` (time.time_ns())."""
    for page in [*reports.glob("briefing.*.html"), *reports.glob("provinces/*.html")]:
        try:
            if page.stat().st_mtime_ns > ns:
                return True
        except FileNotFoundError:  # replaced while we looked
            continue
    return False


def test_a_killed_render_then_a_rerun_gives_the_uninterrupted_reports(built):
    """SIGKILL the renderer mid-run: the next run finishes what it left (no temporary files, no
    marker) and the reports equal the uninterrupted ones."""
    import signal
    import time

    before = _report_digests(built)
    (built / "reports" / "2026" / ".render-state.json").unlink()
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    env.pop("DXTRACK_ROOT", None)
    marker = built / "reports" / "2026" / ".render-incomplete.json"
    started = time.time_ns()
    proc = subprocess.Popen(
        [sys.executable, "pipelines/render.py"],
        cwd=built,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    # kill it once a first report has been rewritten and others are still to come (mid-run, whatever the load)
    while proc.poll() is None and not (marker.exists() and _written_since(built / "reports" / "2026", started)):
        time.sleep(0.05)
    assert proc.poll() is None, "the render finished before it could be killed mid-run"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (built / "reports" / "2026" / ".render-incomplete.json").exists()  # the set says it is mixed
    result = _dvc(built, "repro", "--force", "render")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (built / "reports" / "2026" / ".render-incomplete.json").exists()
    assert not [p for p in (built / "reports").rglob("*.tmp")]
    assert _report_digests(built) == before
