"""One sandboxed IPython kernel, started in a notebook's folder and used for exactly one notebook.

Contract:
- `SandboxKernel(workdir, ...)` lays out a private dir (connection file, ZMQ ipc sockets, tool state, a
  private /tmp, read-only copies of the startup files and a `sitecustomize.py` that runs them, the
  sandbox's passwd/group, the kernel's stderr log, an owner marker for `housekeeping`); `start()` launches
  `sys.executable -m ipykernel_launcher` in `workdir`, in its own session, wrapped in the sandbox that
  `isolation.wrap_command` builds. Under the mount allowlist the kernel sees of the private dir only the
  ipc and state dirs (read-write), the connection file and the startup files (read-only);
- `evidence_dir` (optional, new or empty) is bound read-write and named in `$EVOLVE_EVIDENCE_DIR`; it
  survives `close()`, like `workdir`;
- `state_env` (the domain's state variables, name -> sub-folder) point into the private state dir, beside the
  generic ones (`environ.kernel_environment`);
- startup files run in every Python process of the sandbox: a read-only dir on PYTHONPATH holds a
  `sitecustomize.py` that executes each (fresh namespace, errors swallowed) at interpreter start-up, so
  multiprocessing spawn/forkserver workers and `subprocess` Pythons get them too. They must be idempotent;
- `prepare()` waits until the kernel answers, then runs the output limit, the startup files and the preload
  code as hidden steps (no execution count, no outputs) in the user namespace, so the names they define
  are visible to the notebook; `started_at`, `ready_at` and `prepared_at` time the three steps;
- with `unprivileged-user` as root the kernel runs as a uid of its own (`isolation.sandbox_uid()`): the dirs
  it writes are chowned to it before the start, and `workdir` and `evidence_dir` back to the caller after
  the kill;
- `kill()` kills the whole process tree and `close()` also removes the private dir; both are idempotent
  and safe from any thread. Only `workdir` and `evidence_dir` (with whatever the notebook wrote) survive.

Why ipc and not tcp: the kernel lives in its own network namespace, where the caller's loopback does not
exist; unix sockets in a folder both sides see work across namespaces.
"""
from __future__ import annotations

import contextlib
import os
import queue
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import psutil
import zmq
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.client import KernelClient
from jupyter_client.connect import write_connection_file
from jupyter_core.utils import ensure_async, run_sync  # (what jupyter_client.utils re-exports)

from . import housekeeping
from .environ import DEFAULT_ENV_ALLOW, kernel_environment
from .isolation import applicable, sandbox_uid, wrap_command, write_identity_files
from .record import format_error, tail

MALFORMED = "__evolve_malformed__"  # content key marking a message whose JSON could not be decoded
READY_TIMEOUT_S = 60.0  # kernel start-up until it answers kernel_info
HIDDEN_STEP_TIMEOUT_S = 300.0  # each startup file / the preload (trusted code; importing TVB takes ~5 s)
_MAX_SOCKET_PATH = 100  # sun_path is 108 bytes; ZMQ appends "-N"


class _SandboxClient(KernelClient):
    """Liveness and readiness for clients of a kernel whose process we own.

    "Alive" means the sandbox process runs: polling it is exact and immediate, unlike heartbeats. And
    jupyter_client's wait_for_ready, without a KernelManager as parent, waits for heartbeats first and
    spins until its timeout if the kernel is already dead; this one fails as soon as the process is gone
    (and flushes IOPub for 50 ms, not 200: every notebook pays it)."""

    _sandbox_alive: Callable[[], bool] = staticmethod(lambda: True)  # replaced per client: is our process running

    async def _async_is_alive(self) -> bool:
        return self._sandbox_alive()

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            if not self._sandbox_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
            self.kernel_info()
            try:
                reply = await ensure_async(self.shell_channel.get_msg(timeout=0.5))
            except queue.Empty:
                continue
            if reply["msg_type"] != "kernel_info_reply":
                continue
            try:  # IOPub must be connected too, or the first outputs would be lost
                await ensure_async(self.iopub_channel.get_msg(timeout=0.2))
            except queue.Empty:
                continue
            self._handle_kernel_info_reply(reply)
            break
        while True:
            try:
                await ensure_async(self.iopub_channel.get_msg(timeout=0.05))
            except queue.Empty:
                return


class _AsyncClient(_SandboxClient, AsyncKernelClient):
    """nbclient's client."""

    is_alive = _SandboxClient._async_is_alive
    wait_for_ready = _SandboxClient._async_wait_for_ready

    def start_channels(self, shell=True, iopub=True, stdin=True, hb=False, control=True) -> None:
        # No heartbeat thread: liveness comes from the process (and a socket fewer per notebook).
        super().start_channels(shell=shell, iopub=iopub, stdin=stdin, hb=hb, control=control)


class _BlockingClient(_SandboxClient, BlockingKernelClient):
    """Client for the hidden preparation steps."""

    is_alive = run_sync(_SandboxClient._async_is_alive)
    wait_for_ready = run_sync(_SandboxClient._async_wait_for_ready)


class SandboxKernel:
    def __init__(
        self,
        workdir: Path,
        *,
        features: Sequence[str],
        memory_mb: int,
        output_mb: int = 64,
        disk_mb: int = 2048,
        max_tasks: int = 256,
        startup_files: Sequence[Path] = (),
        evidence_dir: Path | None = None,
        env_allow: Sequence[str] = DEFAULT_ENV_ALLOW,
        extra_env: Mapping[str, str] | None = None,
        state_env: Mapping[str, str] | None = None,
    ) -> None:
        self.workdir = _fresh(workdir, "workdir")
        self.evidence_dir = None if evidence_dir is None else _fresh(evidence_dir, "evidence dir")
        self.features = applicable(list(features))
        self.output_bytes = output_mb << 20
        # A uid of its own: only as root (otherwise the caller's uid, already unprivileged, is used).
        self.uid = sandbox_uid() if "unprivileged-user" in self.features and os.geteuid() == 0 else None
        self.private = Path(tempfile.mkdtemp(prefix="evolve-kernel-")).resolve()
        self._lock = threading.Lock()
        self._killed = False
        # monotonic times of start(), the kernel's first answer and the end of prepare() (None: not yet)
        self.started_at: float | None = None
        self.ready_at: float | None = None
        self.prepared_at: float | None = None
        self._closed = False
        self.process: subprocess.Popen | None = None
        try:
            housekeeping.write_marker(self.private)
            self._layout(startup_files, memory_mb, disk_mb, max_tasks, env_allow, extra_env, state_env)
        except BaseException:
            shutil.rmtree(self.private, ignore_errors=True)
            raise

    def _layout(self, startup_files, memory_mb, disk_mb, max_tasks, env_allow, extra_env, state_env) -> None:
        ipc, tmp, startup, site, state = (self.private / name for name in ("ipc", "tmp", "startup", "site",
                                                                           "state"))
        for folder in (ipc, tmp, startup, site, state):
            folder.mkdir()
        if len(str(ipc / "k-99")) > _MAX_SOCKET_PATH:
            raise ValueError(f"temp dir path too long for ipc sockets: {ipc} (set TMPDIR shorter)")
        # Copies, so the notebook can neither edit the originals nor (under bwrap) the copies.
        self.startup_files = []
        for number, source in enumerate(startup_files):
            target = startup / f"{number:02d}-{Path(source).name}"
            shutil.copyfile(source, target)
            target.chmod(0o444)
            self.startup_files.append(target)
        (site / "sitecustomize.py").write_text(_SITECUSTOMIZE)
        (site / "sitecustomize.py").chmod(0o444)
        self.importable = self.private / "importable"  # read-only modules the notebook may import (provide())
        self.importable.mkdir()
        self.connection_file = self.private / "kernel.json"
        write_connection_file(str(self.connection_file), transport="ipc", ip=str(ipc / "k"),
                              key=secrets.token_hex(32).encode(), kernel_name="python3")
        private_tmp = "private-tmp" in self.features
        self.env = kernel_environment(self.workdir, state, Path("/tmp") if private_tmp else tmp, env_allow,
                                      extra_env, state_env=state_env)
        # Ours, after the caller's: startup files in every Python process; where the evidence goes.
        self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), self.env.get("PYTHONPATH")]))
        if self.evidence_dir is not None:
            self.env["EVOLVE_EVIDENCE_DIR"] = str(self.evidence_dir)
        # ipykernel exits when this pid stops being its parent. Inside a pid namespace its parent is the
        # sandbox's init (pid 1, which ipykernel reads as "don't poll"): bwrap's --die-with-parent does
        # that job there. Either way a parent is set, which also keeps ipykernel's console banner quiet.
        self.env["JPY_PARENT_PID"] = "1" if "pid-namespace" in self.features else str(os.getpid())
        etc = write_identity_files(self.private / "etc", self.uid if self.uid is not None else os.getuid(),
                                   self.workdir)
        evidence = [self.evidence_dir] if self.evidence_dir is not None else []
        self.writable_dirs = [self.workdir, *evidence, tmp, state, ipc]  # what the disk limit counts
        if self.uid is not None:
            for folder in self.writable_dirs:
                _chown_tree(folder, self.uid, self.uid)
            os.chown(self.connection_file, self.uid, self.uid)
        kernel_cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", str(self.connection_file),
                      "--HistoryManager.hist_file=:memory:"]
        self.cmd = wrap_command(kernel_cmd, self.features, workdir=self.workdir, tmp_dir=tmp,
                                writable=[*evidence, ipc, state],
                                readonly=[self.connection_file, startup, site, self.importable],
                                etc=etc, uid=self.uid, memory_mb=memory_mb, disk_mb=disk_mb, max_tasks=max_tasks)
        self.log_path = self.private / "kernel.log"

    # -- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> SandboxKernel:
        self.started_at = time.monotonic()
        with open(self.log_path, "wb") as log:
            # start_new_session: the kernel leads its own process group, so killpg reaches its children.
            self.process = subprocess.Popen(self.cmd, cwd=self.workdir, env=self.env, stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                            close_fds=True)
        housekeeping.write_marker(self.private, kernel_pid=self.process.pid)
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def describe_exit(self) -> str:
        """`"exit code 3"`, or with the signal spelled out: `"exit code 139 (SIGSEGV)"`."""
        code = self.exit_code
        # Popen reports a signal as -N; bubblewrap passes a signalled child on as 128 + N.
        number = -code if code is not None and code < 0 else code - 128 if code and code > 128 else None
        try:
            return f"exit code {code}" + (f" ({signal.Signals(number).name})" if number else "")
        except ValueError:
            return f"exit code {code}"

    def processes(self) -> list[psutil.Process]:
        """The sandbox's process tree (wrapper, kernel and everything the notebook started)."""
        process = self.process
        if process is None or process.poll() is not None:  # not self.alive
            return []
        try:
            root = psutil.Process(process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return []

    def kill(self) -> None:
        """SIGKILL the process group and every process in the tree (a child that called setsid has left the
        group but not the tree; inside a pid namespace even orphans stay in the tree, under its init)."""
        with self._lock:
            if self.process is None or self._killed:
                return
            self._killed = True
            tree = self.processes()
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            for proc in tree:
                with contextlib.suppress(psutil.Error):
                    proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
            _wait_dead(tree[1:], timeout=5)

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_tail(self, lines: int = 15) -> str:
        try:
            with open(self.log_path, "rb") as log:
                log.seek(max(0, self.log_size() - 16384))
                return tail(log.read().decode(errors="replace"), lines)
        except OSError:
            return ""

    def close(self) -> str:
        """Kill the kernel, give `workdir` and `evidence_dir` back to the caller's uid and remove the private
        dir; returns the tail of its log."""
        self.kill()
        log = self.log_tail()
        with self._lock:
            if not self._closed:
                self._closed = True
                if self.uid is not None:  # every process of that uid is dead: nothing can race the walk
                    for folder in filter(None, (self.workdir, self.evidence_dir)):
                        _chown_tree(folder, os.getuid(), os.getgid())
                for folder in [self.importable, *self.importable.rglob("*")]:
                    if folder.is_dir() and not folder.is_symlink():
                        folder.chmod(0o755)  # provide() made them read-only; rmtree must empty them
                shutil.rmtree(self.private, ignore_errors=True)
        return log

    # -- talking to it -----------------------------------------------------------------------------------

    def async_client(self) -> AsyncKernelClient:
        client = _AsyncClient()
        # No single message may be larger than all the output allowed: a bigger one drops the connection
        # (ZMQ reconnects) instead of landing in our memory. Set on the context: it applies to new sockets.
        client.context.setsockopt(zmq.MAXMSGSIZE, self.output_bytes + (1 << 20))
        client.load_connection_file(str(self.connection_file))
        client._sandbox_alive = lambda: self.alive
        client.session.unpack = _tolerant_unpack(client.session.unpack)
        return client

    def provide(self, modules: Mapping[str, bytes]) -> None:
        """Make `modules` (relative path → content, e.g. `pkg/__init__.py`) importable by the notebook, read-only:
        written into the kernel's `importable` dir, which every Python of the sandbox has last on sys.path and
        which the mount allowlist binds read-only. Works on a running kernel (a pooled one): the bind shows the
        files as soon as they are written, and the import system rereads a folder whose mtime changed. Call it
        before the notebook runs, at most once."""
        for relative in sorted(modules):
            parts = Path(relative).parts
            if Path(relative).is_absolute() or not parts or any(p in ("", ".", "..") for p in parts):
                raise ValueError(f"a provided module must have a plain relative path, not {relative!r}")
            target = self.importable.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(modules[relative])
            target.chmod(0o444)
        for folder in sorted((p for p in self.importable.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
            folder.chmod(0o555)  # (without bubblewrap the files are only as read-only as their modes)
        self.importable.chmod(0o555)

    def prepare(self, preload_code: str = "") -> str | None:
        """Wait until the kernel answers, then run the startup files and `preload_code` as hidden steps.
        Returns None, or an error string starting with "startup:" (the kernel is then unusable)."""
        client = _BlockingClient()
        client.load_connection_file(str(self.connection_file))
        client._sandbox_alive = lambda: self.alive
        client.start_channels(hb=False)
        try:
            try:
                client.wait_for_ready(timeout=READY_TIMEOUT_S)
            except RuntimeError as exc:
                return f"startup: kernel did not start ({exc})\n{self.log_tail()}".rstrip()
            self.ready_at = time.monotonic()
            steps = [("output limit", _OUTPUT_LIMIT_CODE.format(limit=self.output_bytes))]
            steps += [(path.name[3:], _exec_file_code(path)) for path in self.startup_files]
            if preload_code.strip():
                steps.append(("preload", preload_code))
            for label, code in steps:
                error = self._hidden(client, code, label)
                if error:
                    return error
            self.prepared_at = time.monotonic()
            return None
        finally:
            client.stop_channels()

    def _hidden(self, client: _BlockingClient, code: str, label: str) -> str | None:
        msg_id = client.execute(code, silent=True, store_history=False, allow_stdin=False)
        deadline = time.monotonic() + HIDDEN_STEP_TIMEOUT_S
        while True:
            try:
                reply = client.get_shell_msg(timeout=0.2)
            except queue.Empty:
                if not self.alive:
                    return f"startup: {label}: kernel died ({self.describe_exit()})\n{self.log_tail()}".rstrip()
                if time.monotonic() > deadline:
                    return f"startup: {label}: exceeded {HIDDEN_STEP_TIMEOUT_S:.0f} s"
                continue
            if reply["parent_header"].get("msg_id") != msg_id:
                continue
            content = reply["content"]
            if content.get("status") == "error":
                return f"startup: {label}: " + format_error(content.get("ename", "Error"),
                                                            content.get("evalue", ""), content.get("traceback"))
            return None


def _tolerant_unpack(unpack):
    """The session's JSON decoder, made to return a marked content instead of raising: the kernel, i.e.
    the notebook, chooses the bytes (JSON nested 10,000 deep raises RecursionError in the caller)."""
    def tolerant(data):
        try:
            return unpack(data)
        except (RecursionError, ValueError, TypeError) as exc:  # JSONDecodeError and UnicodeError included
            return {MALFORMED: f"{type(exc).__name__}: {str(exc)[:300]}"}
    return tolerant


def _fresh(folder: Path, what: str) -> Path:
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise FileExistsError(f"sandbox {what} must be a fresh (empty) folder: {folder}")
    return folder


def _chown_tree(top: Path, uid: int, gid: int) -> None:
    """lchown `top` and everything under it; never follows a symlink."""
    os.lchown(top, uid, gid)
    for folder, dirs, files in os.walk(top, followlinks=False):
        for name in dirs + files:
            with contextlib.suppress(OSError):
                os.lchown(os.path.join(folder, name), uid, gid)


def _wait_dead(procs: list[psutil.Process], timeout: float) -> None:
    """Wait until every process has died. A zombie counts as dead: orphans are reaped by init on its own
    schedule (about a second on some machines), and waiting for that would only slow every notebook down."""
    deadline = time.monotonic() + timeout
    while procs and time.monotonic() < deadline:
        procs = [proc for proc in procs if _running(proc)]
        if procs:
            time.sleep(0.01)


def _running(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


# Caps what print() and friends can send, inside the kernel: a print loop fills ipykernel's buffer faster
# than it flushes, so the parent would otherwise receive one huge message (and a kernel near its address-
# space limit can crash in C code). Past the cap the main thread gets OutputLimitExceeded, a clear error for
# the student; output of subprocesses (captured by a thread) is dropped, and the watchdog's log-size check
# ends that flood. Re-installed before every cell because IPython swaps `stream.write` around each cell.
_OUTPUT_LIMIT_CODE = """
def __sandbox_limit_output(limit):
    import sys, threading
    class OutputLimitExceeded(RuntimeError):
        pass
    used = [0]
    def install(*_):
        for stream in (sys.stdout, sys.stderr):
            if getattr(stream.write, "_sandbox_limited", False):
                continue
            def write(text, _write=stream.write):
                used[0] += len(text)
                if used[0] <= limit:
                    return _write(text)
                if threading.current_thread() is threading.main_thread():
                    raise OutputLimitExceeded(f"the notebook printed more than {{limit >> 20}} MB")
                return len(text)
            write._sandbox_limited = True
            stream.write = write
    get_ipython().events.register("pre_execute", install)
__sandbox_limit_output({limit})
del __sandbox_limit_output
"""
OUTPUT_LIMIT_ERROR = "OutputLimitExceeded"


# On PYTHONPATH (read-only): every Python interpreter started in the sandbox runs the startup files.
_SITECUSTOMIZE = """\
# evolve sandbox: run the startup files in every Python process (see evolve/sandbox/kernel.py), and make the
# provided modules importable (last on sys.path: an installed package always wins over a provided module).
def _evolve_startup_files():
    import builtins, os, sys
    sys.path.append(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "importable"))
    folder = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "startup")
    try:
        names = sorted(name for name in os.listdir(folder) if name.endswith(".py"))
    except OSError:
        return
    for name in names:
        path = os.path.join(folder, name)
        try:
            with open(path, encoding="utf-8") as source:
                code = compile(source.read(), path, "exec")
            exec(code, {"__name__": "__evolve_startup__", "__file__": path, "__builtins__": builtins})
        except BaseException:  # never break an interpreter; the kernel's own run reports the error
            pass


_evolve_startup_files()
del _evolve_startup_files
"""


def _exec_file_code(path: Path) -> str:
    # Executed at the kernel's top level, so the file's globals become the notebook's globals.
    return f"exec(compile(open({str(path)!r}, encoding='utf-8').read(), {str(path)!r}, 'exec'))"
