"""The kernel sees only what it needs, under limits that count right: real kernels, real bubblewrap.

What a notebook must not reach (the project's goals, archive and code, the host's secrets, other
executions, sockets on the host), who it runs as, the limits that count memory, tasks and disk correctly,
startup files in every Python process, the evidence dir, malformed messages, infrastructure errors, and
the housekeeping of what a killed owner leaves behind. Assertions that need a feature the machine lacks
are skipped after checking that detect_isolation() does not claim it.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat
import nbformat.v4 as v4
import psutil
import pytest

from evolve.sandbox import (KernelPool, Limits, detect_isolation, execute_notebook, missing_for_strict,
                            prune_executions, strict_features, sweep_stale_kernels)
from evolve.sandbox import housekeeping, isolation, kernel as kernel_module

AVAILABLE = detect_isolation()
PROJECT = isolation.PROJECT_ROOT
SHORT = Limits(cell_timeout_s=10, total_timeout_s=30, memory_mb=1024)
needs_allowlist = pytest.mark.skipif("mount-allowlist" not in AVAILABLE, reason="bubblewrap is not available")


def notebook(*sources: str):
    return v4.new_notebook(cells=[v4.new_code_cell(source) for source in sources])


def stdout(record, cell: int) -> str:
    return "".join(o.get("text", "") for o in record.notebook.cells[cell].outputs
                   if o.output_type == "stream" and o.name == "stdout")


def last_json(record, cell: int):
    return json.loads(stdout(record, cell).strip().splitlines()[-1])


@pytest.fixture
def outside():
    """A folder outside /tmp (which the sandbox replaces wholesale), like a real runs/ folder."""
    base = Path(tempfile.mkdtemp(prefix="evolve-confinement-", dir="/var/tmp"))
    yield base
    subprocess.run(["rm", "-rf", str(base)], check=False)


PROBE = textwrap.dedent("""\
    import glob, json, os
    def probe(path):
        try:
            if os.path.isdir(path):
                return sorted(os.listdir(path))
            with open(path, 'rb') as f:
                f.read(1)
            return 'readable'
        except OSError as e:
            return type(e).__name__
    print(json.dumps({path: probe(path) for path in PATHS}))
""")


def probe_paths(record, cell: int = 0) -> dict:
    return last_json(record, cell)


# -- what a notebook can see ---------------------------------------------------------------------------------

@needs_allowlist
def test_a_notebook_cannot_read_the_project_nor_the_hosts_secrets(tmp_path):
    goal_files = sorted(str(p) for p in PROJECT.glob("goals/*/reference.py"))[:2] + sorted(
        str(p) for p in PROJECT.glob("goals/*/check.py"))[:2]
    assert goal_files, "the checkout has goals to protect"
    secret_dir = Path(tempfile.mkdtemp(prefix="evolve-secret-", dir="/var/tmp"))
    (secret_dir / "secret.txt").write_text("s3cret")
    try:
        paths = [*goal_files, str(PROJECT / "goals"), str(PROJECT / "archive"), str(PROJECT / ".evolve"),
                 str(PROJECT / "skills"), str(PROJECT), "/etc/shadow", "/etc/gshadow", "/root", "/root/.bashrc",
                 "/home", "/var/tmp", str(secret_dir / "secret.txt"), "/run", "/srv", "/opt", "/work"]
        record = execute_notebook(notebook(f"PATHS = {paths!r}\n" + PROBE), tmp_path / "work", SHORT)
    finally:
        subprocess.run(["rm", "-rf", str(secret_dir)], check=False)
    assert record.executed, record.error
    seen = probe_paths(record)
    for path in [*goal_files, str(PROJECT / "goals"), str(PROJECT / "archive"), str(PROJECT / ".evolve"),
                 str(PROJECT / "skills"), "/etc/shadow", "/etc/gshadow", "/root/.bashrc", "/home", "/var/tmp",
                 str(secret_dir / "secret.txt"), "/run", "/srv", "/opt"]:
        assert seen[path] == "FileNotFoundError", (path, seen[path])
    # What exists of /root and of the checkout is the way to the interpreter's own folders, nothing else.
    under_root = sorted({dest.relative_to("/root").parts[0] for _, dest in isolation.python_binds()
                         if dest.is_relative_to("/root")})
    assert seen["/root"] == (under_root or "FileNotFoundError")
    venv = Path(sys.prefix)
    assert seen[str(PROJECT)] == ([venv.name] if venv.parent == PROJECT else "FileNotFoundError")


@needs_allowlist
def test_the_project_cannot_be_imported_and_the_interpreter_still_works(tmp_path):
    record = execute_notebook(notebook(
        "import json, importlib\nout = {}\nfor name in ('evolve', 'evaluators', 'numpy', 'ipykernel'):\n"
        "    try:\n        importlib.import_module(name); out[name] = 'ok'\n"
        "    except Exception as e:\n        out[name] = type(e).__name__\nprint(json.dumps(out))"),
        tmp_path / "work", SHORT)
    assert record.executed, record.error  # the editable install's finder does not break the kernel
    assert last_json(record, 0) == {"evolve": "ModuleNotFoundError", "evaluators": "ModuleNotFoundError",
                                    "numpy": "ok", "ipykernel": "ok"}


@needs_allowlist
def test_another_executions_folders_are_invisible(outside):
    """Execution folders side by side: a sibling of work/ in the same execution, and another execution."""
    mine, other = outside / "exec-a", outside / "exec-b"
    (mine / "notebook.ipynb").parent.mkdir(parents=True)
    (mine / "notebook.ipynb").write_text("{}")
    (other / "work").mkdir(parents=True)
    (other / "work" / "results.json").write_text('{"answer": 42}')
    (other / "evidence").mkdir()
    paths = [str(mine), str(mine / "notebook.ipynb"), str(outside), str(other / "work" / "results.json"),
             str(other / "evidence")]
    record = execute_notebook(notebook(f"PATHS = {paths!r}\n" + PROBE), mine / "work", SHORT,
                              evidence_dir=mine / "evidence")
    assert record.executed, record.error
    seen = probe_paths(record)
    assert seen[str(mine)] == ["evidence", "work"]  # only the two folders bound into it
    assert seen[str(outside)] == ["exec-a"]
    assert seen[str(mine / "notebook.ipynb")] == seen[str(other / "work" / "results.json")] == "FileNotFoundError"
    assert seen[str(other / "evidence")] == "FileNotFoundError"


@needs_allowlist
def test_a_unix_socket_on_the_host_cannot_be_reached(outside):
    folders = [Path(tempfile.mkdtemp(prefix="evolve-socket-", dir=d)) for d in ("/var/tmp", "/work")
               if os.access(d, os.W_OK)]
    servers = []
    try:
        for folder in folders:
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.bind(str(folder / "s.sock"))
            server.listen(1)
            servers.append(server)
        paths = [str(folder / "s.sock") for folder in folders]
        record = execute_notebook(notebook(
            "import json, socket\nout = {}\n"
            f"for path in {paths!r}:\n"
            "    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
            "    try:\n        s.connect(path); out[path] = 'connected'\n"
            "    except OSError as e:\n        out[path] = type(e).__name__\nprint(json.dumps(out))"),
            outside / "work", SHORT)
    finally:
        for server in servers:
            server.close()
        for folder in folders:
            subprocess.run(["rm", "-rf", str(folder)], check=False)
    assert record.executed, record.error
    assert set(last_json(record, 0).values()) == {"FileNotFoundError"}


@pytest.mark.skipif(os.geteuid() != 0, reason="only meaningful when evolve runs as root")
def test_the_kernel_does_not_run_as_root(tmp_path):
    if "unprivileged-user" not in AVAILABLE:
        assert "rlimit-nproc" not in AVAILABLE
        pytest.skip("this machine cannot switch the kernel to an unprivileged uid")
    record = execute_notebook(notebook(
        "import os, json, pwd, getpass\n"
        "caps = [l.split()[1] for l in open('/proc/self/status') if l.startswith(('CapEff', 'CapBnd'))]\n"
        "print(json.dumps([os.getuid(), os.getgid(), os.getgroups(), caps, getpass.getuser(), "
        "open('/etc/passwd').read()]))",
        "open('written.txt', 'w').write('x')"), tmp_path / "work", SHORT)
    assert record.executed, record.error
    uid, gid, groups, caps, user, passwd = last_json(record, 0)
    assert uid != 0 and gid != 0 and groups == [] and user == "sandbox"
    assert caps == ["0000000000000000", "0000000000000000"]
    assert {line.split(":")[0] for line in passwd.splitlines()} == {"root", "nobody", "sandbox"}  # not the host's
    # What it wrote is given back to the caller once the kernel is gone.
    assert (record.workdir / "written.txt").stat().st_uid == os.getuid()


@needs_allowlist
def test_tvb_still_simulates_in_the_sandbox(tmp_path):
    record = execute_notebook(notebook(
        "from tvb.simulator.lab import *\n"
        "sim = simulator.Simulator(model=models.Generic2dOscillator(), coupling=coupling.Linear(),\n"
        "    connectivity=connectivity.Connectivity.from_file(), simulation_length=10.0,\n"
        "    integrator=integrators.HeunDeterministic(dt=0.1), monitors=(monitors.TemporalAverage(),))\n"
        "sim.configure()\n((t, y),) = sim.run()\nprint(y.shape)"),
        tmp_path / "work", Limits(cell_timeout_s=120, total_timeout_s=150))
    assert record.executed, record.error
    assert stdout(record, 0).strip().endswith("(10, 1, 76, 1)")


def test_python_binds_never_include_the_checkout():
    binds = isolation.python_binds()
    destinations = [dest for _, dest in binds]
    assert Path(sys.base_prefix).resolve() in [d.resolve() for d in destinations] or any(
        Path(sys.base_prefix).resolve().is_relative_to(d) for d in destinations)
    for _, dest in binds:
        assert not PROJECT.is_relative_to(dest)  # neither the checkout nor a folder holding it
        assert not dest.resolve().is_relative_to(PROJECT) or dest.resolve().is_relative_to(Path(sys.prefix).resolve())
        assert not Path(tempfile.gettempdir()).resolve().is_relative_to(dest)


def test_strict_policy_names_what_is_missing():
    strict = strict_features()
    assert {"mount-allowlist", "unprivileged-user", "net-namespace", "memory-watchdog"} <= set(strict)
    assert set(strict) <= set(isolation.ORDER)
    assert missing_for_strict() == [f for f in strict if f not in AVAILABLE]


# -- limits that count right -------------------------------------------------------------------------------------

def test_forked_workers_sharing_an_array_are_counted_once(tmp_path):
    """10 workers each map the same 400 MB: their RSS sums to > 4 GB, their PSS to ~0.5 GB."""
    record = execute_notebook(notebook(
        "import multiprocessing as mp, numpy as np, time\n"
        "shared = np.ones(50_000_000)  # 400 MB\n"
        "def work(i):\n    total = float(shared.sum())\n    time.sleep(1.5)\n    return total\n"
        "with mp.get_context('fork').Pool(10) as pool:\n    print(set(pool.map(work, range(10))))"),
        tmp_path / "work", Limits(cell_timeout_s=60, total_timeout_s=90, memory_mb=2000))
    assert record.executed, record.error
    assert stdout(record, 0).strip() == "{50000000.0}"


def test_memory_held_in_a_memfd_counts(tmp_path):
    record = execute_notebook(notebook(
        "import os\nfd = os.memfd_create('hidden')\nchunk = b'x' * 2**20\n"
        "for _ in range(2048):\n    os.write(fd, chunk)", "print('survived')"),
        tmp_path / "work", Limits(cell_timeout_s=60, total_timeout_s=90, memory_mb=1024))
    assert not record.executed and record.memory_exceeded and record.limit_exceeded == "memory"
    assert record.error.startswith("memory: exceeded 1024 MB") and "memory files" in record.error
    assert record.error_cell == 0


def test_a_mapped_memfd_counts_after_its_descriptor_is_closed(tmp_path):
    """Written (not touched through the mapping, so in no process's PSS), mapped, fd closed: only the
    mappings show it."""
    if os.geteuid() != 0:
        pytest.skip("mapped files are only visible through /proc/<pid>/map_files as root")
    record = execute_notebook(notebook(
        "import ctypes, mmap, os\nfd = os.memfd_create('hidden')\nchunk = b'x' * 2**20\n"
        "for _ in range(700):\n    os.write(fd, chunk)\n"
        "libc = ctypes.CDLL(None)  # not mmap.mmap: it keeps a duplicate of the descriptor\n"
        "libc.mmap.restype = ctypes.c_void_p\n"
        "libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t] + [ctypes.c_int] * 3 + [ctypes.c_long]\n"
        "address = libc.mmap(None, 700 * 2**20, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)\nos.close(fd)",
        "import time\nheap = b'x' * (500 * 2**20)\ntime.sleep(3)", "print('survived')"),
        tmp_path / "work", Limits(cell_timeout_s=30, total_timeout_s=60, memory_mb=1024))
    assert not record.executed and record.limit_exceeded == "memory" and record.error_cell == 1, record.error


def test_a_thread_storm_is_stopped_with_a_tasks_error(tmp_path):
    record = execute_notebook(notebook(
        "import threading, time\nthreads = [threading.Thread(target=time.sleep, args=(60,), daemon=True)\n"
        "           for _ in range(2000)]\nfor t in threads:\n    t.start()", "print('survived')"),
        tmp_path / "work", Limits(cell_timeout_s=30, total_timeout_s=60, max_tasks=256))
    assert not record.executed and record.limit_exceeded == "tasks" and record.error_cell == 0
    assert record.error.startswith("tasks: the notebook's processes and threads reached the limit of 256")
    assert [p for p in psutil.Process().children(recursive=True) if p.status() != psutil.STATUS_ZOMBIE] == []


def test_too_many_processes_are_stopped_with_a_tasks_error(tmp_path):
    record = execute_notebook(notebook(
        "import subprocess\nprocs = [subprocess.Popen(['sleep', '60']) for _ in range(200)]"),
        tmp_path / "work", Limits(cell_timeout_s=30, total_timeout_s=60, max_tasks=40))
    assert record.limit_exceeded == "tasks" and record.error.startswith("tasks:"), record.error


def test_writing_too_much_to_disk_is_stopped(tmp_path):
    record = execute_notebook(notebook(
        "chunk = b'x' * (64 * 2**20)\nfor i in range(48):  # 3 GB\n"
        "    with open(f'part-{i}.bin', 'wb') as f:\n        f.write(chunk)", "print('survived')"),
        tmp_path / "work", Limits(cell_timeout_s=60, total_timeout_s=90, disk_mb=512))
    assert not record.executed and record.limit_exceeded == "disk" and record.error_cell == 0
    assert record.error.startswith("disk: the notebook's files reached the limit of 512 MB")
    used = sum(p.stat().st_size for p in record.workdir.iterdir())
    assert used < 1536 * 2**20  # stopped long before 3 GB


def test_one_file_stops_at_the_size_limit_and_deleted_files_still_count(tmp_path):
    if "rlimit-fsize" not in AVAILABLE:
        pytest.skip("no prlimit here")
    record = execute_notebook(notebook(
        "import os, tempfile\nkeep = []\nchunk = b'x' * (32 * 2**20)\n"
        "for i in range(12):  # 384 MB in /tmp, unlinked while open: no walk of the folders finds them\n"
        "    f = tempfile.TemporaryFile()\n    f.write(chunk); f.flush(); keep.append(f)\n"
        "import time; time.sleep(2)", "print('survived')"),
        tmp_path / "work", Limits(cell_timeout_s=30, total_timeout_s=60, disk_mb=256))
    assert record.limit_exceeded == "disk" and record.error_cell == 0, record.error
    record = execute_notebook(notebook(
        "try:\n    with open('big.bin', 'wb') as f:\n        for _ in range(20):\n"
        "            f.write(b'x' * (32 * 2**20))\nexcept OSError as e:\n    print(e.strerror)"),
        tmp_path / "work2", Limits(cell_timeout_s=30, total_timeout_s=60, disk_mb=128))
    # RLIMIT_FSIZE stops the file at 128 MB (the notebook catches the error), and the limit was reached:
    # the run ends as a disk error all the same.
    assert stdout(record, 0).strip() in ("", "File too large")
    assert (record.workdir / "big.bin").stat().st_size <= 128 * 2**20
    assert record.limit_exceeded == "disk", record.error


# -- startup files and the evidence dir ------------------------------------------------------------------------

HOOK = """\
import os, sys
sys._evolve_hooked_pid = os.getpid()
with open(os.path.join(os.environ['EVOLVE_EVIDENCE_DIR'], 'x.log'), 'a') as log:
    log.write(f'{os.getpid()}\\n')
"""

WORKERS = """\
import json, multiprocessing as mp, os, subprocess, sys
open('probe_mod.py', 'w').write(
    'import os, sys\\ndef probe():\\n    return os.getpid(), getattr(sys, "_evolve_hooked_pid", None)\\n')
sys.path.insert(0, os.getcwd())
import probe_mod
out = {'kernel': os.getpid()}
for method in ('spawn', 'forkserver'):
    with mp.get_context(method).Pool(1) as pool:
        out[method] = pool.apply(probe_mod.probe)
code = 'import os, sys; print(getattr(sys, "_evolve_hooked_pid", None) == os.getpid())'
out['subprocess'] = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True).stdout.strip()
print(json.dumps(out))
"""


def test_startup_files_run_in_every_python_process(tmp_path):
    hook = tmp_path / "hook.py"
    hook.write_text(HOOK)
    record = execute_notebook(notebook(WORKERS), tmp_path / "exec" / "work",
                              Limits(cell_timeout_s=60, total_timeout_s=90), startup_files=[hook],
                              evidence_dir=tmp_path / "exec" / "evidence")
    assert record.executed, record.error
    out = last_json(record, 0)
    logged = {int(line) for line in (record.evidence_dir / "x.log").read_text().split()}
    spawn_pid, spawn_hooked = out["spawn"]
    assert spawn_hooked == spawn_pid and spawn_pid in logged  # a fresh interpreter ran the hook itself
    fork_pid, forkserver_hooked = out["forkserver"]
    # A forkserver worker is forked from the forkserver, which ran the hook at its start.
    assert forkserver_hooked is not None and forkserver_hooked in logged and forkserver_hooked != out["kernel"]
    assert out["subprocess"] == "True" and out["kernel"] in logged


def test_the_evidence_dir_is_writable_named_in_the_environment_and_survives(tmp_path):
    folder = tmp_path / "exec"
    record = execute_notebook(notebook(
        "import os\nopen(os.path.join(os.environ['EVOLVE_EVIDENCE_DIR'], 'trace.jsonl'), 'w').write('{}')\n"
        "print(os.environ['EVOLVE_EVIDENCE_DIR'])"), folder / "work", SHORT, evidence_dir=folder / "evidence")
    assert record.executed, record.error
    assert record.evidence_dir == (folder / "evidence").resolve()
    assert stdout(record, 0).strip() == str(record.evidence_dir)
    assert (record.evidence_dir / "trace.jsonl").read_text() == "{}"
    assert (record.evidence_dir / "trace.jsonl").stat().st_uid == os.getuid()
    assert not (record.workdir / "trace.jsonl").exists()
    with pytest.raises(FileExistsError):  # a stale trace is not evidence
        execute_notebook(notebook("pass"), folder / "work2", SHORT, evidence_dir=folder / "evidence")


def test_without_an_evidence_dir_the_variable_is_unset(tmp_path):
    record = execute_notebook(notebook("import os; print(os.environ.get('EVOLVE_EVIDENCE_DIR'))"),
                              tmp_path / "work", SHORT)
    assert record.executed and stdout(record, 0).strip() == "None" and record.evidence_dir is None


# -- malformed messages are the notebook's failure -------------------------------------------------------------

@pytest.mark.parametrize("source", [
    'display({"text/plain": 5}, raw=True)',
    'import sys\nsys.setrecursionlimit(100000)\nnested = []\nfor _ in range(10000):\n    nested = [nested]\n'
    'display({"application/json": nested}, raw=True)',
], ids=["non-string-data", "nested-10000-deep"])
def test_a_malformed_display_message_is_the_notebooks_error(tmp_path, source):
    record = execute_notebook(notebook("print('before')", source, "open('after.txt', 'w')"), tmp_path / "work",
                              SHORT)
    assert not record.executed and record.infrastructure_error is None and record.error_cell == 1
    assert record.error.startswith("notebook error: the notebook sent a malformed display message: ")
    assert not (record.workdir / "after.txt").exists()
    nbformat.validate(record.notebook)
    assert "before" in nbformat.writes(record.notebook)


def test_a_stream_with_a_made_up_name_is_the_notebooks_error(tmp_path):
    record = execute_notebook(notebook(
        "k = get_ipython().kernel\n"
        "k.session.send(k.iopub_socket, 'stream', {'name': 'bogus', 'text': 5}, parent=k.get_parent('shell'))\n"
        "import time; time.sleep(5)"), tmp_path / "work", SHORT)
    assert record.error.startswith("notebook error: the notebook sent a malformed stream message")
    assert record.wall_s < 5 + 5  # killed at once, not after its sleep (nor at the cell timeout)
    nbformat.writes(record.notebook)


# -- infrastructure errors are not the notebook's ------------------------------------------------------------------

def test_a_kernel_that_cannot_start_is_an_infrastructure_error(tmp_path, monkeypatch):
    monkeypatch.setattr(kernel_module, "wrap_command", lambda *a, **kw: ["false"])
    record = execute_notebook(notebook("x = 1"), tmp_path / "work", SHORT)
    assert not record.executed and record.error_cell is None
    assert record.infrastructure_error and record.infrastructure_error.startswith("startup: kernel did not start")

    def broken_start(self):
        raise OSError("no sandbox here")
    monkeypatch.setattr(kernel_module.SandboxKernel, "start", broken_start)
    record = execute_notebook(notebook("x = 1"), tmp_path / "work2", SHORT)
    assert record.infrastructure_error == "startup: the sandboxed kernel could not be started: OSError: no sandbox here"


def test_a_notebook_error_is_not_an_infrastructure_error(tmp_path):
    record = execute_notebook(notebook("1/0"), tmp_path / "work", SHORT)
    assert record.error.startswith("ZeroDivisionError") and record.infrastructure_error is None


# -- housekeeping -----------------------------------------------------------------------------------------------

OWNER = """\
import sys, tempfile, time
tempfile.tempdir = sys.argv[1]
from evolve.sandbox.isolation import detect_isolation
from evolve.sandbox.kernel import SandboxKernel
kernel = SandboxKernel(sys.argv[2], features=detect_isolation(), memory_mb=1024).start()
print(kernel.private, kernel.process.pid, flush=True)
time.sleep(600)
"""


@pytest.fixture
def short_tmp():
    """A temp root with a short path (ipc socket paths must stay under 100 characters)."""
    folder = Path(tempfile.mkdtemp(prefix="sw-"))
    yield folder
    subprocess.run(["rm", "-rf", str(folder)], check=False)


def test_a_kernel_left_by_a_killed_owner_is_swept(tmp_path, short_tmp):
    tmp_root = short_tmp
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(tmp_root), str(tmp_path / "work")],
                             stdout=subprocess.PIPE, text=True)
    try:
        private, pid = owner.stdout.readline().split()
        kernel_tree = psutil.Process(int(pid))
        assert Path(private).is_dir() and sweep_stale_kernels(tmp_root) == []  # its owner is alive
    finally:
        owner.kill()  # kill -9: nothing of the owner's clean-up runs
        owner.wait()
    assert Path(private).is_dir()
    assert sweep_stale_kernels(tmp_root) == [Path(private)]
    assert not Path(private).exists() and (tmp_path / "work").is_dir()
    psutil.wait_procs([kernel_tree], timeout=10)
    assert not kernel_tree.is_running() or kernel_tree.status() == psutil.STATUS_ZOMBIE


def test_the_sweep_kills_a_recorded_kernel_that_is_still_ours(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    leftover = subprocess.Popen(["sleep", "600"], start_new_session=True)
    try:
        folder = tmp_path / "evolve-kernel-abc"
        folder.mkdir()
        (folder / housekeeping.MARKER).write_text(json.dumps({
            "owner_pid": dead.pid, "owner_start": time.time() - 100,
            "kernel_pid": leftover.pid, "kernel_start": psutil.Process(leftover.pid).create_time()}))
        stranger = tmp_path / "evolve-kernel-def"  # a recorded pid now used by another process: not killed
        stranger.mkdir()
        (stranger / housekeeping.MARKER).write_text(json.dumps({
            "owner_pid": dead.pid, "owner_start": time.time() - 100,
            "kernel_pid": os.getpid(), "kernel_start": psutil.Process().create_time() - 50}))
        assert sorted(sweep_stale_kernels(tmp_path)) == [folder, stranger]
        leftover.wait(timeout=10)  # dead (the sweep reaped it: the exit status is gone), we are alive
        assert not psutil.pid_exists(leftover.pid) or psutil.Process(leftover.pid).status() == psutil.STATUS_ZOMBIE
    finally:
        if leftover.poll() is None:
            leftover.kill()


def test_unmarked_folders_are_swept_only_when_old(tmp_path):
    young, old = tmp_path / "evolve-pool-young", tmp_path / "evolve-kernel-old"
    for folder in (young, old):
        (folder / "state").mkdir(parents=True)
    hour_ago = time.time() - housekeeping.UNMARKED_STALE_S - 60
    os.utime(old, (hour_ago, hour_ago))
    mine = tmp_path / "evolve-kernel-mine"
    mine.mkdir()
    housekeeping.write_marker(mine)
    (tmp_path / "unrelated").mkdir()
    assert sweep_stale_kernels(tmp_path) == [old]
    assert young.is_dir() and mine.is_dir() and (tmp_path / "unrelated").is_dir()


def test_a_pools_own_root_is_marked_and_removed_on_close():
    with KernelPool(size=1, limits=SHORT) as pool:
        root = pool.root
        assert root.name.startswith("evolve-pool-") and housekeeping.read_marker(root)["owner_pid"] == os.getpid()
    assert not root.exists()


def test_prune_keeps_the_newest_executions_and_follows_no_link(tmp_path):
    root, elsewhere = tmp_path / "executions", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("keep")
    root.mkdir()
    now = time.time()
    for age in range(5):
        folder = root / f"exec-{age}"
        (folder / "work").mkdir(parents=True)
        (folder / "work" / "link").symlink_to(elsewhere)
        os.utime(folder, (now - 100 * age, now - 100 * age))
    (root / "a-link").symlink_to(elsewhere)
    (root / "note.txt").write_text("not an execution")
    assert prune_executions(root, 0) == []
    assert sorted(p.name for p in prune_executions(root, 2)) == ["exec-2", "exec-3", "exec-4"]
    assert sorted(p.name for p in root.iterdir()) == ["a-link", "exec-0", "exec-1", "note.txt"]
    assert (elsewhere / "precious.txt").read_text() == "keep"


def test_prune_finds_executions_nested_in_runs_and_removes_the_folders_they_leave_empty(tmp_path):
    root = tmp_path / "executions"
    now = time.time()
    layout = ["run-a/trial-1/turn-1", "run-a/trial-1/turn-2", "run-b/trial-9/turn-1", "eval-x"]
    for age, name in enumerate(layout):
        folder = root / name
        (folder / "work").mkdir(parents=True)
        os.utime(folder, (now - 100 * age, now - 100 * age))
    removed = prune_executions(root, 2)
    assert sorted(str(p.relative_to(root)) for p in removed) == ["eval-x", "run-b/trial-9/turn-1"]
    assert not (root / "run-b").exists() and (root / "run-a" / "trial-1" / "turn-2" / "work").is_dir()
