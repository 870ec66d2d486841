"""What isolation this machine can provide, and the command line that applies it to a kernel.

Feature names (the vocabulary of `ExecutionRecord.isolation`):

- `fresh-folder`, `env-allowlist`, `process-group`: always (the kernel runs in its own session, so the
  whole group is killed on timeout);
- `net-namespace`: no network (bubblewrap `--unshare-net`, or `unshare --net` without bubblewrap);
- `mount-allowlist` (bubblewrap): the kernel's filesystem is an empty tmpfs holding read-only binds of only
  what Python needs (`SYSTEM_DIRS`, a few files of /etc (`ETC_ENTRIES`, passwd/group synthesized), the
  interpreter's prefixes and the existing `sys.path` entries, never the project checkout: `evolve`, the
  goals, the archive are not there), plus read-write binds of the notebook's folder, the evidence dir and
  the kernel's private state, and read-only startup files. Nothing else of the host exists in it (no /home,
  /root, /run, /var, /srv, other notebooks' folders, other kernels' sockets); /dev is minimal and /dev/shm
  a small tmpfs;
- `private-tmp`: `/tmp` is a per-kernel folder on disk; `pid-namespace`: the kernel sees only its own
  processes and everything in it dies with the sandbox (bubblewrap);
- `unprivileged-user`: the kernel runs as a uid that is not root, without capabilities and with
  no_new_privs. As root: bubblewrap builds the sandbox, then `setpriv` switches to a uid of its own
  (`sandbox_uid()`, one per kernel, so a per-uid limit counts this kernel alone); the folders the kernel
  writes are chowned to it first. Not root: bubblewrap's user namespace (the caller's uid, which is
  already unprivileged);
- `rlimit-as` (a per-process address-space limit: a backstop for single huge allocations), `rlimit-fsize`
  (no file larger than the disk limit), `rlimit-nproc` (processes + threads of the kernel's own uid:
  only with `unprivileged-user` as root, where that uid is the kernel's alone), applied with `prlimit`;
- `memory-watchdog`, `task-watchdog`, `disk-watchdog`: the kernel's process tree is polled and killed over
  the memory, processes+threads and disk limits (see watchdog).

`detect_isolation()` probes once per process: each probe runs Python in the sandbox it would use (as the
uid it would use), so a bwrap that is installed but not permitted, e.g. in an unprivileged container, or
a machine without `setpriv`, does not claim what it cannot do. `strict_features()` is what the "strict"
isolation policy requires; `missing_for_strict()` what this machine lacks of it.
"""
from __future__ import annotations

import functools
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

ALWAYS = ("fresh-folder", "env-allowlist", "process-group")
BWRAP = ("mount-allowlist", "private-tmp", "pid-namespace")
UNPRIVILEGED = "unprivileged-user"
RLIMITS = ("rlimit-as", "rlimit-fsize", "rlimit-nproc")
WATCHDOGS = ("memory-watchdog", "task-watchdog", "disk-watchdog")
ORDER = (*ALWAYS, "net-namespace", *BWRAP, UNPRIVILEGED, *RLIMITS, *WATCHDOGS)
STRICT = ("net-namespace", *BWRAP, UNPRIVILEGED, *WATCHDOGS)

ADDRESS_SPACE_HEADROOM_MB = 1024  # Python + numpy + llvmlite map ~0.6 GB before touching any data
SHM_BYTES = 64 << 20  # /dev/shm is RAM: keep it small (the memory watchdog counts what is in it)
# Read-only; a symlink (merged /usr) is recreated as a symlink.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# What the dynamic loader, time zones, name lookup of localhost, TLS certificates, fonts and mime types need.
# Not shadow, not the rest. passwd and group are synthesized (`write_identity_files`).
ETC_ENTRIES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "nsswitch.conf", "hosts",
               "host.conf", "protocols", "services", "ssl/certs", "ssl/openssl.cnf", "fonts", "mime.types",
               "alternatives", "os-release")
CPU_INFO = "/sys/devices/system/cpu"  # core counts for BLAS, numba, os.cpu_count(); the rest of /sys is not bound
SANDBOX_UID_MIN, SANDBOX_UID_COUNT = 0x4E200000, 1 << 20  # far above any real account (cf. subuid ranges)
PROJECT_ROOT = Path(__file__).resolve().parents[2]
PRIVATE_PLACES = ("/tmp", "/var/tmp", "/root", "/home", "/run", "/srv", "/var/lib", "/mnt", "/media")


def _runs(cmd: list[str], **kw) -> int | None:
    """The command's exit code, or None if it could not run."""
    try:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=20, **kw).returncode
    except (OSError, subprocess.SubprocessError):
        return None


def sandbox_uid() -> int:
    """A fresh uid (= gid) for one kernel when evolve runs as root: random in a range no account uses, so
    concurrent kernels (almost surely) differ and RLIMIT_NPROC counts one kernel's tasks."""
    return SANDBOX_UID_MIN + secrets.randbelow(SANDBOX_UID_COUNT)


def _as_root() -> bool:
    return os.geteuid() == 0


@functools.lru_cache(maxsize=1)
def _unshare_prefix() -> tuple[str, ...] | None:
    """`unshare` arguments that give a new network namespace here (root, or unprivileged user ns)."""
    if not shutil.which("unshare"):
        return None
    for prefix in (("unshare", "--net"), ("unshare", "--user", "--map-root-user", "--net")):
        if _runs([*prefix, "--", "true"]) == 0:
            return prefix
    return None


# -- what the kernel may see ------------------------------------------------------------------------------

def _outermost(paths: set[Path]) -> list[Path]:
    outermost: list[Path] = []
    for path in sorted(paths, key=lambda p: (len(p.parts), str(p))):
        if not any(path.is_relative_to(kept) for kept in outermost):
            outermost.append(path)
    return outermost


def _never_bound() -> list[Path]:
    """Folders a Python bind must never contain (nor be): the project, temp dirs, homes, runtime state."""
    places = [PROJECT_ROOT, Path(tempfile.gettempdir()), Path.home(), *map(Path, PRIVATE_PLACES)]
    return [Path(os.path.realpath(p)) for p in places]


def python_binds() -> list[tuple[Path, Path]]:
    """(source, destination) read-only binds that let the caller's interpreter start and import what it can
    import: its prefixes and the existing `sys.path` entries, outermost only. Never the project checkout
    (where the venv lies inside the project, only the venv), never the script's own folder (`sys.path[0]`:
    the kernel does not import from it) and never a folder holding a temp dir, a home or the project. A path
    reached through a symlink is bound at both its real and its given location."""
    prefixes = [p for p in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                            os.path.dirname(os.path.realpath(sys.executable))} if p]
    real_prefixes = [Path(os.path.realpath(p)) for p in prefixes]
    script_dir = sys.path[0] if sys.path else ""
    forbidden = _never_bound()
    wanted: dict[Path, Path] = {}  # destination -> source
    for entry in [*prefixes, *sys.path]:
        if not entry or not os.path.exists(entry):
            continue
        given, real = Path(os.path.abspath(entry)), Path(os.path.realpath(entry))
        inside_prefix = any(real.is_relative_to(prefix) for prefix in real_prefixes)
        if entry == script_dir and not inside_prefix:
            continue
        if any(place.is_relative_to(real) for place in forbidden):  # "/", "/work", "/tmp", "/root", ...
            continue
        if real.is_relative_to(PROJECT_ROOT) and not inside_prefix:
            continue  # the checkout's own folders (tests/, scripts/): only its venv is allowed
        if any(real.is_relative_to(d) and not Path(d).is_symlink() for d in SYSTEM_DIRS):
            continue  # bound anyway
        wanted[real] = real
        wanted[given] = real
    kept = _outermost(set(wanted))
    return [(wanted[dest], dest) for dest in kept]


def write_identity_files(folder: Path, uid: int, home: Path) -> dict[str, Path]:
    """Minimal /etc/passwd and /etc/group for the sandbox (root, nobody and the kernel's uid), written into
    `folder`; returns {name in /etc: file}. Code that looks its user up (getpass, pwd) works; the host's
    accounts stay unknown."""
    folder.mkdir(parents=True, exist_ok=True)
    users = {0: ("root", "/root"), 65534: ("nobody", "/nonexistent"), uid: ("sandbox", str(home))}
    passwd = "".join(f"{name}:x:{n}:{n}:{name}:{h}:/usr/sbin/nologin\n" for n, (name, h) in sorted(users.items()))
    group = "".join(f"{name}:x:{n}:\n" for n, (name, _) in sorted(users.items()))
    files = {"passwd": folder / "passwd", "group": folder / "group"}
    files["passwd"].write_text(passwd)
    files["group"].write_text(group)
    for path in files.values():
        path.chmod(0o444)
    return files


def _dirs_for(destinations: list[Path], existing: set[Path]) -> list[str]:
    """`--perms 0755 --dir` for every missing ancestor of `destinations`: bubblewrap would create them
    0700 and root-owned, which an unprivileged kernel could not traverse."""
    args: list[str] = []
    made = set(existing)
    for dest in destinations:
        for parent in reversed(dest.parents):
            if parent == Path("/") or parent in made:
                continue
            made.add(parent)
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def _bwrap(features: list[str], uid: int | None) -> list[str]:
    args = ["bwrap", "--die-with-parent", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try"]
    if not _as_root():
        args += ["--unshare-user"]  # the caller's own (unprivileged) uid, in a namespace of its own
    if uid is None:
        args += ["--cap-drop", "ALL"]
    # else: bubblewrap keeps root's capabilities in the sandbox only until setpriv drops them for good
    return args


def wrap_command(
    kernel_cmd: list[str],
    features: list[str],
    *,
    workdir: Path,
    tmp_dir: Path,
    writable: Sequence[Path] = (),
    readonly: Sequence[Path] = (),
    etc: Mapping[str, Path] | None = None,
    uid: int | None = None,
    memory_mb: int,
    disk_mb: int | None = None,
    max_tasks: int | None = None,
) -> list[str]:
    """`kernel_cmd` wrapped in the sandbox `features` describe.

    Under `mount-allowlist`, `workdir` and `writable` (the evidence dir, the kernel's ipc and state dirs)
    are the only writable places besides `tmp_dir` (the private /tmp); `readonly` (startup files,
    connection file) are bound read-only; `etc` maps names in /etc to files (passwd, group); everything is
    bound at its own path. `uid` (with `unprivileged-user`, as root): the uid (= gid) the kernel runs as."""
    cmd = list(kernel_cmd)
    limits = []
    if "rlimit-as" in features:
        limit = address_space_limit_mb(memory_mb) << 20
        limits.append(f"--as={limit}:{limit}")
    if "rlimit-fsize" in features and disk_mb:
        limits.append(f"--fsize={disk_mb << 20}:{disk_mb << 20}")
    if "rlimit-nproc" in features and uid is not None and max_tasks:
        limits.append(f"--nproc={max_tasks}:{max_tasks}")
    if limits:
        cmd = ["prlimit", *limits, "--", *cmd]
    if "mount-allowlist" not in features:
        if "net-namespace" in features:
            prefix = _unshare_prefix()
            if prefix is None:  # detection adds net-namespace without bwrap only where unshare works
                raise RuntimeError("net-namespace without the mount allowlist needs `unshare`, which fails here")
            return [*prefix, "--", *cmd]
        return cmd
    if uid is not None:
        cmd = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
               "--bounding-set=-all", "--no-new-privs", "--", *cmd]
    args = _bwrap(features, uid)
    existing = {Path("/")}
    for name in SYSTEM_DIRS:
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
        existing.add(Path(name))
    args += ["--perms", "0755", "--dir", "/etc"]
    for name in ETC_ENTRIES:
        path = Path("/etc", name)
        if path.parent != Path("/etc") and path.parent not in existing:
            args += ["--perms", "0755", "--dir", str(path.parent)]
            existing.add(path.parent)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.exists():
            args += ["--ro-bind", str(path), str(path)]
    for name, source in (etc or {}).items():
        args += ["--ro-bind", str(source), f"/etc/{name}"]
    args += ["--dev", "/dev", "--perms", "1777", "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm",
             "--remount-ro", "/dev", "--proc", "/proc",
             "--bind", str(tmp_dir), "/tmp"]  # first: the binds below may lie under /tmp
    existing |= {Path("/etc"), Path("/dev"), Path("/proc"), Path("/tmp")}
    python = python_binds()
    rw = [Path(workdir), *map(Path, writable)]
    ro = [p for p in (Path(CPU_INFO),) if p.is_dir()] + list(map(Path, readonly))
    args += _dirs_for([dest for _, dest in python] + rw + ro, existing)
    for source, dest in python:
        args += ["--ro-bind", str(source), str(dest)]
    for path in rw:
        args += ["--bind", str(path), str(path)]
    for path in ro:
        args += ["--ro-bind", str(path), str(path)]
    args += ["--chdir", str(workdir)]
    return [*args, "--", *cmd]


def address_space_limit_mb(memory_mb: int) -> int:
    """RLIMIT_AS for each kernel process: above the memory limit, so the watchdog (which sees the whole
    tree) normally fires first, but low enough that one giant allocation fails at once with MemoryError."""
    return memory_mb + ADDRESS_SPACE_HEADROOM_MB


# -- probing ----------------------------------------------------------------------------------------------

_PROBE = "import os, sys, encodings, json; sys.exit(0 if os.getuid() != 0 else 3)"


def _probe_sandbox(features: list[str], unprivileged: bool) -> int | None:
    """Run Python in the sandbox `features` describe (as a sandbox uid when `unprivileged` and root);
    its exit code: 0 = ran as a non-root uid, 3 = ran as root, else it did not run."""
    with tempfile.TemporaryDirectory(prefix="evolve-probe-") as folder:
        work, tmp = Path(folder, "work"), Path(folder, "tmp")
        work.mkdir()
        tmp.mkdir()
        uid = sandbox_uid() if unprivileged and _as_root() else None
        if uid is not None:
            for path in (work, tmp):
                os.chown(path, uid, uid)
        etc = write_identity_files(Path(folder, "etc"), uid if uid is not None else os.getuid(), work)
        cmd = wrap_command([sys.executable, "-I", "-c", _PROBE], features, workdir=work, tmp_dir=tmp, etc=etc,
                           uid=uid, memory_mb=1024)
        return _runs(cmd, cwd=folder)


@functools.lru_cache(maxsize=1)
def _detect() -> tuple[str, ...]:
    features: list[str] = list(ALWAYS)
    if sys.platform.startswith("linux") and shutil.which("bwrap"):
        if _as_root():
            if _probe_sandbox([*BWRAP], unprivileged=False) in (0, 3):
                features += ["net-namespace", *BWRAP]
                if shutil.which("setpriv") and _probe_sandbox([*BWRAP, UNPRIVILEGED], unprivileged=True) == 0:
                    features.append(UNPRIVILEGED)
        elif _probe_sandbox([*BWRAP], unprivileged=True) == 0:  # --unshare-user: the caller's uid
            features += ["net-namespace", *BWRAP, UNPRIVILEGED]
    if "net-namespace" not in features and _unshare_prefix():
        features.append("net-namespace")
    if sys.platform.startswith("linux") and shutil.which("prlimit"):
        features += ["rlimit-as", "rlimit-fsize"]
        if UNPRIVILEGED in features and _as_root():
            features.append("rlimit-nproc")
    features += list(WATCHDOGS)  # psutil is a hard dependency of the sandbox
    return tuple(f for f in ORDER if f in features)


def detect_isolation() -> list[str]:
    """The isolation features this machine can provide (probed once, then cached)."""
    return list(_detect())


def strict_features() -> list[str]:
    """The features the "strict" isolation policy requires: no network, the mount allowlist with a private
    /tmp and pid namespace, an unprivileged uid, and the three watchdogs."""
    return list(STRICT)


def missing_for_strict() -> list[str]:
    """The strict features this machine cannot provide (empty: strict isolation is available)."""
    available = set(_detect())
    return [f for f in STRICT if f not in available]


def applicable(features: list[str]) -> list[str]:
    """The subset of `features` that `wrap_command` can apply here, in canonical order (a caller may ask
    for less than `detect_isolation()`; asking for more than the machine has is ignored)."""
    wanted = (set(features) & (set(_detect()) | {"net-namespace"})) | set(ALWAYS)
    if "net-namespace" in wanted and "mount-allowlist" not in wanted and not _unshare_prefix():
        wanted.discard("net-namespace")
    if not wanted >= set(BWRAP):  # bubblewrap's features come together or not at all
        wanted -= {*BWRAP, UNPRIVILEGED}
    else:
        wanted.add("net-namespace")  # part of the bubblewrap command line
    if UNPRIVILEGED not in wanted or not _as_root():
        wanted.discard("rlimit-nproc")  # the caller's own uid: its other processes would count too
    if not shutil.which("prlimit"):
        wanted -= set(RLIMITS)
    return [f for f in ORDER if f in wanted]
