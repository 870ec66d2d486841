"""The evaluator side of the replay: run it in a child process and read its report; never raises.

`run_replay(evidence_dir, goal_dir, timeout_s, memory_mb) -> ReplayReport` (standard library only at import):
runs this package's `__main__.py` in a subprocess (`python -I`, an allowlisted environment without secrets,
HOME and tool state dirs in a fresh temp dir, RLIMIT_AS = memory_mb + REPLAY_HEADROOM_MB, its own session),
waits at most `timeout_s` (then kills the whole process group: "unconfirmed: replay exceeded N s"), and reads
one JSON report (at most MAX_REPORT_BYTES) from its stdout. A goal without `replay.py` is `not-declared` and no
process starts. `apply_limits` is what the child sets on itself first (no preexec_fn: the evaluator has
threads).
"""
from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .runs import REPLAY_FILE

HERE = Path(__file__).resolve().parent    # this package: its __main__.py is the child's entry script
MAX_REPORT_BYTES = 4 << 20                # the replay's JSON report on stdout
REPLAY_HEADROOM_MB = 1536                 # address space of python + numpy + scipy + TVB beyond the data
STARTUP_S = 10.0                          # the child's own import time, not counted in its simulation budget


def run_replay(evidence_dir: Path, goal_dir: Path, timeout_s: float, memory_mb: int) -> Any:
    """The trusted replay of `evidence_dir` for the goal in `goal_dir`, as an `evolve.replay_report.ReplayReport`
    (see the module docstring). Never raises."""
    from evolve.replay_report import ReplayReport

    t0 = time.monotonic()
    try:
        goal_dir, evidence_dir = Path(goal_dir), Path(evidence_dir)
        if not (goal_dir / REPLAY_FILE).is_file():
            return ReplayReport("not-declared", f"goal {goal_dir.name} ships no {REPLAY_FILE}: its results are scored "
                                                "as read")
        return _run_child(evidence_dir, goal_dir, float(timeout_s), int(memory_mb), t0)
    except Exception as error:   # the replay must never take the evaluator down
        return ReplayReport("unconfirmed", f"the replay failed to run: {type(error).__name__}: {error}"[:2000],
                            wall_s=time.monotonic() - t0)


def child_environment(tmp: Path) -> dict[str, str]:
    """The evaluator's allowlisted environment without secrets; HOME and every tool state dir (TVB's too) inside
    `tmp`."""
    from evolve.sandbox.environ import kernel_environment

    from .. import STATE_ENV

    home = tmp / "home"
    home.mkdir(parents=True, exist_ok=True)
    (tmp / "tmp").mkdir(exist_ok=True)
    env = kernel_environment(home, tmp / "state", tmp / "tmp", state_env=STATE_ENV)
    env.setdefault("MPLBACKEND", "Agg")
    return env


def apply_limits(memory_mb: int) -> None:
    """The replay process's own limits, set first thing in __main__ (no preexec_fn: the evaluator has threads)."""
    limit = (int(memory_mb) + REPLAY_HEADROOM_MB) << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _run_child(evidence_dir: Path, goal_dir: Path, timeout_s: float, memory_mb: int, t0: float):
    from evolve.replay_report import ReplayReport

    tmp = Path(tempfile.mkdtemp(prefix="evolve-replay-"))
    try:
        env = child_environment(tmp)
        out_path, err_path = tmp / "report.json", tmp / "stderr.txt"
        budget = max(1.0, timeout_s - STARTUP_S)
        cmd = [sys.executable, "-I", str(HERE / "__main__.py"), "--evidence", str(evidence_dir.resolve()),
               "--goal", str(goal_dir.resolve()), "--budget", repr(budget), "--memory-mb", str(memory_mb)]
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=str(tmp), env=env,
                                    close_fds=True, start_new_session=True)
            try:
                code = proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                return ReplayReport("unconfirmed", f"replay exceeded {timeout_s:g} s (killed)",
                                    wall_s=time.monotonic() - t0)
            finally:
                _kill_group(proc)   # leftovers of the child's session, if any
        wall = time.monotonic() - t0
        data = _read_report(out_path)
        if data is None:
            tail = _tail(err_path)
            why = ("ran out of memory" if "MemoryError" in tail else f"exited with code {code} and no report")
            return ReplayReport("unconfirmed", f"the replay process {why}: {tail[-600:]}", wall_s=wall)
        report = ReplayReport.from_json(data)
        return ReplayReport(report.status, report.reason, report.recomputed, report.runs_replayed, wall,
                            report.details)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


def _read_report(path: Path) -> Any:
    """The last JSON line of the child's stdout (at most MAX_REPORT_BYTES), or None."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_REPORT_BYTES + 1)
    except OSError:
        return None
    if len(raw) > MAX_REPORT_BYTES:
        return None
    for line in reversed(raw.decode("utf-8", errors="replace").splitlines()):
        if line.strip():
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def _tail(path: Path, size: int = 4000) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - size))
            return handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
