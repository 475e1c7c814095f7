"""The house rule: a stage package imports only dxtrack.core (report also the notebook engine); core and the
engine import nothing else of dxtrack. dvc.yaml's code deps are package folders, so this rule is what keeps
`dvc repro` re-running exactly the stages a code change touches."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

SRC = Path(__file__).resolve().parents[1] / "src" / "dxtrack"
ROOT = SRC.parents[1]

ALLOWED = {  # package -> what it may import: packages, or single modules ("core.atomic")
    "core": {"core"},
    "notebook": {"notebook", "core.atomic"},  # generic engine: only the atomic file writer, no domain module
    "ingest": {"core", "ingest"},
    "harmonize": {"core", "harmonize"},
    "model": {"core", "model"},
    "report": {"core", "report", "notebook"},
}


def imported_modules(path: Path) -> set[str]:
    """What a module imports from dxtrack, as dotted names under it ("core.atomic", "report.labels"); lazy and
    TYPE_CHECKING imports count too."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "dxtrack":
            under = node.module.split(".", 1)[1] if "." in node.module else None
            found.update([under] if under else [alias.name for alias in node.names])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".", 1)[1] for a in node.names if a.name.startswith("dxtrack."))
    return found


def allowed(package: str, module: str) -> bool:
    rules = ALLOWED[package]
    return module.split(".")[0] in rules or any(module == r or module.startswith(r + ".") for r in rules)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_its_layers(package):
    bad = {
        str(f.relative_to(SRC)): sorted(m for m in imported_modules(f) if not allowed(package, m))
        for f in sorted((SRC / package).rglob("*.py"))
    }
    assert not {f: m for f, m in bad.items() if m}, f"{package} may import only {sorted(ALLOWED[package])}"


def test_every_package_is_placed_in_a_layer():
    packages = {p.name for p in SRC.iterdir() if (p / "__init__.py").exists()}
    assert packages - {"cli"} == set(ALLOWED), "a new package needs its place in ALLOWED (and in dvc.yaml)"


def test_dvc_stages_depend_on_the_packages_they_may_import():
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    package_of_stage = {"clean": "ingest", "harmonize": "harmonize", "model": "model", "render": "report"}
    for stage, package in package_of_stage.items():
        code = {d.removeprefix("src/dxtrack/") for d in stages[stage]["deps"] if d.startswith("src/dxtrack/")}
        wanted = {r for r in ALLOWED[package] if "." not in r}
        assert code == wanted, f"dvc.yaml stage {stage}: code deps {sorted(code)}, imports allow {sorted(wanted)}"


def test_the_detector_sees_a_forbidden_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from dxtrack.report import labels\n", encoding="utf-8")
    assert imported_modules(module) == {"report"} and not allowed("model", "report")
    assert allowed("notebook", "core.atomic") and not allowed("notebook", "core.vocabulary")
