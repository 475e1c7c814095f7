"""Write outputs so that an interrupted run never leaves a half-written file.

Every writer renders the whole content to a temporary file in the target's directory, flushes it to
disk, then renames it over the target (os.replace is atomic on POSIX).
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import polars as pl


@contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to `target`; on success rename it to `target`, on error delete it."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A run killed mid-write (SIGKILL skips the cleanup below) leaves its temporary file: remove it, or DVC
    # would count it as part of an output folder.
    for stale in target.parent.glob(f".{target.name}.*.tmp"):
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp creates 0600; outputs get the usual permissions
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_parquet(df: pl.DataFrame, target: str | os.PathLike) -> None:
    """Parquet with fixed settings, so equal frames give equal bytes."""
    with atomic_path(target) as tmp:
        df.write_parquet(tmp, compression="zstd", compression_level=3, statistics=True)


def write_json(data: object, target: str | os.PathLike) -> None:
    """Pretty, key-sorted JSON ending in a newline: stable bytes, readable diffs."""
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    write_text(text, target)


def write_text(text: str, target: str | os.PathLike) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
