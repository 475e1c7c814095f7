"""environment.yml (conda) and pyproject.toml must list the same dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _normalise(requirement: str) -> str:
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement).groups()
    return re.sub(r"[-_.]+", "-", name).lower() + spec.replace(" ", "")


def test_conda_environment_mirrors_pyproject():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_block = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    conda_pip = [r for r in pip_block if not r.startswith("-e")]
    assert sorted(map(_normalise, conda_pip)) == sorted(map(_normalise, pyproject))


def test_constraints_pin_every_dependency():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pinned = {re.sub(r"[-_.]+", "-", line.split("==")[0]).lower()
              for line in (ROOT / "constraints.txt").read_text().splitlines() if "==" in line}
    names = {_normalise(r).split(">")[0].split("=")[0].split("<")[0] for r in pyproject}
    assert names <= pinned, f"not pinned in constraints.txt: {sorted(names - pinned)}"
