"""The notebook sandbox: folders, limits, environment, network, writes, startup files, errors, clean-up, pool.

Every test runs real kernels on small nbformat notebooks with short limits (a cold kernel costs ~1 s).
Assertions that need a feature the machine lacks are skipped, after checking that detect_isolation()
does not claim it.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat.v4 as v4
import psutil
import pytest

from evolve.sandbox import KernelPool, Limits, detect_isolation, execute_notebook, looks_secret
from evolve.sandbox import runner
from evolve.sandbox.isolation import ALWAYS

AVAILABLE = detect_isolation()
SHORT = Limits(cell_timeout_s=3, total_timeout_s=20, memory_mb=1024)


def notebook(*sources: str):
    return v4.new_notebook(cells=[v4.new_code_cell(source) for source in sources])


def run(tmp_path: Path, *sources: str, limits: Limits = SHORT, **kw):
    return execute_notebook(notebook(*sources), tmp_path / "work", limits, **kw)


def stdout(record, cell: int) -> str:
    return "".join(o.get("text", "") for o in record.notebook.cells[cell].outputs
                   if o.output_type == "stream" and o.name == "stdout")


def live_sleepers(since: float) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline", "create_time", "status"]):
        if (proc.info["cmdline"] == ["sleep", "1000"] and proc.info["create_time"] >= since - 1
                and proc.info["status"] != psutil.STATUS_ZOMBIE):
            found.append(proc)
    return found


def live_children() -> list[psutil.Process]:
    alive = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc)
        except psutil.NoSuchProcess:
            pass
    return alive


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Point tempfile (where each kernel's private dir goes) at an empty folder we can inspect."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


# -- 1, 8: fresh folder, cwd, HOME, same Python ---------------------------------------------------------

def test_fresh_folder_is_cwd_and_home_and_receives_files_with_the_callers_python(tmp_path):
    nb = notebook("import os, sys, json\n"
                  "print(json.dumps([os.getcwd(), os.environ['HOME'], sys.executable, sys.prefix]))",
                  "open('out.txt', 'w').write('written')")
    record = execute_notebook(nb, tmp_path / "work", SHORT)
    assert nb.cells[0].outputs == []  # the caller's notebook is left as it was
    assert record.executed and record.error is None and record.error_cell is None
    workdir = (tmp_path / "work").resolve()
    assert record.workdir == workdir
    cwd, home, executable, prefix = json.loads(stdout(record, 0))
    assert Path(cwd) == workdir and Path(home) == workdir
    assert (executable, prefix) == (sys.executable, sys.prefix)
    assert (workdir / "out.txt").read_text() == "written"
    assert {"fresh-folder", "env-allowlist", "process-group"} <= set(record.isolation)
    assert record.notebook.cells[0].execution_count == 1 and record.wall_s > 0


def test_workdir_must_be_fresh(tmp_path):
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "old.txt").write_text("stale")
    with pytest.raises(FileExistsError):
        run(tmp_path, "pass")


# -- 2: timeouts kill the whole process group -----------------------------------------------------------

def test_cell_timeout_stops_an_infinite_loop(tmp_path):
    record = run(tmp_path, "x = 1", "while True: pass", "open('never.txt', 'w')",
                 limits=Limits(cell_timeout_s=1.5, total_timeout_s=30, memory_mb=1024))
    assert not record.executed and record.timed_out and not record.memory_exceeded
    assert record.error == "timeout: cell 1 exceeded 1.5 s" and record.error_cell == 1
    assert record.wall_s < 10  # not nbclient's backstop (cell timeout + 10 s)
    assert not (record.workdir / "never.txt").exists()


def test_timeout_kills_children_including_those_that_left_the_group(tmp_path):
    since = time.time()
    record = run(tmp_path, "import subprocess\n"
                           "a = subprocess.Popen(['sleep', '1000'])\n"
                           "b = subprocess.Popen(['sleep', '1000'], start_new_session=True)",
                 "while True: pass", limits=Limits(cell_timeout_s=1, total_timeout_s=30, memory_mb=1024))
    assert record.timed_out and record.error_cell == 1
    assert live_sleepers(since) == []


def test_total_timeout_spans_cells(tmp_path):
    record = run(tmp_path, "import time; time.sleep(0.6)", "time.sleep(0.6)", "time.sleep(0.6)", "time.sleep(0.6)",
                 limits=Limits(cell_timeout_s=3, total_timeout_s=1.5, memory_mb=1024))
    assert record.timed_out and not record.executed
    assert record.error.startswith("timeout: notebook exceeded 1.5 s") and record.error_cell in (2, 3)


# -- 3: memory -------------------------------------------------------------------------------------------

def test_unbounded_allocation_is_stopped_without_hurting_the_caller(tmp_path):
    before = psutil.Process().memory_info().rss
    record = run(tmp_path, "chunks = []\nwhile True:\n    chunks.append(bytearray(100 * 2**20))",
                 limits=Limits(cell_timeout_s=20, total_timeout_s=30, memory_mb=512))
    assert record.memory_exceeded and not record.executed and not record.timed_out
    assert record.error.startswith("memory: exceeded 512 MB") and record.error_cell == 0
    assert "memory-watchdog" in record.isolation
    assert psutil.Process().memory_info().rss - before < 100 * 2**20


@pytest.mark.skipif("rlimit-as" not in AVAILABLE, reason="no address-space limit on this machine")
def test_single_huge_allocation_fails_at_the_address_space_limit(tmp_path):
    record = run(tmp_path, "big = bytearray(64 * 2**30)", limits=Limits(cell_timeout_s=5, memory_mb=512))
    assert record.memory_exceeded and "MemoryError" in record.error and record.error.startswith("memory:")


# -- 4: environment --------------------------------------------------------------------------------------

def test_environment_comes_from_the_allowlist_without_credentials(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "abc")
    monkeypatch.setenv("MY_SERVICE_TOKEN", "t0k3n")
    monkeypatch.setenv("INNOCENT_LOOKING", "ghp_0123456789abcdefghij")
    monkeypatch.setenv("NOT_ALLOWLISTED", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("MPLCONFIGDIR", "/caller/matplotlib")
    monkeypatch.setenv("DOMAIN_HOME", "/caller/domain")  # a domain's state variable (its plugin's state_env)
    names = ["OPENAI_API_KEY", "AWS_SECRET_ACCESS_KEY", "MY_SERVICE_TOKEN", "INNOCENT_LOOKING", "NOT_ALLOWLISTED",
             "OMP_NUM_THREADS", "EXTRA", "GITHUB_TOKEN", "HOME", "TMPDIR", "MPLCONFIGDIR", "IPYTHONDIR",
             "DOMAIN_HOME", "NUMBA_CACHE_DIR"]
    allow = ["PATH", "OMP_*", "MPLCONFIGDIR", "OPENAI_API_KEY", "AWS_*", "MY_*", "INNOCENT_LOOKING"]  # mistakes
    record = run(tmp_path, f"import os, json; print(json.dumps({{n: os.environ.get(n) for n in {names!r}}}))",
                 "print(os.environ.get('OPENAI_API_KEY'))",
                 env_allow=allow, extra_env={"EXTRA": "yes", "GITHUB_TOKEN": "ghp_x"},
                 state_env={"DOMAIN_HOME": "domain"})
    assert record.executed, record.error
    env = json.loads(stdout(record, 0))
    assert stdout(record, 1).strip() == "None"
    for secret in ("OPENAI_API_KEY", "AWS_SECRET_ACCESS_KEY", "MY_SERVICE_TOKEN", "INNOCENT_LOOKING", "GITHUB_TOKEN"):
        assert env[secret] is None, secret
    assert env["NOT_ALLOWLISTED"] is None and env["OMP_NUM_THREADS"] == "1" and env["EXTRA"] == "yes"
    assert env["HOME"] == str(record.workdir)
    real_home = os.path.expanduser("~")
    for state in ("MPLCONFIGDIR", "IPYTHONDIR", "DOMAIN_HOME", "NUMBA_CACHE_DIR", "TMPDIR"):
        assert env[state] and env[state] != os.environ.get(state) and not env[state].startswith(real_home + "/")
    assert Path(env["DOMAIN_HOME"]).name == "domain" and Path(env["DOMAIN_HOME"]).parent == Path(env["IPYTHONDIR"]).parent


def test_looks_secret():
    for name, value in [("ANTHROPIC_API_KEY", "x"), ("HF_TOKEN", "x"), ("DB_PASSWORD", "x"), ("AWS_REGION", "x"),
                        ("DATABASE_URL", "postgres://u:p@h/db"), ("FOO", "sk-abc"), ("FOO", "xoxb-1")]:
        assert looks_secret(name, value), name
    for name, value in [("PATH", "/usr/bin"), ("OMP_NUM_THREADS", "2"), ("TVB_USER_HOME", "/x"), ("LANG", "C")]:
        assert not looks_secret(name, value), name


# -- 5: network ------------------------------------------------------------------------------------------

CONNECT = ("import socket\ns = socket.socket()\ns.settimeout(2)\n"
           "try:\n    s.connect(('127.0.0.1', {port}))\n    print('connected')\n"
           "except OSError as e:\n    print('blocked', type(e).__name__)")


@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    yield server.getsockname()[1]
    server.close()


def test_no_network(tmp_path, listener):
    if "net-namespace" not in AVAILABLE:
        # Honest reporting: without a namespace the loopback is reachable, and nothing claims otherwise.
        record = run(tmp_path, CONNECT.format(port=listener))
        assert "net-namespace" not in record.isolation and stdout(record, 0).startswith("connected")
        pytest.skip("this machine cannot provide a network namespace")
    record = run(tmp_path, CONNECT.format(port=listener))
    assert record.executed and "net-namespace" in record.isolation
    assert stdout(record, 0).startswith("blocked")


# -- 6: writes confined to the folder --------------------------------------------------------------------

def test_writes_are_confined_to_the_folder(tmp_path):
    if "mount-allowlist" not in AVAILABLE:
        assert shutil.which("bwrap") is None or "mount-allowlist" not in detect_isolation()
        pytest.skip("bubblewrap is not available: writes are not confined on this machine")
    outside = tmp_path / "outside.txt"
    in_venv = Path(sys.prefix) / "sandbox-escape.txt"
    record = run(tmp_path, "open('out.txt', 'w').write('ok')",
                 "try:\n    open('../escape.txt', 'w').write('x')\nexcept OSError as e:\n    print(type(e).__name__)",
                 f"try:\n    open({str(outside)!r}, 'w').write('x')\nexcept OSError as e:\n    print(type(e).__name__)",
                 f"try:\n    open({str(in_venv)!r}, 'w').write('x')\nexcept OSError as e:\n    print(e.strerror)",
                 "import tempfile, os\np = os.path.join(tempfile.gettempdir(), 'private.txt')\n"
                 "open(p, 'w').write('x'); print(p)")
    assert record.executed, record.error
    assert (record.workdir / "out.txt").read_text() == "ok"
    # Under /tmp the parent folders exist only in the kernel's private /tmp (gone now); elsewhere the
    # root is read-only. Either way nothing appears outside the workdir.
    assert not (tmp_path / "escape.txt").exists() and not outside.exists() and not in_venv.exists()
    assert stdout(record, 3).strip() == "Read-only file system"
    assert not Path(stdout(record, 4).strip()).exists()  # its /tmp was private and is gone


@pytest.fixture
def outside_tmp():
    """A folder outside /tmp (which the sandbox replaces wholesale), like a real runs/ folder."""
    base = Path(tempfile.mkdtemp(prefix="evolve-sandbox-test-", dir="/var/tmp" if os.path.isdir("/var/tmp") else None))
    yield base
    shutil.rmtree(base, ignore_errors=True)


def test_neighbouring_folders_are_invisible(outside_tmp):
    if "mount-allowlist" not in AVAILABLE:
        pytest.skip("bubblewrap is not available")
    (outside_tmp / "other-trial").mkdir()
    (outside_tmp / "other-trial" / "results.json").write_text('{"answer": 42}')
    record = execute_notebook(notebook(
        "import os; print(sorted(os.listdir('..')))",
        "try:\n    print(open('../other-trial/results.json').read())\n"
        "except OSError as e:\n    print(type(e).__name__)",
        "try:\n    open('../escape.txt', 'w').write('x')\nexcept OSError as e:\n    print(type(e).__name__)"),
        outside_tmp / "work", SHORT)
    assert record.executed, record.error
    assert stdout(record, 0).strip() == "['work']" and stdout(record, 1).strip() == "FileNotFoundError"
    assert stdout(record, 2).strip() == "PermissionError"  # the folders above it are the sandbox's, not its
    assert sorted(p.name for p in outside_tmp.iterdir()) == ["other-trial", "work"]


# -- 7: startup files ------------------------------------------------------------------------------------

def test_startup_files_run_first_are_visible_and_read_only(tmp_path):
    hook = tmp_path / "hook.py"
    hook.write_text("import inspect\nHOOKED = 42\nHOOK_PATH = inspect.currentframe().f_code.co_filename\n")
    second = tmp_path / "second.py"
    second.write_text("HOOKED_TWICE = HOOKED + 1\n")
    record = run(tmp_path, "print(HOOKED, HOOKED_TWICE)",
                 "try:\n    open(HOOK_PATH, 'a').write('tampered')\n    print('writable')\n"
                 "except OSError:\n    print('read-only')",
                 startup_files=[hook, second])
    assert record.executed, record.error
    assert stdout(record, 0).strip() == "42 43"
    assert record.notebook.cells[0].execution_count == 1  # the hidden steps did not count
    if "mount-allowlist" in record.isolation:
        assert stdout(record, 1).strip() == "read-only"
    assert "tampered" not in hook.read_text()


def test_the_wall_time_splits_into_kernel_start_imports_and_execution(tmp_path):
    slow_import = tmp_path / "slow.py"
    slow_import.write_text("import time\ntime.sleep(1.0)\n")
    record = run(tmp_path, "import time\ntime.sleep(1.5)", startup_files=[slow_import])
    assert record.executed, record.error
    assert record.kernel_start_s > 0 and 1.0 <= record.imports_s < 1.0 + record.kernel_start_s + 5
    assert record.execution_s >= 1.5
    parts = record.kernel_start_s + record.imports_s + record.execution_s
    assert parts == pytest.approx(record.wall_s, abs=0.5)


def test_failing_startup_file_is_reported_and_no_cell_runs(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("raise RuntimeError('hook broke')\n")
    record = run(tmp_path, "open('ran.txt', 'w')", startup_files=[bad])
    assert not record.executed and record.error_cell is None
    assert record.error.startswith("startup: bad.py: RuntimeError: hook broke")
    assert record.infrastructure_error == record.error
    assert not (record.workdir / "ran.txt").exists()


# -- 9: errors -------------------------------------------------------------------------------------------

def test_error_stops_at_the_failing_cell(tmp_path):
    nb = v4.new_notebook(cells=[v4.new_code_cell("a = 1"), v4.new_markdown_cell("# text"),
                                v4.new_code_cell("print(undefined_name)"),
                                v4.new_code_cell("open('after.txt', 'w')", metadata={"tags": ["raises-exception"]}),
                                v4.new_code_cell("open('later.txt', 'w')")])
    record = execute_notebook(nb, tmp_path / "work", SHORT)
    assert not record.executed and not record.timed_out
    assert record.error.startswith("NameError: name 'undefined_name' is not defined")
    assert record.error_cell == 2 and "\x1b[" not in record.error and len(record.error.splitlines()) <= 27
    assert not (record.workdir / "after.txt").exists() and not (record.workdir / "later.txt").exists()
    assert record.notebook.cells[2].outputs[0].output_type == "error"
    assert record.notebook.cells[4].execution_count is None


def test_kernel_death_is_a_clear_error_not_a_hang(tmp_path):
    record = run(tmp_path, "x = 1", "import os; os._exit(3)", "x = 2")
    assert not record.executed and not record.timed_out and not record.memory_exceeded
    assert record.error.startswith("kernel died: exit code 3 in cell 1") and record.error_cell == 1
    assert record.wall_s < 10


def test_output_floods_are_cut_off(tmp_path):
    limits = Limits(cell_timeout_s=10, total_timeout_s=20, memory_mb=1024, output_mb=1)
    # print(): capped inside the kernel, so the parent never receives one giant message. The long single
    # line first is a regression test: nbclient's stream coalescing is quadratic on it.
    record = run(tmp_path, "print('y' * 600_000)", "while True: print('x' * 100_000)", limits=limits)
    assert record.output_exceeded and not record.executed and record.error_cell == 1
    assert record.error.startswith("output: cell outputs exceeded 1 MB") and "OutputLimitExceeded" in record.error
    assert len(stdout(record, 0)) == 600_001 and record.wall_s < 15
    # Raw file-descriptor writes bypass print(): the watchdog sees them in the kernel's log.
    shutil.rmtree(tmp_path / "work")
    record = run(tmp_path, "import os\nwhile True: os.write(1, b'x' * 100_000)", limits=limits)
    assert record.output_exceeded and record.error.startswith("output:") and record.wall_s < 15


# -- 10: clean-up ----------------------------------------------------------------------------------------

def test_nothing_is_left_behind_but_the_workdir(tmp_path, private_tmp):
    since = time.time()
    for sources in (("open('result.txt', 'w').write('r')",),
                    ("import subprocess; p = subprocess.Popen(['sleep', '1000'])", "1/0"),
                    ("import os, subprocess; p = subprocess.Popen(['sleep', '1000']); os._exit(1)",)):
        shutil.rmtree(tmp_path / "work", ignore_errors=True)
        run(tmp_path, *sources)
        assert list(private_tmp.iterdir()) == []  # connection file, ipc sockets, state, private /tmp
        assert live_children() == []
    assert live_sleepers(since) == []


# -- weaker isolation still works and says so -------------------------------------------------------------

@pytest.mark.parametrize("features", [list(ALWAYS) + ["memory-watchdog"], list(ALWAYS) + ["net-namespace"]],
                         ids=["minimal", "unshare-only"])
def test_weaker_isolation_runs_and_is_recorded(tmp_path, monkeypatch, listener, features):
    monkeypatch.setattr(runner, "detect_isolation", lambda: features)
    since = time.time()
    record = run(tmp_path, CONNECT.format(port=listener), "open('out.txt', 'w')",
                 "import subprocess; p = subprocess.Popen(['sleep', '1000'])", "while True: pass",
                 limits=Limits(cell_timeout_s=1, total_timeout_s=20, memory_mb=1024))
    assert record.timed_out and record.error_cell == 3 and (record.workdir / "out.txt").exists()
    assert "mount-allowlist" not in record.isolation and set(record.isolation) <= set(features)
    assert ("net-namespace" in record.isolation) == stdout(record, 0).startswith("blocked")
    assert live_sleepers(since) == [] and live_children() == []


# -- the pool --------------------------------------------------------------------------------------------

def test_pool_kernels_are_preloaded_fresh_and_used_once(tmp_path, private_tmp):
    hook = tmp_path / "hook.py"
    hook.write_text("HOOKED = 'yes'\n")
    check = ("import os, json\nprint(json.dumps([os.getcwd(), PRELOADED, HOOKED, 'LEAK' in globals(),\n"
             "                  os.environ['EVOLVE_EVIDENCE_DIR']]))\n"
             "LEAK = 1\nopen('mine.txt', 'w').write(os.getcwd())\n"
             "open(os.path.join(os.environ['EVOLVE_EVIDENCE_DIR'], 'trace.jsonl'), 'w').write('{}')")
    with KernelPool(size=1, preload_code="import json\nPRELOADED = json.dumps(7)", limits=SHORT,
                    startup_files=[hook], root=tmp_path / "pool") as pool:
        first = pool.execute(notebook(check))
        assert pool.wait_ready(120)
        second = pool.execute(notebook(check), workdir=tmp_path / "moved", evidence_dir=tmp_path / "moved-evidence")
        failing = pool.execute(notebook("import os; os._exit(1)"))
    assert first.executed and second.executed, (first.error, second.error)
    assert first.notebook.cells[0].execution_count == 1
    for record in (first, second):
        cwd, preloaded, hooked, leaked, evidence = json.loads(stdout(record, 0))
        assert (preloaded, hooked, leaked) == ("7", "yes", False)  # a fresh kernel each time
        assert (record.workdir / "mine.txt").exists() and (record.evidence_dir / "trace.jsonl").exists()
    cwd, *_, evidence = json.loads(stdout(first, 0))
    assert (Path(cwd), Path(evidence)) == (first.workdir, first.evidence_dir)
    assert first.workdir.parent == first.evidence_dir.parent  # an execution folder: work/ and evidence/
    assert second.workdir == (tmp_path / "moved").resolve() and first.workdir != second.workdir
    assert second.evidence_dir == (tmp_path / "moved-evidence").resolve()
    assert failing.error.startswith("kernel died") and failing.infrastructure_error is None
    # the second kernel was started and preloaded before its notebook came: its start cost that notebook 0
    assert second.kernel_start_s == 0 and second.imports_s == 0 and second.execution_s > 0
    # Idle kernels and their unused folders are gone; executed folders stay (the moved one is gone).
    assert sorted(p.name for p in (tmp_path / "pool").iterdir()) == sorted(
        p.workdir.parent.name for p in (first, failing))
    assert list(private_tmp.iterdir()) == [] and live_children() == []


def test_pool_reports_a_broken_preload(tmp_path):
    with KernelPool(size=1, preload_code="import no_such_module_here", limits=SHORT, root=tmp_path / "pool") as pool:
        record = pool.execute(notebook("x = 1"))
    assert not record.executed and record.error.startswith("startup: preload: ModuleNotFoundError")
    assert record.infrastructure_error == record.error  # missing data, not the notebook's fault


# -- the isolation report --------------------------------------------------------------------------------

def test_detect_isolation_is_cached_and_honest():
    assert detect_isolation() == AVAILABLE and detect_isolation() is not AVAILABLE  # a copy, same answer
    assert set(ALWAYS) <= set(AVAILABLE)
    if shutil.which("bwrap") is None:
        assert "mount-allowlist" not in AVAILABLE and "pid-namespace" not in AVAILABLE
    if "mount-allowlist" in AVAILABLE:
        assert {"net-namespace", "private-tmp", "pid-namespace"} <= set(AVAILABLE)


@pytest.mark.slow  # 5-10 s: importing TVB dominates; run with EVOLVE_SLOW=1 bash scripts/test
def test_tvb_imports_under_the_address_space_limit(tmp_path):
    """RLIMIT_AS must not break numba/llvmlite: import TVB and jit a function in the sandbox, with a memory
    limit (1 GB, so RLIMIT_AS = 2 GB) far below the default."""
    record = run(tmp_path, "from tvb.simulator.lab import *\nimport numba\n"
                           "@numba.njit\ndef f(x):\n    return x * 2\nprint(f(21))",
                 "sim = simulator.Simulator(model=models.Generic2dOscillator(), coupling=coupling.Linear(),\n"
                 "    connectivity=connectivity.Connectivity.from_file(), simulation_length=10.0,\n"
                 "    integrator=integrators.HeunDeterministic(dt=0.1), monitors=(monitors.TemporalAverage(),))\n"
                 "sim.configure()\n((t, y),) = sim.run()\nprint(y.shape)",
                 limits=Limits(cell_timeout_s=120, memory_mb=1024))
    assert record.executed, record.error
    assert stdout(record, 0).strip() == "42" and stdout(record, 1).strip().endswith("(10, 1, 76, 1)")


def test_ctrl_c_interrupts_the_caller_and_still_cleans_up(tmp_path):
    """nbclient turns SIGINT into a kernel shutdown; the caller must still see KeyboardInterrupt."""
    since = time.time()
    timer = threading.Timer(2.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            run(tmp_path, "import subprocess; p = subprocess.Popen(['sleep', '1000'])", "while True: pass",
                limits=Limits(cell_timeout_s=20, total_timeout_s=30, memory_mb=1024))
    finally:
        timer.cancel()
    assert live_sleepers(since) == [] and live_children() == []


def test_a_checkout_under_tmp_stays_visible_through_the_private_tmp(tmp_path, monkeypatch):
    """CI clones the project (and its venv) under /tmp; the private /tmp must not hide the interpreter."""
    from evolve.sandbox import isolation

    venv = (tmp_path / "project" / ".venv").resolve()
    (venv / "lib").mkdir(parents=True)
    monkeypatch.setattr(isolation, "python_binds", lambda: [(venv, venv)])
    cmd = isolation.wrap_command(["python"], ["mount-allowlist"], workdir=tmp_path / "w",
                                 tmp_dir=tmp_path / "t", memory_mb=512)
    tmp_bind = cmd.index("/tmp")
    ro = [i for i, arg in enumerate(cmd) if arg == "--ro-bind" and cmd[i + 1] == str(venv)]
    assert ro and ro[0] > tmp_bind  # bound back after /tmp is replaced
