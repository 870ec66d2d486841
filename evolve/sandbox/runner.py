"""Run one notebook on one prepared `SandboxKernel` with nbclient, and turn what happened into a record;
`execute_notebook` is the cold path (start a kernel, prepare it, run, clean up).

Contract of `run_on_kernel`: it owns the kernel from then on. It runs every cell in order (stopping at the
first error, whatever the cell's tags say), enforces the limits through a `Watchdog`, and always kills the
kernel and removes its private dir before returning. It never raises for anything the notebook does; it
re-raises KeyboardInterrupt if the caller was interrupted (nbclient turns SIGINT into a kernel shutdown).

Everything the kernel sends is the notebook's: it can send any message with any content (it holds the
session key). A message nbclient cannot process (a display with non-string data, JSON nested 10,000 deep,
a stream with a made-up name, ...) ends the run as the notebook's error ("notebook error: the notebook
sent a malformed display message: ..."); the bad output is dropped and the returned notebook can always be
written with nbformat (`_make_writable`). A kernel that could not start, or whose startup files or preload
failed, is the machinery's failure: `failed_start` sets `infrastructure_error`.
"""
from __future__ import annotations

import asyncio
import atexit
import copy
import json
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellControlSignal, CellExecutionError, CellTimeoutError, DeadKernelError

from .environ import DEFAULT_ENV_ALLOW
from .isolation import detect_isolation
from .kernel import MALFORMED, OUTPUT_LIMIT_ERROR, SandboxKernel
from .record import ExecutionRecord, Limits, format_error, text
from .watchdog import Watchdog

# Messages whose content ends up in the notebook (and so in the caller's memory).
_OUTPUT_MESSAGES = {"stream", "display_data", "execute_result", "error", "update_display_data",
                    "comm_open", "comm_msg"}
_DISPLAY_MESSAGES = {"display_data", "execute_result", "update_display_data"}
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
            # nbclient annotates km as a KernelManager but uses only _Manager's slice on a kernel it does not own
            nb, km=km,  # pyright: ignore[reportArgumentType]
            timeout=int(limits.cell_timeout_s) + _BACKSTOP_S, allow_errors=False,
            # Not nbclient's coalesce_streams: its \r/\b regexes are quadratic on a long line and hold the
            # GIL for minutes on a 1 MB print (the watchdog thread included). See _merge_streams.
            force_raise_errors=True, coalesce_streams=False, startup_timeout=60, record_timing=False,
            on_cell_execute=self._on_cell_execute, on_cell_error=self._on_cell_error,
        )
        self.watchdog = watchdog
        self.sandbox_kernel = km.kernel  # not via self.km: nbclient drops that on SIGINT
        self.output_cap = limits.output_mb << 20
        self.output_bytes = 0
        self.error_content: dict[str, Any] | None = None
        self.error_cell: int | None = None
        self.malformed: tuple[int, str] | None = None  # (cell, error text): the first malformed message

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
        outputs = cell.get("outputs")
        before = len(outputs) if isinstance(outputs, list) else 0
        try:
            content = msg["content"]
            if isinstance(content, dict) and MALFORMED in content:  # the kernel's JSON could not be decoded
                raise _Undecodable(f"its JSON could not be decoded ({content[MALFORMED]})")
            if msg["msg_type"] in _OUTPUT_MESSAGES:
                self.output_bytes += len(json.dumps(content, default=str))
                if self.output_bytes > self.output_cap:
                    self.watchdog.trip("output", f"output: cell outputs exceeded {self.output_cap >> 20} MB "
                                                 f"(stopped in cell {cell_index})")
                    return None
            return super().process_message(msg, cell, cell_index)
        except CellControlSignal:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever nbclient/nbformat raise on content the notebook made
            if isinstance(outputs, list):
                del outputs[before:]  # an output appended before the failure
            kind = msg.get("msg_type") if isinstance(msg, dict) else None
            what = "display" if kind in _DISPLAY_MESSAGES else text(kind) if kind else "kernel"
            if self.malformed is None:
                self.malformed = (cell_index, f"notebook error: the notebook sent a malformed {what} message: "
                                              f"{_one_line(exc)}")
            self.sandbox_kernel.kill()  # ends the cell now; the runner reports self.malformed
            return None


class _Undecodable(ValueError):
    pass


def _one_line(exc: BaseException) -> str:
    try:  # str() of a validation error renders the offending (notebook-made) instance
        message = str(exc).strip()
    except Exception:  # noqa: BLE001
        message = ""
    first = message.splitlines()[0] if message else ""
    if isinstance(exc, _Undecodable):
        return first
    return f"{type(exc).__name__}: {first}"[:500] if first else type(exc).__name__


def failed_start(kernel: SandboxKernel, nb, error: str, started: float) -> ExecutionRecord:
    """The record for a kernel whose start-up or preparation failed (no cell ran): an infrastructure error."""
    log = kernel.close()
    return ExecutionRecord(executed=False, error=error, error_cell=None, timed_out=False, memory_exceeded=False,
                           wall_s=time.monotonic() - started, isolation=list(kernel.features),
                           notebook=_copy(nb), workdir=kernel.workdir, kernel_log=log,
                           evidence_dir=kernel.evidence_dir, infrastructure_error=error)


def run_on_kernel(kernel: SandboxKernel, nb, limits: Limits, started: float) -> ExecutionRecord:
    """Execute `nb` on the prepared `kernel` (see the module contract)."""
    manager = _Manager(kernel)
    features = kernel.features
    watchdog = Watchdog(kernel, limits, watch_memory="memory-watchdog" in features,
                        watch_tasks="task-watchdog" in features, watch_disk="disk-watchdog" in features)
    client: _Client | None = None
    error: str | None = None
    error_cell: int | None = None
    unexpected = False
    memory_exceeded = timed_out = output_exceeded = False
    try:
        nb = _copy(nb)
        client = _Client(nb, manager, watchdog, limits)
        watchdog.start()
        client.execute()
    except CellExecutionError:
        assert client is not None, "only client.execute() raises CellExecutionError"
        content = client.error_content if isinstance(client.error_content, dict) else {}
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
    except Exception as exc:  # noqa: BLE001
        error_cell = watchdog.cell
        if type(exc) is RuntimeError:  # nbclient: the client could not reach the kernel
            error = f"kernel died: {exc} ({kernel.describe_exit()})"
        else:  # raised on something the kernel sent (e.g. JSON too deep to decode): the notebook's doing
            unexpected = True
            error = f"notebook error: the kernel sent a message the executor could not process: {_one_line(exc)}"
    finally:
        watchdog.stop()
        if not manager.shutdown_requested:
            watchdog.final_check()  # hit RLIMIT_NPROC / RLIMIT_FSIZE before a poll saw it?
        if client is not None:
            # nbclient leaves this registered when the client fails to start; at exit it would assert.
            atexit.unregister(client._cleanup_kernel)
            if client.kc is not None:
                client.kc.stop_channels()
        log = kernel.close()
    _make_writable(nb, thorough=unexpected or (client is not None and client.malformed is not None))
    _merge_streams(nb)
    trip = watchdog.trip_
    if trip is not None:  # the watchdog's reason beats what its kill looked like from nbclient's side
        error, error_cell = trip.message, trip.cell
        timed_out, memory_exceeded = trip.kind == "timeout", trip.kind == "memory"
        output_exceeded = trip.kind == "output"
    elif client is not None and client.malformed is not None:
        error_cell, error = client.malformed
    elif error is not None and error.startswith("kernel died"):
        if manager.shutdown_requested:
            raise KeyboardInterrupt("notebook execution interrupted")
        if log:
            error += "\n" + log
    ended = time.monotonic()
    kernel_start_s, imports_s, execution_s = split_wall(kernel, started, ended)
    return ExecutionRecord(
        executed=error is None, error=error, error_cell=error_cell, timed_out=timed_out,
        memory_exceeded=memory_exceeded, wall_s=ended - started, isolation=list(kernel.features),
        notebook=nb, workdir=kernel.workdir, output_exceeded=output_exceeded,
        kernel_log=log, evidence_dir=kernel.evidence_dir, limit_exceeded=trip.kind if trip else None,
        kernel_start_s=kernel_start_s, imports_s=imports_s, execution_s=execution_s,
    )


def split_wall(kernel: SandboxKernel, started: float, ended: float) -> tuple[float, float, float]:
    """(kernel start, imports, execution) seconds of the span started → ended: what of the kernel's start and
    preparation happened after `started` (a pooled kernel prepared before the notebook arrived costs it 0)."""
    ready = kernel.ready_at if kernel.ready_at is not None else started
    prepared = kernel.prepared_at if kernel.prepared_at is not None else ready
    begun = max(started, kernel.started_at if kernel.started_at is not None else started)
    kernel_start = max(0.0, ready - begun)
    imports = max(0.0, prepared - max(started, ready))
    return kernel_start, imports, max(0.0, ended - max(started, prepared))


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
            if pieces:  # (merged[-1] is `last`, the stream being extended)
                merged[-1]["text"] = "".join(pieces)
            merged.append(output)
            pieces = [output["text"]] if output.get("output_type") == "stream" else []
        if pieces:
            merged[-1]["text"] = "".join(pieces)
        cell.outputs = merged


_MIME_TEXT_ONLY = re.compile(r"^(?!application/(.+\+)?json$).*$")


def _valid_output(output: Any) -> bool:
    """A cheap structural check of one output against the nbformat 4 schema (nbclient validated it when it
    was created; this catches what reached it otherwise). JSON mime data must also be serializable."""
    if not isinstance(output, dict):
        return False
    kind = output.get("output_type")
    if kind == "stream":
        return output.get("name") in ("stdout", "stderr") and isinstance(output.get("text"), str)
    if kind == "error":
        return (isinstance(output.get("ename"), str) and isinstance(output.get("evalue"), str)
                and isinstance(output.get("traceback"), list)
                and all(isinstance(line, str) for line in output["traceback"]))
    if kind in ("display_data", "execute_result"):
        data, metadata = output.get("data"), output.get("metadata", {})
        if not isinstance(data, dict) or not isinstance(metadata, dict):
            return False
        if kind == "execute_result" and not isinstance(output.get("execution_count"), (int, type(None))):
            return False
        for mime, value in data.items():
            textual = isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
            if _MIME_TEXT_ONLY.match(mime) and not textual:
                return False
        try:
            json.dumps(data)
            json.dumps(metadata)
        except (RecursionError, TypeError, ValueError):
            return False
        return True
    return False


def _make_writable(nb: nbformat.NotebookNode, thorough: bool) -> None:
    """Ensure nbformat can write `nb`: execution counts are ints (a forged message can set them to
    anything), and, when something malformed was seen, every output is checked and a bad one replaced by
    a note."""
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        if not isinstance(cell.get("execution_count"), (int, type(None))) or isinstance(cell.execution_count, bool):
            cell.execution_count = None
        if thorough:
            cell.outputs = [output if _valid_output(output) else nbformat.v4.new_output(
                "stream", name="stderr", text="[a malformed output was dropped]\n") for output in cell.outputs]
    if thorough:
        try:
            json.dumps(nb.metadata)
        except (RecursionError, TypeError, ValueError):
            nb.metadata.pop("widgets", None)


def _copy(nb) -> nbformat.NotebookNode:
    if not isinstance(nb, nbformat.NotebookNode):
        nb = nbformat.from_dict(nb)
        assert isinstance(nb, nbformat.NotebookNode), "from_dict makes a NotebookNode of a dict"
    return copy.deepcopy(nb)


def execute_notebook(
    nb,
    workdir: Path,
    limits: Limits = Limits(),
    *,
    startup_files: Sequence[Path] = (),
    evidence_dir: Path | None = None,
    env_allow: Sequence[str] = DEFAULT_ENV_ALLOW,
    extra_env: Mapping[str, str] | None = None,
    importable: Mapping[str, bytes] | None = None,
    state_env: Mapping[str, str] | None = None,
) -> ExecutionRecord:
    """Execute `nb` in a fresh kernel whose working folder is `workdir` (created; must be new or empty).

    `startup_files` run in the kernel, in order, before the first cell (their globals are the notebook's),
    and in every other Python process started in the sandbox. `evidence_dir` (created; new or empty) is
    writable by the kernel and named in its `$EVOLVE_EVIDENCE_DIR`. The kernel's environment is built from
    `env_allow` plus `extra_env`, minus anything that looks like a credential; the domain's `state_env` (name ->
    sub-folder) point into the kernel's private state dir. Everything the machine
    provides (`detect_isolation()`) is applied and listed in the record's `isolation`. Returns when the
    kernel and its private files are gone; never raises for what the notebook does (a kernel that cannot
    start is a record with `infrastructure_error`). `importable` (relative path → content) is importable by the
    notebook, read-only (`SandboxKernel.provide`)."""
    started = time.monotonic()
    kernel = SandboxKernel(workdir, features=detect_isolation(), memory_mb=limits.memory_mb,
                           output_mb=limits.output_mb, disk_mb=limits.disk_mb, max_tasks=limits.max_tasks,
                           startup_files=startup_files, evidence_dir=evidence_dir, env_allow=env_allow,
                           extra_env=extra_env, state_env=state_env)
    try:
        if importable:
            kernel.provide(importable)
        kernel.start()
        error = kernel.prepare()
    except Exception as exc:  # noqa: BLE001 - e.g. the sandbox command could not be run at all
        error = f"startup: the sandboxed kernel could not be started: {_one_line(exc)}"
    except BaseException:
        kernel.close()
        raise
    if error:
        return failed_start(kernel, nb, error, started)
    return run_on_kernel(kernel, nb, limits, started)
