"""Print environment.yml (conda) from pyproject.toml: the runtime dependencies and the dev group, via pip.

python scripts/environment.py > environment.yml      (what `make env` runs)
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def environment() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    runtime = project["project"]["dependencies"]
    dev = project["dependency-groups"]["dev"]
    lines = [
        "# Generated from pyproject.toml by `make env` (scripts/environment.py): do not edit by hand.",
        "# The README's set-up uses a plain venv; this file is for researchers who live in conda.",
        "name: dxtrack",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        "  - pip",
        "  - pip:",
        *(f"      - {r}" for r in runtime),
        "      # dev group: tests, lint, types",
        *(f"      - {r}" for r in dev),
        "      - -e .",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(environment(), end="")
