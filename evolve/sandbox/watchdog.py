"""Enforces `Limits` on a running kernel from a thread of the caller's process.

Contract: between `start()` and `stop()`, every `POLL_S` the watchdog checks the current cell's and the
notebook's deadlines, the size of the kernel's log, the memory and the processes+threads of the kernel's
process tree, and (every `DISK_POLL_S` at most) the bytes the notebook wrote; on a breach it records why
(`trip`, a `Trip` of kind memory | timeout | output | tasks | disk) and kills the whole tree. nbclient then
sees a dead kernel, and the runner reports the recorded reason instead of "kernel died". The first trip
wins: a kill's consequences do not overwrite its cause. `final_check()` measures tasks and disk once more
when the notebook has ended (a notebook that hit RLIMIT_NPROC or RLIMIT_FSIZE gets an error in its cell
before the next poll). It is a thread of ours, so it only runs while nothing holds the GIL for long: never
process kernel output with super-linear code in the caller (see runner._merge_streams).

What counts (`MemoryUse`, `tree_memory`):
- memory = proportional set size (PSS: a page shared by N processes counts 1/N in each, so forked workers
  sharing a big array count it once) of every process, plus memory that belongs to no process's pages:
  memfd and deleted tmpfs files held open or mapped by any process of the tree (each inode once, by its
  allocated blocks), SysV shared memory of the sandbox's IPC namespace and the usage of its /dev/shm.
  PSS comes from /proc/<pid>/smaps_rollup, which costs ~1 ms per process (RSS ~0.01 ms); RSS is an upper
  bound of PSS, so each poll sums RSS and reads PSS only when the bound (or the last PSS plus RSS growth
  since) exceeds the limit, at most every `PSS_MIN_S`. The memory files cost a walk of /proc/<pid>/fd and
  /proc/<pid>/maps (~0.4 ms per process), refreshed every `FILES_POLL_S`. A file both held and mapped
  with touched pages is counted twice (conservative). Unreadable PSS falls back to RSS;
- tasks = threads of every process of the tree (a process counts its threads, at least 1); the limit is
  reached at `max_tasks` (where RLIMIT_NPROC also applies, that is where it stops growing);
- disk = allocated bytes under the kernel's writable dirs (`kernel.writable_dirs`: workdir, evidence, private
  /tmp, state, ipc; a scandir walk, links not followed, each inode once, each entry at least `ENTRY_BYTES`
  so a million empty files count too) plus deleted files on disk that the tree holds open. The walk is
  spaced to take at most a fifth of the time.

Why a watchdog and not only rlimits: RLIMIT_AS is per process and counts address space, not memory
(numba/llvmlite and thread arenas reserve far more than they use); RLIMIT_NPROC counts per uid; the
watchdog sees the real footprint of the whole tree, children included. Why not a cgroup: see the package
docstring.
"""
from __future__ import annotations

import contextlib
import os
import re
import stat
import threading
import time
from dataclasses import dataclass

import psutil

from .kernel import SandboxKernel
from .record import Limits, TripKind

POLL_S = 0.1
PSS_MIN_S = 0.2
PSS_REFRESH_S = 2.0
FILES_POLL_S = 0.25
DISK_POLL_S = 0.5
ENTRY_BYTES = 4096
_MB = 2**20


@dataclass(frozen=True)
class Trip:
    kind: TripKind
    message: str
    cell: int | None


@dataclass(frozen=True)
class MemoryUse:
    processes: int  # bytes: PSS (or RSS) summed over the tree
    files: int  # bytes: memory files, SysV shm, /dev/shm

    @property
    def total(self) -> int:
        return self.processes + self.files


class Watchdog:
    def __init__(self, kernel: SandboxKernel, limits: Limits, *, watch_memory: bool = True,
                 watch_tasks: bool = True, watch_disk: bool = True) -> None:
        self.kernel = kernel
        self.limits = limits
        self.watch_memory, self.watch_tasks, self.watch_disk = watch_memory, watch_tasks, watch_disk
        self.trip_: Trip | None = None
        self.peak_memory_mb = 0.0
        self._cell: int | None = None
        self._cell_deadline: float | None = None
        self._total_deadline: float | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-watchdog", daemon=True)
        self._meter = _Meter(kernel)
        self._next_disk = 0.0

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

    def trip(self, kind: TripKind, message: str) -> None:
        """Record why the kernel must die, then kill it (the first reason wins)."""
        with self._lock:
            if self.trip_ is None:
                self.trip_ = Trip(kind, message, self._cell)
        self.kernel.kill()

    def final_check(self) -> None:
        """Tasks and disk once more, now (call before the kernel is killed: tasks need live processes)."""
        if self.trip_ is None and self.watch_tasks:
            self._check_tasks(self._meter.processes(refresh=True))
        if self.trip_ is None and self.watch_disk:
            self._check_disk(force=True)

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
            else:
                procs = self._meter.processes(refresh=True)
                if self.watch_tasks:
                    self._check_tasks(procs)
                if self.trip_ is None and self.watch_memory:
                    self._check_memory()
                if self.trip_ is None and self.watch_disk:
                    self._check_disk()

    def _check_tasks(self, procs: list[psutil.Process]) -> None:
        tasks = _count_tasks(procs)
        if tasks >= self.limits.max_tasks:
            self.trip("tasks", f"tasks: the notebook's processes and threads reached the limit of "
                               f"{self.limits.max_tasks} ({tasks} running in cell {self._cell}); "
                               "start fewer threads or worker processes")

    def _check_memory(self) -> None:
        limit = self.limits.memory_mb * _MB
        use = self._meter.memory(limit)
        if use is None:
            return
        self.peak_memory_mb = max(self.peak_memory_mb, use.total / _MB)
        if use.total > limit:
            detail = f"; {use.files / _MB:.0f} MB of it in memory files" if use.files >= _MB else ""
            self.trip("memory", f"memory: exceeded {self.limits.memory_mb} MB (the kernel's processes used "
                                f"{use.total / _MB:.0f} MB in cell {self._cell}{detail})")

    def _check_disk(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now < self._next_disk:
            return
        used = disk_usage(self.kernel.writable_dirs) + self._meter.deleted_disk_bytes()
        spent = time.monotonic() - now
        self._next_disk = time.monotonic() + max(DISK_POLL_S, 4 * spent)
        limit = self.limits.disk_mb * _MB
        if used >= limit:
            self.trip("disk", f"disk: the notebook's files reached the limit of {self.limits.disk_mb} MB "
                              f"({used / _MB:.0f} MB in its folder, the evidence dir and /tmp, in cell "
                              f"{self._cell})")


def _count_tasks(procs: list[psutil.Process]) -> int:
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            total += max(1, proc.num_threads())
    return total


class _Meter:
    """Measurements of one kernel's tree, with the caching that keeps them cheap (see the module docstring)."""

    def __init__(self, kernel: SandboxKernel) -> None:
        self.kernel = kernel
        self._procs: list[psutil.Process] = []
        self._pss: int | None = None
        self._rss_at_pss = 0
        self._pss_at = float("-inf")
        self._files = 0
        self._deleted_disk = 0
        self._files_at = float("-inf")
        self._tmpfs_devs: set[int] | None = None

    def processes(self, refresh: bool = False) -> list[psutil.Process]:
        if refresh or not self._procs:
            self._procs = self.kernel.processes()
        return self._procs

    def memory(self, limit: int) -> MemoryUse | None:
        """The tree's memory; PSS is read only when RSS (an upper bound) says it matters, and a trip is only
        ever decided on a measured PSS."""
        procs = self.processes()
        if not procs:
            return None
        now = time.monotonic()
        if now - self._files_at >= FILES_POLL_S:
            self._files, self._deleted_disk = self._memory_files(procs)
            self._files_at = now
        rss = sum(_rss(proc) for proc in procs)
        bound = rss if self._pss is None else min(rss, self._pss + max(0, rss - self._rss_at_pss))
        if bound + self._files > limit or now - self._pss_at >= PSS_REFRESH_S:
            if self._pss is None or now - self._pss_at >= PSS_MIN_S:  # (None only before the first: -inf)
                self._pss, self._rss_at_pss, self._pss_at = sum(_pss(proc) for proc in procs), rss, now
            return MemoryUse(self._pss, self._files)
        return MemoryUse(bound, self._files)

    def deleted_disk_bytes(self) -> int:
        """Bytes of deleted files on disk held open by the tree (as of the last memory-files walk)."""
        if time.monotonic() - self._files_at >= FILES_POLL_S:
            procs = self.processes()
            if procs:
                self._files, self._deleted_disk = self._memory_files(procs)
                self._files_at = time.monotonic()
        return self._deleted_disk

    def _memory_files(self, procs: list[psutil.Process]) -> tuple[int, int]:
        """(bytes in memory files + SysV shm + /dev/shm, bytes in deleted files on disk) of the tree."""
        # A process inside the sandbox's namespaces: under bubblewrap the tree's root (bwrap) stays outside.
        inside = procs[1].pid if "pid-namespace" in self.kernel.features and len(procs) > 1 else procs[0].pid
        shm_dev = None
        extra = 0
        if inside is not None and "mount-allowlist" in self.kernel.features:
            shm = f"/proc/{inside}/root/dev/shm"
            try:
                shm_dev = os.stat(shm).st_dev
                vfs = os.statvfs(shm)
                extra += (vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize
            except OSError:
                pass
        if inside is not None and "pid-namespace" in self.kernel.features:  # the sandbox's own IPC namespace
            extra += _sysv_shm_bytes(inside)
        if self._tmpfs_devs is None and inside is not None:
            self._tmpfs_devs = _tmpfs_devices(inside)
        tmpfs = self._tmpfs_devs or set()
        seen: set[tuple[int, int]] = set()
        memory = disk = 0
        for proc in procs:
            for link, path in _held_files(proc.pid):
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                key = (st.st_dev, st.st_ino)
                if key in seen or st.st_dev == shm_dev:  # /dev/shm: counted whole above
                    continue
                seen.add(key)
                size = st.st_blocks * 512
                if link.startswith("/memfd:") or st.st_dev in tmpfs:
                    memory += size
                elif link.endswith(" (deleted)") and not _is_socket_or_pipe(st.st_mode):
                    disk += size
        return memory + extra, disk


def _rss(proc: psutil.Process) -> int:
    try:
        return proc.memory_info().rss
    except psutil.Error:
        return 0


def _pss(proc: psutil.Process) -> int:
    try:
        with open(f"/proc/{proc.pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return _rss(proc)


def _is_socket_or_pipe(mode: int) -> bool:
    return stat.S_ISSOCK(mode) or stat.S_ISFIFO(mode)


_MAP_LINE = re.compile(rb"^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s+(/.*)$", re.M)


def _held_files(pid: int):
    """(description, path to stat) of every memfd or deleted file that `pid` holds open or maps."""
    fd_dir = f"/proc/{pid}/fd"
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        fds = []
    for fd in fds:
        try:
            link = os.readlink(f"{fd_dir}/{fd}")
        except OSError:
            continue
        if link.startswith("/memfd:") or link.endswith(" (deleted)"):
            yield link, f"{fd_dir}/{fd}"
    try:
        with open(f"/proc/{pid}/maps", "rb") as maps:
            data = maps.read()
    except OSError:
        return
    if b"/memfd:" not in data and b"(deleted)" not in data:
        return
    for match in _MAP_LINE.finditer(data):
        name = match.group(3).decode(errors="replace")
        if name.startswith("/memfd:") or name.endswith(" (deleted)"):
            # map_files needs CAP_SYS_ADMIN (root); without it such mappings are missed
            yield name, f"/proc/{pid}/map_files/{match.group(1).decode()}-{match.group(2).decode()}"


def _sysv_shm_bytes(pid: int) -> int:
    """Resident + swapped bytes of the SysV shared memory segments in `pid`'s IPC namespace."""
    try:
        with open(f"/proc/{pid}/sysvipc/shm") as table:
            header, *rows = table.read().splitlines()
    except (OSError, ValueError):
        return 0
    columns = header.split()
    total = 0
    for row in rows:
        fields = dict(zip(columns, row.split(), strict=False))
        with contextlib.suppress(ValueError):
            total += int(fields.get("rss", 0)) + int(fields.get("swap", 0))
    return total


def _tmpfs_devices(pid: int) -> set[int]:
    """st_dev of every tmpfs mounted in `pid`'s mount namespace (a deleted file there is memory, not disk)."""
    devices = set()
    try:
        with open(f"/proc/{pid}/mountinfo") as mounts:
            for line in mounts:
                fields = line.split()
                fstype = fields[fields.index("-") + 1] if "-" in fields else ""
                if fstype == "tmpfs":
                    major, minor = fields[2].split(":")
                    devices.add(os.makedev(int(major), int(minor)))
    except (OSError, ValueError, IndexError):
        pass
    return devices


def disk_usage(folders: list) -> int:
    """Allocated bytes under `folders` (links not followed, each inode once, each entry >= ENTRY_BYTES)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    stack = [os.fspath(folder) for folder in folders]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if (st.st_dev, st.st_ino) in seen:
                        continue
                    seen.add((st.st_dev, st.st_ino))
                    total += max(st.st_blocks * 512, ENTRY_BYTES)
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
        except OSError:
            continue
    return total
