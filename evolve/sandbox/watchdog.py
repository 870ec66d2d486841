"""Enforces `Limits` on a running kernel from a thread of the caller's process.

Contract: between `start()` and `stop()`, every `POLL_S` the watchdog checks the current cell's and the
notebook's deadlines, the size of the kernel's log and the summed RSS of the kernel's process tree; on a
breach it records why (`trip`) and kills the whole tree. nbclient then sees a dead kernel, and the runner
reports the recorded reason instead of "kernel died". The first trip wins: a kill's consequences do not
overwrite its cause. It is a thread of ours, so it only runs while nothing holds the GIL for long: never
process kernel output with super-linear code in the caller (see runner._merge_streams).

Why a watchdog and not only RLIMIT_AS: RLIMIT_AS is per process and counts address space, not memory
(numba/llvmlite and thread arenas reserve far more than they use); the watchdog sees the real footprint of
the whole tree, children included. Why not a cgroup: see the package docstring.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import psutil

from .kernel import SandboxKernel
from .record import Limits

POLL_S = 0.1


@dataclass(frozen=True)
class Trip:
    kind: str  # "memory", "timeout" or "output"
    message: str
    cell: int | None


class Watchdog:
    def __init__(self, kernel: SandboxKernel, limits: Limits, *, watch_memory: bool = True) -> None:
        self.kernel = kernel
        self.limits = limits
        self.watch_memory = watch_memory
        self.trip_: Trip | None = None
        self.peak_rss_mb = 0.0
        self._cell: int | None = None
        self._cell_deadline: float | None = None
        self._total_deadline: float | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-watchdog", daemon=True)

    def start(self) -> Watchdog:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def cell_started(self, index: int) -> None:
        """Called as each code cell is sent; the notebook's clock starts with its first cell."""
        now = time.monotonic()
        with self._lock:
            self._cell = index
            self._cell_deadline = now + self.limits.cell_timeout_s
            if self._total_deadline is None:
                self._total_deadline = now + self.limits.total_timeout_s

    @property
    def cell(self) -> int | None:
        return self._cell

    def trip(self, kind: str, message: str) -> None:
        """Record why the kernel must die, then kill it (the first reason wins)."""
        with self._lock:
            if self.trip_ is None:
                self.trip_ = Trip(kind, message, self._cell)
        self.kernel.kill()

    def _run(self) -> None:
        while not self._stop.wait(POLL_S):
            if self.trip_ is not None or not self.kernel.alive:
                return
            now = time.monotonic()
            with self._lock:
                cell, cell_deadline, total_deadline = self._cell, self._cell_deadline, self._total_deadline
            if total_deadline is not None and now > total_deadline:
                self.trip("timeout", f"timeout: notebook exceeded {self.limits.total_timeout_s:g} s "
                                     f"(stopped in cell {cell})")
            elif cell_deadline is not None and now > cell_deadline:
                self.trip("timeout", f"timeout: cell {cell} exceeded {self.limits.cell_timeout_s:g} s")
            elif self.kernel.log_size() > self.limits.output_mb << 20:
                # Output written straight to the kernel's stdout/stderr file descriptors lands in its log.
                self.trip("output", f"output: the kernel's log exceeded {self.limits.output_mb} MB "
                                    f"(stopped in cell {cell})")
            elif self.watch_memory:
                rss_mb = _tree_rss(self.kernel) / 2**20
                self.peak_rss_mb = max(self.peak_rss_mb, rss_mb)
                if rss_mb > self.limits.memory_mb:
                    self.trip("memory", f"memory: exceeded {self.limits.memory_mb} MB (the kernel's processes "
                                        f"used {rss_mb:.0f} MB in cell {cell})")


def _tree_rss(kernel: SandboxKernel) -> int:
    total = 0
    for proc in kernel.processes():
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            pass
    return total
