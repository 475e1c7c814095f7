"""environment.yml is generated from pyproject.toml (`make env`), and constraints.txt pins every package."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from environment import environment  # noqa: E402


def test_environment_yml_is_generated_from_pyproject():
    assert (ROOT / "environment.yml").read_text(encoding="utf-8") == environment(), "run `make env` and commit"


def test_dev_tools_are_not_runtime_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    runtime = {re.split(r"[<>=~! ]", r)[0].lower() for r in project["project"]["dependencies"]}
    assert not runtime & {"pytest", "nbval", "ruff", "mypy", "pre-commit"}


def test_constraints_pin_every_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = [*project["project"]["dependencies"], *project["dependency-groups"]["dev"]]
    pinned = {
        re.sub(r"[-_.]+", "-", line.split("==")[0]).lower()
        for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line
    }
    names = {re.sub(r"[-_.]+", "-", re.split(r"[<>=~! ]", r)[0]).lower() for r in wanted}
    assert names <= pinned, f"not pinned in constraints.txt (run `make lock`): {sorted(names - pinned)}"


def test_indicator_families_fill_entries_and_headline_order_is_data(tmp_path):
    """A new (headline) indicator is one YAML entry: its family supplies the shared keys, `headline: N` its place."""
    from dxtrack.core.paths import Project

    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    (tmp_path / "params.yaml").write_text("merger_date: '2025-07-01'\n", encoding="utf-8")
    (raw / "indicators.yaml").write_text(
        "families:\n  share: {unit: percent, lower: 0, upper: 100, transform: logit, note: shared}\n"
        "a: {family: share, name_vi: A, name_en: A, headline: 2}\n"
        "b: {family: share, name_vi: B, name_en: B, note: own, headline: 1}\n"
        "c: {unit: rank, name_vi: C, name_en: C}\n",
        encoding="utf-8",
    )
    project = Project(tmp_path)
    assert project.indicators["a"]["unit"] == "percent" and project.indicators["a"]["note"] == "shared"
    assert project.indicators["b"]["note"] == "own" and "families" not in project.indicators
    assert project.headline_indicators == ["b", "a"]


def test_importing_dxtrack_keeps_the_iri_grammars_out():
    """jsonschema's optional IRI check (rfc3987_syntax) compiles 38 grammars on import, about 1 s in every
    render worker and kernel; dxtrack never validates an IRI. Altair still validates chart specs."""
    import subprocess
    import sys

    code = (
        "import sys, dxtrack, altair as alt; "
        "assert sys.modules.get('rfc3987_syntax') is None; "
        "alt.Chart(alt.InlineData(values=[{'a': 1}])).mark_point().encode(x='a:Q').to_dict(validate=True); "
        "print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"
