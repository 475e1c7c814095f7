"""What every stage shares: outputs as data (frames + metrics, nothing written yet), how a pipeline script writes
them all together, and how it reports failure.

Each stage package has a `stage.py` whose function takes the Project and returns a StageOutput;
pipelines/<stage>.py calls `run(stage, label)`; tests call the stage functions directly.

`run` checks params.yaml (dxtrack.core.params) before the stage computes anything, holds the stage's lock
(a second run of the same stage is refused), finishes an earlier run's interrupted switch-over, and then writes
every output in one `atomic_group`: all new files or all old ones. Every failure ends in one `<label>: …`
message on stderr and exit status 1; the traceback only with `DXTRACK_DEBUG=1` (or `--debug`).
"""

from __future__ import annotations

import os
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from dxtrack.core.atomic import Busy, FileLock, atomic_group, json_text, parquet_to, recover, sweep
from dxtrack.core.errors import DataError
from dxtrack.core.paths import Project

STATE_DIR = ".dxtrack"  # per-clone run state (locks, switch-over journals); git-ignored, never a DVC output


@dataclass
class StageOutput:
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)  # path relative to the project root -> frame
    metrics: dict[str, dict] = field(default_factory=dict)  # path relative to the project root -> JSON


def state_dir(project: Project) -> Path:
    return project.root / STATE_DIR


def journal_path(project: Project, name: str) -> Path:
    return state_dir(project) / "journal" / f"{name}.json"


def lock(project: Project, name: str, what: str = "") -> FileLock:
    return FileLock(state_dir(project) / "locks" / f"{name}.lock", what)


def write(project: Project, output: StageOutput, *, journal: Path | None = None) -> None:
    """Write a stage's outputs all together: every file to a temporary file first, then all switched over (an
    error before the switch changes nothing; dxtrack.core.atomic)."""
    targets = [project.root / rel for rel in (*output.tables, *output.metrics)]
    for folder in sorted({t.parent for t in targets}):
        sweep(folder)  # temporary files of killed writers only (their lock is free)
    journal = journal or journal_path(project, "stage")
    recover(journal)
    with atomic_group(targets, journal=journal) as temps:
        by_target = dict(zip(targets, temps))
        for relative, frame in output.tables.items():
            parquet_to(frame, by_target[project.root / relative])
        for relative, data in output.metrics.items():
            by_target[project.root / relative].write_text(json_text(data), encoding="utf-8")


def debugging(argv: list[str] | None = None) -> bool:
    """Tracebacks are shown only when asked: `--debug` on the command line or DXTRACK_DEBUG=1."""
    argv = sys.argv[1:] if argv is None else argv
    return "--debug" in argv or os.environ.get("DXTRACK_DEBUG", "") not in ("", "0")


def describe(exc: BaseException, project: Project | None = None) -> str:
    """One line for any failure: located data errors as they are; OS errors with the path; others by type."""
    if isinstance(exc, DataError):
        return str(exc)
    if getattr(exc, "failures", None) is not None:  # the render engine's RenderError: one line per notebook
        return str(exc)
    if isinstance(exc, Busy):
        return f"already running ({exc.holder}; lock {_shown(exc.path, project)}): wait for it to finish, or stop it"
    if isinstance(exc, OSError) and exc.filename is None and exc.strerror is None:
        return str(exc)
    if isinstance(exc, OSError):
        name = exc.filename
        where = f" {_shown(Path(name), project)}" if name else ""
        return f"cannot write or read{where}: {exc.strerror or exc} (nothing was changed)"
    if isinstance(exc, MemoryError):
        return "out of memory"
    text = " ".join(str(exc).split())
    return f"internal error {type(exc).__name__}: {text[:300]} (set DXTRACK_DEBUG=1 for the traceback)"


def _shown(path: Path, project: Project | None) -> str:
    if project is not None:
        try:
            return project.display(Path(path))
        except Exception:
            pass
    return str(path)


def fail(label: str, exc: BaseException, project: Project | None = None) -> int:
    if debugging():
        traceback.print_exception(exc)
    print(f"{label}: {describe(exc, project)}", file=sys.stderr)
    return 1


def run(stage, label: str) -> int:
    """What a pipelines/ script does: check params, run one stage on the project here, write its outputs."""
    project = None
    try:
        project = Project.find()
        project.check_params()  # before the stage computes anything
        with lock(project, label, f"stage {label}"):
            output = stage(project)
            write(project, output, journal=journal_path(project, label))
    except KeyboardInterrupt:
        print(f"{label}: interrupted (nothing was changed)", file=sys.stderr)
        return 130
    except Exception as exc:  # every failure ends in one located line; the traceback only when debugging
        return fail(label, exc, project)
    return 0
