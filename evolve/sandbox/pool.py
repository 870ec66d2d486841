"""Pre-started kernels: hide kernel start-up and a preload (e.g. `import tvb.simulator.lab`) from trials.

Contract: every kernel runs ONE notebook and is then killed, so each notebook still gets a fresh process,
a fresh folder and the same isolation as `execute_notebook`; the pool only moves the waiting off the
critical path. A kernel's folders are bound into its sandbox when it starts, so the pool chooses them: an
execution folder `root/notebook-NNNNN/` holding `work/` (the working folder) and `evidence/` (the
evidence dir, `$EVOLVE_EVIDENCE_DIR`), and the record's `workdir` and `evidence_dir` say where they are;
`execute(nb, workdir=..., evidence_dir=...)` moves them there once the kernel is gone (the execution
folder goes when both moved). Each notebook may bring its own timeouts (`execute(..., limits=)`); what a
kernel is started with (memory, output, disk, tasks) is the pool's. A background thread keeps `size` kernels ready; `close()` (or leaving the
`with` block) kills the idle ones. A record's `wall_s` runs from handing the notebook over. A pool root the
pool made itself (`evolve-pool-*` in the temp dir) carries an owner marker for `housekeeping`.
"""
from __future__ import annotations

import atexit
import contextlib
import itertools
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from . import housekeeping
from .environ import DEFAULT_ENV_ALLOW
from .isolation import detect_isolation
from .kernel import SandboxKernel
from .record import ExecutionRecord, Limits
from .runner import failed_start, run_on_kernel


class KernelPool:
    def __init__(
        self,
        size: int = 1,
        preload_code: str = "",
        limits: Limits = Limits(),
        startup_files: Sequence[Path] = (),
        *,
        env_allow: Sequence[str] = DEFAULT_ENV_ALLOW,
        extra_env: Mapping[str, str] | None = None,
        root: Path | None = None,
        state_env: Mapping[str, str] | None = None,
    ) -> None:
        if size < 1:
            raise ValueError("KernelPool size must be at least 1")
        self.size, self.preload_code, self.limits = size, preload_code, limits
        self.startup_files = [Path(p) for p in startup_files]
        self.env_allow, self.extra_env = tuple(env_allow), dict(extra_env or {})
        self.state_env = dict(state_env or {})  # the domain's state variables (SandboxKernel)
        self._own_root = root is None
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="evolve-pool-"))
        self.root.mkdir(parents=True, exist_ok=True)
        if self._own_root:
            housekeeping.write_marker(self.root)
        self._names = itertools.count()
        self._ready: queue.Queue = queue.Queue()  # (kernel, preparation error) or an exception
        self._wanted = threading.Semaphore(size)  # one permit per kernel the filler should start
        self._closed = threading.Event()
        self._starting: SandboxKernel | None = None  # being prepared; close() kills it rather than wait
        # One long-lived thread starts every kernel, so start-up never blocks execute().
        self._filler = threading.Thread(target=self._fill, name="kernel-pool-filler", daemon=True)
        self._filler.start()
        atexit.register(self.close)  # don't leave idle kernels' private dirs behind at interpreter exit

    @property
    def ready(self) -> int:
        """How many kernels are prepared and waiting (approximate, for scheduling and benchmarks)."""
        return self._ready.qsize()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until at least one kernel is waiting; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._ready.qsize() == 0:
            if self._closed.is_set() or (deadline is not None and time.monotonic() > deadline):
                return False
            time.sleep(0.05)
        return True

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _fresh_folder(self) -> Path:
        while True:
            folder = self.root / f"notebook-{next(self._names):05d}"
            if not folder.exists():
                return folder

    def _fill(self) -> None:
        while True:
            self._wanted.acquire()
            if self._closed.is_set():
                return
            folder = self._fresh_folder()
            try:
                kernel = SandboxKernel(folder / "work", features=detect_isolation(),
                                       memory_mb=self.limits.memory_mb, output_mb=self.limits.output_mb,
                                       disk_mb=self.limits.disk_mb, max_tasks=self.limits.max_tasks,
                                       startup_files=self.startup_files, evidence_dir=folder / "evidence",
                                       env_allow=self.env_allow, extra_env=self.extra_env,
                                       state_env=self.state_env)
            except Exception as exc:  # a broken configuration: tell every waiting execute()
                shutil.rmtree(folder, ignore_errors=True)
                self._ready.put(exc)
                continue
            try:
                self._starting = kernel.start()
                if self._closed.is_set():
                    kernel.kill()  # close() may have missed it; prepare() now returns at once
                error = kernel.prepare(self.preload_code)
            except Exception as exc:  # noqa: BLE001 - the sandbox could not run: that notebook's record says so
                error = f"startup: the sandboxed kernel could not be started: {type(exc).__name__}: {exc}"
            finally:
                self._starting = None
            self._ready.put((kernel, error))
            if self._closed.is_set():
                self._drain()
                return

    def execute(self, nb, workdir: Path | None = None, evidence_dir: Path | None = None,
                limits: Limits | None = None, importable: Mapping[str, bytes] | None = None) -> ExecutionRecord:
        """Run `nb` on a pre-started kernel (blocks until one is ready); see the module contract. `limits` may
        change the timeouts for this notebook (goals differ); the limits a kernel got when it started (memory,
        output, disk, tasks) must be the pool's, or ValueError. `importable` (relative path → content) is given
        to the kernel before the notebook runs (`SandboxKernel.provide`: read-only, importable)."""
        if self._closed.is_set():
            raise RuntimeError("KernelPool is closed")
        limits = limits or self.limits
        fixed = ("memory_mb", "output_mb", "disk_mb", "max_tasks")
        differ = [f"{name} {getattr(limits, name)} (pool: {getattr(self.limits, name)})" for name in fixed
                  if getattr(limits, name) != getattr(self.limits, name)]
        if differ:
            raise ValueError(f"these limits are set when a pooled kernel starts and cannot change: {', '.join(differ)}")
        for target in (workdir, evidence_dir):
            if target is not None and Path(target).exists() and any(Path(target).iterdir()):
                raise FileExistsError(f"workdir and evidence_dir must be new or empty: {target}")
        started = time.monotonic()
        item = self._ready.get()
        self._wanted.release()  # start its replacement while this notebook runs
        if isinstance(item, Exception):
            raise RuntimeError(f"KernelPool could not start a kernel: {item}") from item
        kernel, error = item
        if error is None and not kernel.alive:
            error = f"startup: kernel died while waiting in the pool ({kernel.describe_exit()})"
        if error is None and importable:
            try:
                kernel.provide(importable)
            except OSError as exc:
                error = f"startup: the importable modules could not be written: {exc}"
        record = failed_start(kernel, nb, error, started) if error else run_on_kernel(kernel, nb, limits, started)
        folder = kernel.workdir.parent
        if workdir is not None:
            record.workdir = _move(record.workdir, Path(workdir))
        if evidence_dir is not None and record.evidence_dir is not None:
            record.evidence_dir = _move(record.evidence_dir, Path(evidence_dir))
        with contextlib.suppress(OSError):
            folder.rmdir()  # both moved: nothing left in the execution folder
        return record

    def _drain(self) -> None:
        while True:
            try:
                item = self._ready.get_nowait()
            except queue.Empty:
                return
            if not isinstance(item, Exception):
                kernel = item[0]
                kernel.close()
                shutil.rmtree(kernel.workdir.parent, ignore_errors=True)  # never handed out: nothing to keep

    def close(self) -> None:
        """Kill the idle kernels and remove their (unused) folders; executed folders are kept."""
        if self._closed.is_set():
            return
        self._closed.set()
        atexit.unregister(self.close)
        self._wanted.release()  # wake the filler so it sees the flag
        starting = self._starting
        if starting is not None:
            starting.kill()
        self._filler.join()
        self._drain()
        if self._own_root and not any(p.name != housekeeping.MARKER for p in self.root.iterdir()):
            shutil.rmtree(self.root, ignore_errors=True)


def _move(source: Path, target: Path) -> Path:
    if target.exists():
        if any(target.iterdir()):
            raise FileExistsError(f"workdir must be new or empty: {target}")
        target.rmdir()
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(shutil.move(str(source), str(target))).resolve()
