"""A real local Ray cluster for tests: a head and a separate worker node, each a `ray start --block` process in
its own session (so teardown ends exactly what it started), one CPU each, files under a short /tmp folder.

Workers of the cluster run `worker_setup` (`[executor] worker_setup = "helpers.ray_cluster.worker_setup"`):
it installs the scripted world's rule model (engine_fixtures) in the worker process, with two test hooks read
from the environment the coordinator forwards (`[executor] forward_env`):
- EVOLVE_TEST_STUDENT_LOG: a file that gets one line per student call: "<pid> <node id>";
- EVOLVE_TEST_HOLD_FILE: the first student call that claims this file (renames it away) writes
  "<pid> <node id> holding" to the log and sleeps 120 s, so a test can kill that worker mid-trial; the retried
  attempt finds no file and answers at once.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from helpers import engine_fixtures

TESTS = Path(__file__).resolve().parents[1]
RAY = Path(sys.executable).with_name("ray")
LOG, HOLD = "EVOLVE_TEST_STUDENT_LOG", "EVOLVE_TEST_HOLD_FILE"


@dataclass
class Cluster:
    address: str
    temp_dir: Path
    processes: list[subprocess.Popen]
    home: Path

    def stop(self) -> None:
        from evolve.engine import ray_executor

        import ray

        if ray.is_initialized():
            ray.shutdown()
        ray_executor._connected.clear()
        for process in reversed(self.processes):  # each `ray start --block` leads its own process group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        shutil.rmtree(self.temp_dir, ignore_errors=True)

    def executor_section(self, **extra) -> str:
        """An [executor] section that runs a config's trials on this cluster with the test hooks."""
        settings = {"kind": "ray", "address": self.address, "worker_setup": "helpers.ray_cluster.worker_setup",
                    "forward_env": [LOG, HOLD], **extra}
        return "\n[executor]\n" + "\n".join(f"{k} = {engine_fixtures._toml(v)}" for k, v in settings.items()) + "\n"


def start_cluster(timeout_s: float = 120.0) -> Cluster:
    temp_dir = Path(tempfile.mkdtemp(prefix="evray-", dir="/tmp"))  # short: Ray's socket paths are capped
    port = _free_port()
    address = f"127.0.0.1:{port}"
    home = temp_dir / "home"  # the nodes' $HOME: Ray must leave it empty (tests/test_ray_executor.py)
    home.mkdir()
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "HOME": str(home),
           "PYTHONPATH": os.pathsep.join([str(TESTS), str(TESTS.parent), os.environ.get("PYTHONPATH", "")])}
    common = ["--num-cpus=1", "--node-ip-address=127.0.0.1", f"--temp-dir={temp_dir}", "--object-store-memory=100000000",
              "--disable-usage-stats", "--block"]
    with open(temp_dir / "ray-start.log", "ab") as log:  # (the nodes keep their own copy of the descriptor)
        processes = [subprocess.Popen([str(RAY), "start", "--head", f"--port={port}", "--include-dashboard=false",
                                       *common], env=env, stdout=log, stderr=log, start_new_session=True)]
    cluster = Cluster(address, temp_dir, processes, home)
    try:
        ray = _connect(cluster, deadline=time.monotonic() + timeout_s)
        with open(temp_dir / "ray-start.log", "ab") as log:
            processes.append(subprocess.Popen([str(RAY), "start", f"--address={address}", *common], env=env,
                                              stdout=log, stderr=log, start_new_session=True))
        deadline = time.monotonic() + timeout_s
        while sum(1 for node in ray.nodes() if node["Alive"]) < 2:
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                raise RuntimeError(f"the Ray worker node did not join: {(temp_dir / 'ray-start.log').read_text()}")
            time.sleep(0.2)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _connect(cluster: Cluster, deadline: float):
    from evolve.config import ExecutorSettings
    from evolve.engine.ray_executor import connect

    while True:
        try:
            return connect(ExecutorSettings(kind="ray", address=cluster.address))
        except Exception:
            if time.monotonic() > deadline or cluster.processes[0].poll() is not None:
                raise
            time.sleep(0.5)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _WorkerRuleModel(engine_fixtures.RuleModel):
    """The rule model on a Ray worker: its log and hold file come from the environment at each call (one worker
    process serves many tests, and it is set up once)."""

    @property
    def log(self):
        return None  # the base class's own logging is replaced by _note below

    @log.setter
    def log(self, value):
        pass

    def completion(self, model, messages, *args, **kwargs):
        if model.endswith("student"):
            hold = os.environ.get(HOLD)
            if hold:
                try:
                    os.rename(hold, hold + f".claimed-{os.getpid()}")  # one claimant, even across nodes
                except FileNotFoundError:
                    pass
                else:
                    _note("holding")
                    time.sleep(120)
            _note("")
        return super().completion(model, messages, *args, **kwargs)


def _note(what: str) -> None:
    path = os.environ.get(LOG)
    if not path:
        return
    import ray

    with open(path, "a") as sink:
        sink.write(f"{os.getpid()} {ray.get_runtime_context().get_node_id()}{' ' + what if what else ''}\n")


def worker_setup() -> None:
    import litellm

    handler = _WorkerRuleModel()
    others = [p for p in (litellm.custom_provider_map or []) if p["provider"] != "rules"]
    litellm.custom_provider_map = others + [{"provider": "rules", "custom_handler": handler}]
    litellm.utils.custom_llm_setup()
