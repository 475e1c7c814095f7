"""Execute a notebook's code cells in this process's IPython shell, recording outputs as a kernel would.

The render workers used to drive a separate Jupyter kernel each, over ZeroMQ. A report notebook runs in about
0.3 s, so the kernel was a large share of the cost: its own start-up (~2 s per worker), a message round trip
per cell, and a second process per worker competing for the same two cores. Here the worker process *is* the
kernel: one `InteractiveShell` (IPython's, the same one ipykernel builds on) runs each code cell, and its
display publisher, display hook, traceback hook and `sys.stdout`/`sys.stderr` are pointed at the cell's output
list, in nbformat's shapes: `display_data`, `execute_result`, `stream` and `error` outputs. JupyterLab users
still run the same notebooks in a real kernel; only the render stage executes them here.

What a kernel gave for free is kept: a per-cell timeout (SIGALRM, the worker's main thread), execution counts
from 1 in every notebook, and a namespace reset between notebooks that keeps modules (and their caches) warm.
"""

from __future__ import annotations

import os
import platform
import signal
import sys
from typing import Any

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell

__all__ = ["CellError", "CellTimeout", "InProcessExecutor"]


class CellError(Exception):
    """A cell raised: `ename`, `evalue` and the formatted traceback lines (ANSI colours removed)."""

    def __init__(self, ename: str, evalue: str, traceback: list[str]):
        super().__init__(f"{ename}: {evalue}")
        self.ename, self.evalue, self.traceback = ename, evalue, traceback


class CellTimeout(Exception):
    pass


class _Timeout(BaseException):
    """Raised inside the running cell by the alarm; a BaseException so `except Exception` in a cell cannot
    swallow it (IPython records it as the cell's error, and the executor turns it into CellTimeout)."""


class _Outputs:
    """Where the shell's hooks write: the current cell's output list."""

    def __init__(self) -> None:
        self.outputs: list[dict[str, Any]] = []
        self.execution_count: int | None = None

    def stream(self, name: str, text: str) -> None:
        if not text:
            return
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text  # consecutive writes form one output, as nbclient merges them
        else:
            self.outputs.append(_as_output({"output_type": "stream", "name": name, "text": text}))


class _Stream:
    """A text stream (`sys.stdout` / `sys.stderr` while a cell runs) appending to the cell's outputs."""

    encoding = "utf-8"
    errors = "strict"

    def __init__(self, sink: _Outputs, name: str):
        self.sink, self.name = sink, name

    def write(self, text: str) -> int:
        self.sink.stream(self.name, str(text))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


class _Publisher(DisplayPublisher):
    """`display(...)` → a display_data output."""

    sink: _Outputs | None = None

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs) -> None:
        assert self.sink is not None
        self.sink.outputs.append(_as_output({"output_type": "display_data", "data": data, "metadata": metadata or {}}))

    def clear_output(self, wait: bool = False) -> None:
        assert self.sink is not None
        self.sink.outputs.clear()


class _Hook(DisplayHook):
    """A cell's last expression → an execute_result output (`_`, `__`, a trailing `;` work as in a kernel)."""

    sink: _Outputs | None = None

    def start_displayhook(self) -> None:
        self._data: dict[str, Any] = {}
        self._metadata: dict[str, Any] = {}

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict, md_dict=None) -> None:
        self._data, self._metadata = format_dict, md_dict or {}

    def finish_displayhook(self) -> None:
        assert self.sink is not None
        if self._data:
            self.sink.outputs.append(
                _as_output(
                    {
                        "output_type": "execute_result",
                        "data": self._data,
                        "metadata": self._metadata,
                        "execution_count": self.sink.execution_count,
                    }
                )
            )


class _Shell(InteractiveShell):
    sink: _Outputs | None = None

    def _showtraceback(self, etype, evalue, stb) -> None:
        assert self.sink is not None
        self.sink.outputs.append(
            _as_output(
                {
                    "output_type": "error",
                    "ename": getattr(etype, "__name__", str(etype)),
                    "evalue": str(evalue),
                    "traceback": list(stb),
                }
            )
        )


class InProcessExecutor:
    """Runs notebooks one after another in this process. Create one per process (the shell is a singleton).

    `cwd` is restored before every notebook; `timeout` is per cell, in seconds (None: no limit; it needs the
    main thread). `run(nb)` fills each code cell's `outputs` and `execution_count` in place and raises
    CellError / CellTimeout at the first failing cell (whose error output is recorded, as nbclient does).
    """

    def __init__(self, cwd: str, timeout: int | None = None):
        if InteractiveShell.initialized() and not isinstance(InteractiveShell.instance(), _Shell):
            raise RuntimeError("an IPython shell already runs in this process; the executor needs its own")
        self.cwd, self.timeout = cwd, timeout
        self.sink = _Outputs()
        from traitlets.config import Config

        config = Config()
        config.HistoryManager.enabled = False  # a render writes no SQLite history file
        shell = _Shell.instance(config=config, colors="nocolor")
        shell.sink = self.sink
        publisher = _Publisher(shell=shell)
        publisher.sink = self.sink
        shell.display_pub = publisher
        hook = _Hook(shell=shell, cache_size=0)
        hook.sink = self.sink
        shell.displayhook = hook
        shell.display_trap.hook = hook
        self.shell = shell

    def reset(self) -> None:
        """Clear the user namespace (like %reset -f) without IPython's full garbage collection, which costs
        more than a small notebook takes to run; Python's own collector frees any cycles left behind."""
        import gc

        collect = gc.collect
        gc.collect = lambda *args, **kwargs: 0
        try:
            self.shell.reset(new_session=False)
        finally:
            gc.collect = collect
        self.shell.execution_count = 1
        os.chdir(self.cwd)

    def run(self, nb) -> None:
        self.reset()
        nb.metadata["language_info"] = _LANGUAGE_INFO  # what ipykernel reports as the kernel's language
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            self._run_cell(cell)

    def _run_cell(self, cell) -> None:
        sink = self.sink
        sink.outputs = []
        sink.execution_count = self.shell.execution_count
        cell.outputs = sink.outputs
        cell.execution_count = None
        if not cell.source.strip():
            return
        out, err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Stream(sink, "stdout"), _Stream(sink, "stderr")
        previous = None
        if self.timeout:
            previous = signal.signal(signal.SIGALRM, _raise_timeout)
            signal.setitimer(signal.ITIMER_REAL, self.timeout)
        try:
            result = self.shell.run_cell(cell.source, store_history=True, silent=False)
        finally:
            if self.timeout:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
            sys.stdout, sys.stderr = out, err
        cell.execution_count = sink.execution_count
        error = result.error_in_exec or result.error_before_exec
        if error is None:
            return
        if isinstance(error, _Timeout):
            raise CellTimeout(f"a cell ran longer than {self.timeout} s")
        if isinstance(error, (KeyboardInterrupt, SystemExit)) and getattr(error, "dxtrack_stop", False):
            raise error  # the worker is being stopped (SIGTERM): leave now
        recorded = next((o for o in reversed(sink.outputs) if o["output_type"] == "error"), None)
        if recorded is None:
            raise CellError(type(error).__name__, str(error), [])
        raise CellError(recorded["ename"], recorded["evalue"], recorded["traceback"])


_LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
    "version": platform.python_version(),
}


def _as_output(output: dict[str, Any]):
    """An output as a kernel would have sent it, taken when it is shown: through JSON (tuples become lists,
    dates ISO strings), so nothing the notebook changes after displaying an object reaches its output."""
    import json

    import nbformat
    from jupyter_client.jsonutil import json_default

    return nbformat.from_dict(json.loads(json.dumps(output, default=json_default)))


def _raise_timeout(signum, frame) -> None:
    raise _Timeout()
