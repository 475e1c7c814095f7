"""Write outputs so that an interrupted run never leaves a half-written file, nor a half-switched set of files.

* One file: rendered whole to a temporary file in the target's directory, flushed, renamed over the target
  (`os.replace` is atomic on POSIX).
* Several files that must change together (a stage's outputs; a report's .ipynb and .html): `atomic_group`
  writes every temporary file first; only when all are complete does it write a small journal listing the
  renames, perform them, and delete the journal. A failure before the journal (a full disk, an unwritable
  folder, an exception) removes this writer's temporary files and changes nothing; a kill during the renames
  leaves the journal, and `recover()` — called by the next run before it reads or writes anything — completes
  the renames from it (roll forward), so the set is the old one or the new one, never a mix that stays.
* Temporary files belong to their writer: each is created with `mkstemp` and held under an exclusive `flock`
  for as long as its writer lives. A temporary file is only removed by the writer that made it, or, by
  `sweep()`, once its lock is free (the kernel releases a lock when its process dies: the writer was killed)
  and it is older than STALE_SECONDS (1 s; the only unlocked moment of a live writer's file is the microseconds between
  creating and locking it). A live writer's file is never touched.
* `FileLock` is the same kind of lock on a named file: a second renderer of one edition, or a second run of
  a stage, is refused with the first one's pid.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import polars as pl

STALE_SECONDS = 1.0  # far longer than the microseconds between a writer's mkstemp and its flock


class Busy(RuntimeError):
    """A lock is held by another live process."""

    def __init__(self, path: Path, holder: str):
        self.path, self.holder = Path(path), holder
        super().__init__(f"{path} is held by {holder}")


# ---- temporary files --------------------------------------------------------------------------------------


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _Temp:
    """A temporary file next to `target`, locked by this process until closed."""

    def __init__(self, target: Path):
        self.target = target
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self.fd: int | None = fd
        self.path = Path(tmp)

    def finish(self) -> None:
        with open(self.path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(self.path, 0o666 & ~_umask())  # mkstemp creates 0600; outputs get the usual permissions

    def close(self, *, remove: bool) -> None:
        if remove:
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass
        if self.fd is not None:
            os.close(self.fd)  # releases the lock
            self.fd = None


def sweep(directory: Path, name: str | None = None) -> list[Path]:
    """Remove temporary files (`.<name>.*.tmp`) left by writers that were killed: only a file whose lock is free
    and that is older than STALE_SECONDS. Returns what was removed."""
    removed: list[Path] = []
    directory = Path(directory)
    if not directory.is_dir():
        return removed
    for path in directory.glob(f".{name or '*'}.*.tmp"):
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a live writer holds it
            if time.time() - os.fstat(fd).st_mtime >= STALE_SECONDS:
                path.unlink(missing_ok=True)
                removed.append(path)
        finally:
            os.close(fd)
    return removed


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to `target`; on success rename it to `target`, on error delete it."""
    with atomic_group([target]) as (tmp,):
        yield tmp


@contextmanager
def atomic_group(
    targets: Sequence[str | os.PathLike], journal: str | os.PathLike | None = None
) -> Iterator[list[Path]]:
    """Yield one temporary path per target; when the block ends without error, switch all targets over.

    `journal`: where the list of renames is kept while they run (needed for more than one target; default:
    `.dxtrack-commit.json` in the first target's folder). On error every temporary file is removed and no
    target changes.
    """
    paths = [Path(t) for t in targets]
    if len({t.resolve() for t in paths}) != len(paths):
        raise ValueError(f"a target is listed twice: {paths}")
    for t in paths:
        if t.is_dir():
            raise IsADirectoryError(errno.EISDIR, "an output is a folder, not a file", str(t))
    temps: list[_Temp] = []
    try:
        for t in paths:
            t.parent.mkdir(parents=True, exist_ok=True)
            temps.append(_Temp(t))
        yield [tmp.path for tmp in temps]
        for tmp in temps:
            tmp.finish()
        if len(temps) == 1:
            os.replace(temps[0].path, paths[0])
        else:
            journal_path = Path(journal) if journal else paths[0].parent / ".dxtrack-commit.json"
            _write_journal(journal_path, [(tmp.path, tmp.target) for tmp in temps])
            for tmp in temps:
                os.replace(tmp.path, tmp.target)
            journal_path.unlink(missing_ok=True)
        for folder in {t.parent for t in paths}:
            _fsync_dir(folder)
    finally:
        for tmp in temps:
            tmp.close(remove=True)  # after a successful switch there is nothing left to remove


def _write_journal(path: Path, pairs: list[tuple[Path, Path]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps({"pid": os.getpid(), "renames": [[str(a), str(b)] for a, b in pairs]}, indent=1)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def recover(journal: str | os.PathLike) -> list[Path]:
    """Finish a switch-over that a kill interrupted (roll forward from its journal). Returns the files moved.

    Every temporary file the journal lists was complete and flushed before the journal was written; one that is
    gone was already renamed. Call it while holding the lock of whatever writes these files.
    """
    journal = Path(journal)
    if not journal.is_file():
        return []
    try:
        renames = json.loads(journal.read_text(encoding="utf-8"))["renames"]
    except (ValueError, KeyError, OSError):
        journal.unlink(missing_ok=True)  # written atomically, so unreadable means not ours: nothing to finish
        return []
    moved = []
    for tmp, target in renames:
        if Path(tmp).exists():
            os.replace(tmp, target)
            moved.append(Path(target))
    journal.unlink(missing_ok=True)
    return moved


# ---- locks ------------------------------------------------------------------------------------------------


class FileLock:
    """An exclusive, non-blocking lock on `path` (created if needed), released when the holder exits or dies."""

    def __init__(self, path: str | os.PathLike, what: str = ""):
        self.path, self.what = Path(path), what
        self.fd: int | None = None

    def acquire(self) -> FileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise Busy(self.path, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}{' (' + self.what + ')' if self.what else ''}\n".encode(), 0)
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> FileLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


# ---- writers ----------------------------------------------------------------------------------------------


def parquet_to(df: pl.DataFrame, path: Path) -> None:
    """Parquet with fixed settings, so equal frames give equal bytes."""
    df.write_parquet(path, compression="zstd", compression_level=3, statistics=True)


def json_text(data: object) -> str:
    """Pretty, key-sorted JSON ending in a newline: stable bytes, readable diffs."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_parquet(df: pl.DataFrame, target: str | os.PathLike) -> None:
    with atomic_path(target) as tmp:
        parquet_to(df, tmp)


def write_json(data: object, target: str | os.PathLike) -> None:
    write_text(json_text(data), target)


def write_text(text: str, target: str | os.PathLike) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes(data: bytes, target: str | os.PathLike) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text_if_changed(text: str, target: str | os.PathLike) -> bool:
    """`write_text`, skipped when the file already holds exactly this text (its timestamp then says when it
    last changed, and a reader syncing the folder sees only what moved). Returns whether it wrote."""
    try:
        if Path(target).read_bytes() == text.encode("utf-8"):
            return False
    except OSError:
        pass
    write_text(text, target)
    return True
