"""Clean-up of what the sandbox leaves behind when its owner dies, and of old execution folders.

Contract:
- every kernel's private dir (`evolve-kernel-*`) and a pool's own root (`evolve-pool-*`) hold a marker
  (`MARKER`) naming the owning process (pid + start time) and, once started, the kernel's sandbox process;
- `sweep_stale_kernels(tmp_root)` removes such folders in `tmp_root` (default: the temp dir) whose owner is
  dead, after killing the recorded kernel process tree if it is still alive and still ours (same pid, same
  start time, our uid). A folder without a readable marker (e.g. an isolation probe's `evolve-probe-*`)
  counts as stale only when older than `UNMARKED_STALE_S` (it may be one being created right now).
  Returns the removed folders;
- `prune_executions(root, keep)` keeps the newest `keep` execution folders (folders holding a `work/`
  folder, up to a few levels below `root`, by modification time) and removes the others and the folders
  they leave empty; 0 keeps all. It never follows a symbolic link and never
  touches anything outside `root`. Returns the removed folders.

Start times are psutil's (seconds since the epoch, as computed from /proc): a pid reused by another
process has another start time, so a stale marker never leads to killing a stranger.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path

import psutil

MARKER = ".evolve-owner.json"
PATTERNS = ("evolve-kernel-*", "evolve-pool-*", "evolve-probe-*")
UNMARKED_STALE_S = 3600.0
_SAME_START_S = 0.05  # psutil's start times for one process agree to the clock tick


def _start_time(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except (psutil.Error, ValueError):
        return None


def write_marker(folder: Path, *, kernel_pid: int | None = None) -> None:
    """Record this process as the owner of `folder` (and the kernel's sandbox process, when given)."""
    data = {"owner_pid": os.getpid(), "owner_start": _start_time(os.getpid())}
    if kernel_pid is not None:
        data.update(kernel_pid=kernel_pid, kernel_start=_start_time(kernel_pid))
    partial = Path(folder) / (MARKER + ".partial")
    partial.write_text(json.dumps(data))
    partial.replace(Path(folder) / MARKER)  # atomic: a reader sees the old marker or the new one


def read_marker(folder: Path) -> dict | None:
    try:
        data = json.loads((Path(folder) / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _ours(pid: object, start: object) -> psutil.Process | None:
    """The live process `pid` if it is the one that was recorded (same start time) and runs as our uid."""
    if not isinstance(pid, int) or not isinstance(start, (int, float)):
        return None
    try:
        proc = psutil.Process(pid)
        if abs(proc.create_time() - start) > _SAME_START_S or proc.uids().real != os.getuid():
            return None
        return None if proc.status() == psutil.STATUS_ZOMBIE else proc
    except psutil.Error:
        return None


def _alive(pid: object, start: object) -> bool:
    if not isinstance(pid, int) or not isinstance(start, (int, float)):
        return False
    current = _start_time(pid)
    return current is not None and abs(current - start) <= _SAME_START_S


def _kill_tree(proc: psutil.Process) -> None:
    try:
        tree = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        tree = [proc]
    for member in tree:
        with contextlib.suppress(psutil.Error):
            member.kill()
    psutil.wait_procs(tree, timeout=5)


def is_stale(folder: Path, now: float | None = None) -> bool:
    """True if `folder` (a kernel's private dir or a pool's root) belongs to nobody alive."""
    marker = read_marker(folder)
    if marker is None:
        try:
            age = (time.time() if now is None else now) - Path(folder).lstat().st_mtime
        except OSError:
            return False
        return age > UNMARKED_STALE_S
    return not _alive(marker.get("owner_pid"), marker.get("owner_start"))


def sweep_stale_kernels(tmp_root: Path | None = None) -> list[Path]:
    """Remove stale kernel private dirs and pool roots under `tmp_root` (see the module contract)."""
    root = Path(tmp_root if tmp_root is not None else tempfile.gettempdir())
    removed: list[Path] = []
    candidates = sorted({path for pattern in PATTERNS for path in root.glob(pattern)})
    for folder in candidates:
        if folder.is_symlink() or not folder.is_dir() or not is_stale(folder):
            continue
        marker = read_marker(folder) or {}
        kernel = _ours(marker.get("kernel_pid"), marker.get("kernel_start"))
        if kernel is not None:
            _kill_tree(kernel)
        _remove_tree(folder)
        if not folder.exists():
            removed.append(folder)
    return removed


def prune_executions(root: Path, keep: int, *, max_depth: int = 4) -> list[Path]:
    """Keep the newest `keep` execution folders under `root`; remove the rest (see the module contract).

    An execution folder is a folder holding a `work/` folder (the layout `evolve.evaluation` makes), found at
    most `max_depth` levels below `root` (runs nest them: <run>/<trial>/turn-N). Folders left empty by the
    removal are removed too, up to (not including) `root`."""
    if keep <= 0:
        return []
    root = Path(root)
    folders = sorted(_execution_folders(root, max_depth), key=lambda item: (item[0], str(item[1])), reverse=True)
    removed = []
    for _, folder in folders[keep:]:
        _remove_tree(folder)
        removed.append(folder)
        parent = folder.parent
        while parent != root and root in parent.parents:
            try:
                parent.rmdir()  # only when empty
            except OSError:
                break
            parent = parent.parent
    return removed


def _execution_folders(folder: Path, depth: int) -> list[tuple[float, Path]]:
    """(mtime, path) of every execution folder strictly below `folder`, never following a link."""
    found: list[tuple[float, Path]] = []
    if depth <= 0:
        return found
    try:
        entries = [entry for entry in os.scandir(folder) if entry.is_dir(follow_symlinks=False)]
    except OSError:
        return found
    for entry in entries:
        path = Path(entry.path)
        try:
            if os.path.isdir(path / "work") and not os.path.islink(path / "work"):
                found.append((entry.stat(follow_symlinks=False).st_mtime, path))
            else:
                found += _execution_folders(path, depth - 1)
        except OSError:
            continue
    return found


def _remove_tree(folder: Path) -> None:
    """rmtree that does not follow links (shutil's fd-based walk) and makes read-only dirs writable on the
    way (a notebook may chmod its folders; as root this never triggers)."""
    def retry(function, path, _exc_info):
        try:
            parent = os.path.dirname(path)
            os.chmod(parent, os.lstat(parent).st_mode | stat.S_IRWXU)
            if not os.path.islink(path) and os.path.isdir(path):
                os.chmod(path, os.lstat(path).st_mode | stat.S_IRWXU)
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
        except OSError:
            pass
    shutil.rmtree(folder, onerror=retry)
