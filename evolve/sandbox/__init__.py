"""Sandboxed notebook execution: run hostile, model-written notebooks and record what happened.

Public API: `Limits`, `ExecutionRecord`, `detect_isolation()`, `execute_notebook(nb, workdir, ...)` and
`KernelPool` (pre-started kernels, one notebook each). Domain-agnostic: a domain plugin passes its hooks as
`startup_files` and its imports as the pool's `preload_code`.

What a notebook gets (each item is listed in `ExecutionRecord.isolation` only when it was active):
a fresh folder that is its cwd and $HOME; an environment from an allowlist with credentials stripped;
its own process session, killed as a whole on timeout; a network namespace with no way out; with
bubblewrap, a read-only filesystem except its folder and a private state dir, a private /tmp and pid
namespace, no capabilities; an RSS watchdog over its whole process tree plus a per-process address-space
limit; per-cell and whole-notebook deadlines; a cap on the output it can send back.

Memory is limited by the watchdog rather than a cgroup: on the machine this was built on, the only memory
cgroup (v1) writable to us belongs to the process runner that started the session, and creating groups
inside someone else's hierarchy (or moving kernels out of it) is not ours to do. The watchdog works
wherever psutil does; a cgroup backend would be the stronger option where the project owns a delegated
group (it would also count tmpfs and page cache, which RSS does not).

Module map: record (Limits, ExecutionRecord, error text), environ (the kernel's environment), isolation
(probing and the sandbox command line), kernel (one kernel process), watchdog (limits), runner (one
notebook with nbclient; execute_notebook), pool (KernelPool).
"""
from .environ import DEFAULT_ENV_ALLOW, looks_secret
from .isolation import detect_isolation
from .pool import KernelPool
from .record import ExecutionRecord, Limits
from .runner import execute_notebook

__all__ = ["DEFAULT_ENV_ALLOW", "ExecutionRecord", "KernelPool", "Limits", "detect_isolation",
           "execute_notebook", "looks_secret"]
