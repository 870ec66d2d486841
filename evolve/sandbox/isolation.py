"""What isolation this machine can provide, and the command line that applies it to a kernel.

Feature names (the vocabulary of `ExecutionRecord.isolation`):

- `fresh-folder`, `env-allowlist`, `process-group`: always (the kernel runs in its own session, so the
  whole group is killed on timeout);
- `net-namespace`: no network (bubblewrap `--unshare-net`, or `unshare --net` without bubblewrap);
- `bwrap-readonly-root`: the filesystem is read-only except the notebook's folder and the kernel's private
  state dir; startup files are read-only; the folders next to them (other notebooks, other kernels'
  connection files) are hidden; capabilities are dropped; /dev is minimal and /dev/shm small;
- `private-tmp`: `/tmp` is a per-kernel folder on disk; `pid-namespace`: the kernel sees only its own
  processes and everything in it dies with the sandbox (bubblewrap);
- `rlimit-as`: a per-process address-space limit, applied with `prlimit` (a backstop for single huge
  allocations);
- `rss-watchdog`: the RSS of the kernel's whole process tree is polled and the tree killed over the limit.

`detect_isolation()` probes once per process (each probe runs a trivial command in the sandbox it would
use, so a bwrap that is installed but not permitted, e.g. in an unprivileged container, is not claimed).
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

ALWAYS = ("fresh-folder", "env-allowlist", "process-group")
BWRAP = ("bwrap-readonly-root", "private-tmp", "pid-namespace")
ADDRESS_SPACE_HEADROOM_MB = 1024  # Python + numpy + llvmlite map ~0.6 GB before touching any data
SHM_BYTES = 64 << 20  # /dev/shm is RAM the RSS watchdog cannot see: keep it small
HIDDEN_TMPFS_BYTES = 1 << 20  # tmpfs over neighbours' folders: holds only mount points


def _runs(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _bwrap_base() -> list[str]:
    return ["bwrap", "--die-with-parent", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--cap-drop", "ALL", "--ro-bind", "/", "/", "--dev", "/dev",
            "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm", "--remount-ro", "/dev", "--proc", "/proc"]


@functools.lru_cache(maxsize=1)
def _unshare_prefix() -> tuple[str, ...] | None:
    """`unshare` arguments that give a new network namespace here (root, or unprivileged user ns)."""
    if not shutil.which("unshare"):
        return None
    for prefix in (("unshare", "--net"), ("unshare", "--user", "--map-root-user", "--net")):
        if _runs([*prefix, "--", "true"]):
            return prefix
    return None


@functools.lru_cache(maxsize=1)
def _detect() -> tuple[str, ...]:
    features = list(ALWAYS)
    if shutil.which("bwrap") and _runs([*_bwrap_base(), "--", "true"]):
        features += ["net-namespace", *BWRAP]
    elif _unshare_prefix():
        features.append("net-namespace")
    if sys.platform.startswith("linux") and shutil.which("prlimit"):
        features.append("rlimit-as")
    features.append("rss-watchdog")  # psutil is a hard dependency of the sandbox
    return tuple(features)


def detect_isolation() -> list[str]:
    """The isolation features this machine can provide (probed once, then cached)."""
    return list(_detect())


def address_space_limit_mb(memory_mb: int) -> int:
    """RLIMIT_AS for each kernel process: above the RSS limit, so the watchdog (which sees the whole tree)
    normally fires first, but low enough that one giant allocation fails at once with MemoryError."""
    return memory_mb + ADDRESS_SPACE_HEADROOM_MB


def _needed_paths() -> set[str]:
    """What the kernel must be able to read: the interpreter and its prefixes, sys.path, this project, PATH."""
    return {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.realpath(sys.executable),
            str(Path(__file__).resolve().parents[2]), *(entry for entry in sys.path if entry),
            *(entry for entry in os.environ.get("PATH", "").split(os.pathsep) if entry)}


def _needed_under_tmp() -> list[Path]:
    """Needed paths that the private /tmp would hide (e.g. a checkout and its venv under /tmp, as in CI),
    outermost only, so they can be bound back read-only."""
    tmp = Path("/tmp")
    found = sorted({Path(p).resolve() for p in _needed_paths()
                    if Path(p).exists() and tmp in Path(p).resolve().parents}, key=lambda p: len(p.parts))
    outermost: list[Path] = []
    for path in found:
        if not any(path.is_relative_to(kept) for kept in outermost):
            outermost.append(path)
    return outermost


def _hideable(folder: Path) -> bool:
    """True if a tmpfs may cover `folder`: not under /tmp (already private) and holding nothing the
    kernel may need (the interpreter and its prefixes, sys.path, this project, PATH)."""
    folder = folder.resolve()
    if folder == Path("/") or folder == Path("/tmp") or Path("/tmp") in folder.parents:
        return False
    return not any(Path(path).resolve().is_relative_to(folder) for path in _needed_paths())


def wrap_command(
    kernel_cmd: list[str],
    features: list[str],
    *,
    workdir: Path,
    private_dir: Path,
    readonly: list[Path],
    tmp_dir: Path,
    memory_mb: int,
) -> list[str]:
    """`kernel_cmd` wrapped in the sandbox `features` describe.

    `private_dir` (sockets, state) and `workdir` are the only writable places under bubblewrap; every
    path in `readonly` (inside `private_dir`) is bound read-only on top. The folders holding
    `private_dir` and `workdir` are covered by an empty tmpfs where that is safe (`_hideable`), so a
    notebook can read neither other kernels' connection files nor other notebooks' results."""
    cmd = list(kernel_cmd)
    if "rlimit-as" in features:
        limit = address_space_limit_mb(memory_mb) << 20
        cmd = ["prlimit", f"--as={limit}:{limit}", "--", *cmd]
    if "bwrap-readonly-root" in features:
        binds = ["--bind", str(tmp_dir), "/tmp"]
        for path in _needed_under_tmp():
            binds += ["--ro-bind", str(path), str(path)]
        for folder in sorted({p.parent.resolve() for p in (private_dir, workdir)}, key=lambda p: len(p.parts)):
            if _hideable(folder):
                binds += ["--size", str(HIDDEN_TMPFS_BYTES), "--tmpfs", str(folder)]
        binds += ["--bind", str(private_dir), str(private_dir)]
        for path in readonly:
            binds += ["--ro-bind", str(path), str(path)]
        binds += ["--bind", str(workdir), str(workdir), "--chdir", str(workdir)]
        return [*_bwrap_base(), *binds, "--", *cmd]
    if "net-namespace" in features:
        return [*_unshare_prefix(), "--", *cmd]
    return cmd


def applicable(features: list[str]) -> list[str]:
    """The subset of `features` that `wrap_command` can apply here, in canonical order (a caller may ask
    for less than `detect_isolation()`; asking for more than the machine has is ignored)."""
    wanted = (set(features) & (set(_detect()) | {"net-namespace"})) | set(ALWAYS)
    if "net-namespace" in wanted and "bwrap-readonly-root" not in wanted and not _unshare_prefix():
        wanted.discard("net-namespace")
    if not wanted >= set(BWRAP):  # bubblewrap's features come together or not at all
        wanted -= set(BWRAP)
    else:
        wanted.add("net-namespace")  # part of the bubblewrap command line
    if "rlimit-as" in wanted and not shutil.which("prlimit"):
        wanted.discard("rlimit-as")
    order = [*ALWAYS, "net-namespace", *BWRAP, "rlimit-as", "rss-watchdog"]
    return [f for f in order if f in wanted]
