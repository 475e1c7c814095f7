"""nbval on the three notebooks (lax: cells must run without error; chart outputs are not compared), against
the real raw data built in a temporary project (the session fixture), so no DVC outputs need to exist."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ["notebooks/province_report.ipynb", "notebooks/briefing.ipynb", "notebooks/explore.ipynb"]
pytestmark = pytest.mark.slow


def test_notebooks_run_under_nbval(built_project):
    env = {**os.environ, "DXTRACK_ROOT": str(built_project.root)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider", *NOTEBOOKS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "passed" in result.stdout and "failed" not in result.stdout
