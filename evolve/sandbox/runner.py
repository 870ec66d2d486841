"""Run one notebook on one prepared `SandboxKernel` with nbclient, and turn what happened into a record;
`execute_notebook` is the cold path (start a kernel, prepare it, run, clean up).

Contract of `run_on_kernel`: it owns the kernel from then on. It runs every cell in order (stopping at the
first error, whatever the cell's tags say), enforces the limits through a `Watchdog`, and always kills the
kernel and removes its private dir before returning. It never raises for anything the notebook does; it
re-raises KeyboardInterrupt if the caller was interrupted (nbclient turns SIGINT into a kernel shutdown).
"""
from __future__ import annotations

import asyncio
import atexit
import copy
import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from .environ import DEFAULT_ENV_ALLOW
from .isolation import detect_isolation
from .kernel import OUTPUT_LIMIT_ERROR, SandboxKernel
from .record import ExecutionRecord, Limits, format_error
from .watchdog import Watchdog

# Messages whose content ends up in the notebook (and so in the caller's memory).
_OUTPUT_MESSAGES = {"stream", "display_data", "execute_result", "error", "update_display_data",
                    "comm_open", "comm_msg"}
_BACKSTOP_S = 10  # nbclient's own cell timeout, in case the watchdog's kill did not end the cell


class _Manager:
    """The slice of jupyter_client's KernelManager that nbclient uses on a kernel it does not own.
    nbclient only shuts the kernel down itself on SIGINT/SIGTERM or a failed client start."""

    has_kernel = True
    ipykernel = False  # we already pass our own HistoryManager arguments

    def __init__(self, kernel: SandboxKernel) -> None:
        self.kernel = kernel
        self.shutdown_requested = False

    def client(self, **_: Any):
        return self.kernel.async_client()

    async def is_alive(self) -> bool:
        return self.kernel.alive

    async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        self.shutdown_requested = True
        self.kernel.kill()

    async def interrupt_kernel(self) -> None:
        self.kernel.kill()

    async def cleanup_resources(self, restart: bool = False) -> None:
        pass


class _Client(NotebookClient):
    """nbclient plus the sandbox's hooks: each code cell starts the watchdog's cell clock, a failing cell's
    reply is kept, and outputs past the output limit trip the watchdog instead of filling our memory."""

    def __init__(self, nb, km: _Manager, watchdog: Watchdog, limits: Limits) -> None:
        super().__init__(
            nb, km=km, timeout=int(limits.cell_timeout_s) + _BACKSTOP_S, allow_errors=False,
            # Not nbclient's coalesce_streams: its \r/\b regexes are quadratic on a long line and hold the
            # GIL for minutes on a 1 MB print (the watchdog thread included). See _merge_streams.
            force_raise_errors=True, coalesce_streams=False, startup_timeout=60,
            on_cell_execute=self._on_cell_execute, on_cell_error=self._on_cell_error,
        )
        self.watchdog = watchdog
        self.sandbox_kernel = km.kernel  # not via self.km: nbclient drops that on SIGINT
        self.output_cap = limits.output_mb << 20
        self.output_bytes = 0
        self.error_content: dict[str, Any] | None = None
        self.error_cell: int | None = None

    def _on_cell_execute(self, cell, cell_index: int) -> None:
        self.watchdog.cell_started(cell_index)

    def _on_cell_error(self, cell, cell_index: int, execute_reply: dict[str, Any]) -> None:
        self.error_content, self.error_cell = execute_reply["content"], cell_index

    async def _async_poll_kernel_alive(self) -> None:
        # nbclient 0.11 checks once a second; a kernel the watchdog killed should end its cell at once.
        while True:
            await asyncio.sleep(0.1)
            if not self.sandbox_kernel.alive:
                if self.task_poll_for_reply is not None:
                    self.task_poll_for_reply.cancel()
                return

    def process_message(self, msg, cell, cell_index):
        if msg["msg_type"] in _OUTPUT_MESSAGES:
            self.output_bytes += len(json.dumps(msg["content"], default=str))
            if self.output_bytes > self.output_cap:
                self.watchdog.trip("output", f"output: cell outputs exceeded {self.output_cap >> 20} MB "
                                             f"(stopped in cell {cell_index})")
                return None
        return super().process_message(msg, cell, cell_index)


def failed_start(kernel: SandboxKernel, nb, error: str, started: float) -> ExecutionRecord:
    """The record for a kernel whose start-up or preparation failed (no cell ran)."""
    log = kernel.close()
    return ExecutionRecord(executed=False, error=error, error_cell=None, timed_out=False, memory_exceeded=False,
                           wall_s=time.monotonic() - started, isolation=list(kernel.features),
                           notebook=_copy(nb), workdir=kernel.workdir, kernel_log=log)


def run_on_kernel(kernel: SandboxKernel, nb, limits: Limits, started: float) -> ExecutionRecord:
    """Execute `nb` on the prepared `kernel` (see the module contract)."""
    manager = _Manager(kernel)
    watchdog = Watchdog(kernel, limits, watch_memory="rss-watchdog" in kernel.features)
    client: _Client | None = None
    error: str | None = None
    error_cell: int | None = None
    memory_exceeded = timed_out = output_exceeded = False
    try:
        nb = _copy(nb)
        client = _Client(nb, manager, watchdog, limits)
        watchdog.start()
        client.execute()
    except CellExecutionError:
        content = client.error_content or {}
        ename = content.get("ename", "Error")
        error = format_error(ename, content.get("evalue", ""), content.get("traceback"))
        error_cell = client.error_cell
        if ename == OUTPUT_LIMIT_ERROR:
            output_exceeded = True
            error = f"output: cell outputs exceeded {limits.output_mb} MB (stopped in cell {error_cell})\n{error}"
        elif ename == "MemoryError" and "rlimit-as" in kernel.features:
            memory_exceeded = True
            error = f"memory: exceeded {limits.memory_mb} MB (MemoryError at the address-space limit)\n{error}"
    except CellTimeoutError:
        timed_out, error_cell = True, watchdog.cell
        error = f"timeout: cell {watchdog.cell} exceeded {limits.cell_timeout_s:g} s"
    except DeadKernelError:
        error_cell = watchdog.cell
        error = f"kernel died: {kernel.describe_exit()} in cell {watchdog.cell}"
    except RuntimeError as exc:  # nbclient: the client could not reach the kernel
        error_cell = watchdog.cell
        error = f"kernel died: {exc} ({kernel.describe_exit()})"
    finally:
        watchdog.stop()
        if client is not None:
            # nbclient leaves this registered when the client fails to start; at exit it would assert.
            atexit.unregister(client._cleanup_kernel)
            if client.kc is not None:
                client.kc.stop_channels()
        log = kernel.close()
    _merge_streams(nb)
    trip = watchdog.trip_
    if trip is not None:  # the watchdog's reason beats what its kill looked like from nbclient's side
        error, error_cell = trip.message, trip.cell
        timed_out, memory_exceeded = trip.kind == "timeout", trip.kind == "memory"
        output_exceeded = trip.kind == "output"
    elif error is not None and error.startswith("kernel died"):
        if manager.shutdown_requested:
            raise KeyboardInterrupt("notebook execution interrupted")
        if log:
            error += "\n" + log
    return ExecutionRecord(
        executed=error is None, error=error, error_cell=error_cell, timed_out=timed_out,
        memory_exceeded=memory_exceeded, wall_s=time.monotonic() - started, isolation=list(kernel.features),
        notebook=nb, workdir=kernel.workdir, output_exceeded=output_exceeded,
        kernel_log=log,
    )


def _merge_streams(nb: nbformat.NotebookNode) -> None:
    """Join consecutive stream outputs of the same name (ipykernel sends one per flush), in linear time."""
    for cell in nb.cells:
        if not cell.get("outputs"):
            continue
        merged: list = []
        pieces: list[str] = []  # text of merged[-1] while it is a stream being extended
        for output in cell.outputs:
            last = merged[-1] if merged else None
            if (output.get("output_type") == "stream" and last is not None
                    and last.get("output_type") == "stream" and last.get("name") == output.get("name")):
                pieces.append(output["text"])
                continue
            if pieces:
                last["text"] = "".join(pieces)
            merged.append(output)
            pieces = [output["text"]] if output.get("output_type") == "stream" else []
        if pieces:
            merged[-1]["text"] = "".join(pieces)
        cell.outputs = merged


def _copy(nb) -> nbformat.NotebookNode:
    if not isinstance(nb, nbformat.NotebookNode):
        nb = nbformat.from_dict(nb)
    return copy.deepcopy(nb)


def execute_notebook(
    nb,
    workdir: Path,
    limits: Limits = Limits(),
    *,
    startup_files: Sequence[Path] = (),
    env_allow: Sequence[str] = DEFAULT_ENV_ALLOW,
    extra_env: Mapping[str, str] | None = None,
) -> ExecutionRecord:
    """Execute `nb` in a fresh kernel whose working folder is `workdir` (created; must be new or empty).

    `startup_files` run in the kernel, in order, before the first cell; their globals are the notebook's.
    The kernel's environment is built from `env_allow` plus `extra_env`, minus anything that looks like a
    credential. Everything the machine provides (`detect_isolation()`) is applied and listed in the
    record's `isolation`. Returns when the kernel and its private files are gone; never raises for what the
    notebook does."""
    started = time.monotonic()
    kernel = SandboxKernel(workdir, features=detect_isolation(), memory_mb=limits.memory_mb,
                           output_mb=limits.output_mb, startup_files=startup_files, env_allow=env_allow,
                           extra_env=extra_env)
    try:
        kernel.start()
        error = kernel.prepare()
    except BaseException:
        kernel.close()
        raise
    if error:
        return failed_start(kernel, nb, error, started)
    return run_on_kernel(kernel, nb, limits, started)
