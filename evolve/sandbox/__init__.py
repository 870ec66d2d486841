"""Sandboxed notebook execution: run hostile, model-written notebooks and record what happened.

Public API: `Limits`, `ExecutionRecord`, `detect_isolation()`, `strict_features()`, `missing_for_strict()`,
`execute_notebook(nb, workdir, ...)`, `KernelPool` (pre-started kernels, one notebook each) and the
housekeeping `sweep_stale_kernels()` / `prune_executions()`. Domain-agnostic: a domain plugin passes its
hooks as `startup_files` and its imports as the pool's `preload_code`.

What a notebook gets (each item is listed in `ExecutionRecord.isolation` only when it was active):
a fresh folder that is its cwd and $HOME, and an evidence dir ($EVOLVE_EVIDENCE_DIR) for what the startup
files record; an environment from an allowlist with credentials stripped; its own process session, killed
as a whole on timeout; a network namespace with no way out; with bubblewrap, a filesystem built from an
allowlist (the system's libraries and the interpreter read-only, its two folders and a private state dir
writable, nothing of the project, other notebooks or the host's homes), a private /tmp and pid namespace,
and (as root, with setpriv) a uid of its own without capabilities; startup files run in every Python
process it starts; per-cell and whole-notebook deadlines; limits on memory, processes+threads, disk and
output enforced by a watchdog over its whole process tree, with rlimits as per-process backstops.

Memory is limited by the watchdog rather than a cgroup: on the machine this was built on, the only memory
cgroup (v1) writable to us belongs to the process runner that started the session, and creating groups
inside someone else's hierarchy (or moving kernels out of it) is not ours to do. The watchdog counts what
a cgroup would count for a notebook: proportional set size (shared pages once), memory files (memfd,
deleted tmpfs files, SysV shm) and /dev/shm; it works wherever psutil and /proc do. Page cache is not
counted (the disk limit bounds what a notebook can write).

Failures are told apart: the notebook's (`error`: its exception, a limit, a malformed message it sent)
and the machinery's (`infrastructure_error`: the kernel or the sandbox did not start, a startup file or
the preload failed), which is missing data, not a zero.

Module map: record (Limits, ExecutionRecord, error text), environ (the kernel's environment), isolation
(probing, policy and the sandbox command line), kernel (one kernel process), watchdog (limits), runner
(one notebook with nbclient; execute_notebook), pool (KernelPool), housekeeping (stale kernels, old
execution folders).
"""
from .environ import DEFAULT_ENV_ALLOW, looks_secret
from .housekeeping import prune_executions, sweep_stale_kernels
from .isolation import detect_isolation, missing_for_strict, strict_features
from .pool import KernelPool
from .record import ExecutionRecord, Limits, TripKind
from .runner import execute_notebook

__all__ = ["DEFAULT_ENV_ALLOW", "ExecutionRecord", "KernelPool", "Limits", "TripKind", "detect_isolation",
           "execute_notebook", "looks_secret", "missing_for_strict", "prune_executions", "strict_features",
           "sweep_stale_kernels"]
