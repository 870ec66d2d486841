"""Trials as Ray tasks on a cluster (`[executor] kind = "ray"`), with the contract of evolve.engine.executor.

What runs where:
- The coordinator (the `evolve run` process) keeps the archive, the budgets, the call journal, the stop file and
  Ctrl-C. It sends each trial request to the cluster and gets back a `WorkerReport`: the `TrialResult` and the
  model calls the trial made (`CallRecord`s, uids included).
- A worker (any Ray worker process, any node) rebuilds the trial context from the run's configuration (the
  domain plugin, a model client for the student and judge roles, the sandbox workroot; cached per process),
  runs `evolve.trial.run_trial` (the student's calls and the sandboxed notebook) and returns the report. It never
  opens the archive. Relative paths in the configuration resolve against `[executor] worker_dir` (default: the
  coordinator's working folder), so the checkout and its .venv must be at that path on every node.

Contract of `RayExecutor.run(requests, on_result, should_stop)` — the `Executor` contract, and:
- `on_result(request, result)` is called on the caller's thread, after the trial's calls were handed to the
  coordinator's model client (`ModelClient.adopt`): journaled, drained into the archive by the engine with the
  trial, counted against the cost budgets. Each call is also announced as it begins (evolve.engine.ray_calls),
  so the journal knows a call under way on a worker before its trial returns.
- At most `in_flight_limit(...)` trials are on the cluster at once; once `should_stop()` is true no request is
  sent, those on the cluster finish and are reported, and `run` returns the ones never sent. A second Ctrl-C
  (KeyboardInterrupt) cancels those on the cluster; `--resume` runs them again (they were never recorded).
- A trial lost with its worker process or node is run again by Ray up to `[executor] retries` times; after that
  it is reported once as `missing` (reason: the Ray error), which `--resume` runs again. A trial is reported at
  most once, so it is never counted twice. The calls a lost attempt announced are recorded failed, cost unknown.
- An exception raised by the trial itself (a harness bug) is not retried: it propagates after the trials in
  flight are reported, as with the local executor.
- If the coordinator dies (kill -9), Ray ends its tasks with it; nothing was recorded for them, and `--resume`
  runs them again. Calls whose start the coordinator had journaled are recovered by the resume as in flight
  (failed, cost unknown); a call that began less than a poll (0.5 s) before the kill may be unknown.

Ray is imported only here, and only when the executor first runs (it is the optional extra `evolve[ray]`).
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib
import json
import logging
import os
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Sequence
from typing import Any, cast

from ..config import Config, ExecutorSettings
from ..models import CallRecord
from ..trial import TrialResult
from .ray_calls import CallLedger, CallSink
from .executor import OnResult, TrialRequest


@dataclass
class WorkerReport:
    """What a worker sends back for one trial."""

    result: TrialResult | None  # None when the trial raised (error is set)
    calls: list[CallRecord]  # every model call the trial made, in order
    started_at: float  # wall clock when the worker took the trial (its queue time ends there)
    node: str = ""
    pid: int = 0
    error: BaseException | None = None  # what the trial raised: a bug, re-raised by the coordinator
    error_text: str = ""  # its traceback on the worker (an exception that does not pickle still says where)


@dataclass(frozen=True)
class Limit:
    trials: int
    reason: str


def in_flight_limit(settings: ExecutorSettings, cluster_cpus: float) -> Limit:
    """How many trials to keep on the cluster at once, and why."""
    if settings.max_in_flight > 0:
        return Limit(settings.max_in_flight, f"[executor] max_in_flight = {settings.max_in_flight}")
    if settings.cpus_per_trial <= 0:
        n = max(1, int(cluster_cpus))
        return Limit(n, f"one per cluster CPU ({cluster_cpus:g}; cpus_per_trial = 0)")
    n = max(1, int(cluster_cpus // settings.cpus_per_trial))
    return Limit(n, f"{cluster_cpus:g} cluster CPUs / {settings.cpus_per_trial:g} per trial")


@dataclass(frozen=True)
class Failure:
    missing: bool  # True: the trial is recorded missing; False: the error is raised (the run stops)
    reason: str


def judge_failure(error: BaseException, retries: int) -> Failure:
    """A Ray error for one trial: lost with its worker or node (missing data, after Ray's retries), or a fault of
    ours or of the cluster's set-up (raised, like a harness bug with the local executor)."""
    from ray import exceptions as rex

    name = type(error).__name__
    if isinstance(error, (rex.RayTaskError, rex.RuntimeEnvSetupError)):
        return Failure(False, f"{name}: the trial could not run on the worker")
    if isinstance(error, rex.TaskCancelledError):
        return Failure(True, "cancelled on the cluster")
    if isinstance(error, rex.RayError):
        first = (str(error).strip().splitlines() or [""])[0][:300]
        return Failure(True, f"lost on the cluster after {retries} retries: {name}: {first}")
    return Failure(False, f"{name}: {error}")


# -- the coordinator's side ----------------------------------------------------------------------------------

_connected: dict[str, Any] = {}  # the address this process connected Ray to (one connection per process)
_connect_lock = threading.Lock()


def connect(settings: ExecutorSettings):
    """Connect this process to the cluster (once; again if the address changed) and return the `ray` module."""
    try:
        import ray
    except ImportError as error:
        raise RuntimeError("[executor] kind = \"ray\" needs Ray: pip install 'evolve[ray]'") from error
    with _connect_lock:
        if ray.is_initialized() and _connected.get("address") == settings.address:
            return ray
        if ray.is_initialized():
            ray.shutdown()
        # Ray's own logs stay in its session folder; the run's progress line stays readable.
        options: dict[str, Any] = {"namespace": "evolve", "log_to_driver": False, "logging_level": logging.WARNING}
        if settings.address == "local":
            # A private Ray for this process: no usage report, its files under temp_dir (never $HOME).
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            temp_dir = Path(settings.temp_dir).resolve()
            temp_dir.mkdir(parents=True, exist_ok=True)
            _token_outside_home(temp_dir)
            ray.init(include_dashboard=False, _temp_dir=str(temp_dir), **options)
        else:
            ray.init(address=settings.address, **options)
        _connected["address"] = settings.address
        return ray


def _token_outside_home(temp_dir: Path) -> None:
    """A new local Ray turns on token authentication and would write its token to ~/.ray/auth_token: keep the
    token (owner-only) in temp_dir instead, unless the user chose a token or an authentication mode."""
    if any(name in os.environ for name in ("RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH", "RAY_AUTH_MODE")):
        return
    import secrets

    token = temp_dir / "auth_token"
    if not token.is_file() or not token.read_text().strip():
        descriptor = os.open(token, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    os.environ["RAY_AUTH_TOKEN_PATH"] = str(token)
    try:  # Ray's own switch: sets RAY_AUTH_MODE and refreshes the configuration it read at import
        from ray._private.authentication.authentication_token_setup import _enable_token_auth

        _enable_token_auth()
    except ImportError:
        os.environ["RAY_AUTH_MODE"] = "token"


class RayExecutor:
    """Trials as Ray tasks. `client` is the coordinator's model client (it adopts the workers' calls); `workroot`
    is where workers put execution folders (resolved on the worker); `progress` sees what the cluster is doing."""

    def __init__(self, config: Config, client, workroot: Path, model: str | None = None,
                 progress: Callable[[str], None] | None = None):
        self.config, self.settings, self.client = config, config.executor, client
        self.workroot, self.model = str(workroot), model
        self.progress = progress or (lambda message: None)
        self._ray: Any = None
        self._task: Any = None  # the remote _worker_trial
        self._config_ref: Any = None
        self._job: dict[str, Any] = {}
        self._sink: Any = None  # the CallSink actor
        self.ledger = CallLedger()  # the calls under way on workers that the coordinator has journaled
        self._announced: dict[str, CallRecord] = {}  # uid -> a call under way on a worker, as announced
        self._submissions = 0

    def _start(self):
        if self._ray is None:
            ray = connect(self.settings)
            self._task = ray.remote(_worker_trial)
            self._config_ref = ray.put(self.config)
            self._sink = ray.remote(num_cpus=0, max_restarts=0)(CallSink).remote()
            self._job = {
                "config_key": config_key(self.config),
                "worker_dir": self.settings.worker_dir or os.getcwd(),
                "env": {name: os.environ[name] for name in self.settings.forward_env if name in os.environ},
                "setup": self.settings.worker_setup,
                "workroot": self.workroot,
                "model": self.model,
            }
            self._ray = ray
        return self._ray

    def limit(self) -> Limit:
        ray = self._start()
        return in_flight_limit(self.settings, float(ray.cluster_resources().get("CPU", 1.0)))

    def run(self, requests: Sequence[TrialRequest], on_result: OnResult,
            should_stop: Callable[[], bool] = lambda: False) -> list[TrialRequest]:
        pending = list(requests)
        if not pending:
            return pending
        ray = self._start()
        options = {"num_cpus": self.settings.cpus_per_trial, "max_retries": self.settings.retries,
                   "retry_exceptions": False}
        running: dict[Any, tuple[TrialRequest, float, str]] = {}
        error: BaseException | None = None
        finished = False
        try:
            while pending or running:
                limit = self.limit().trials if pending else 0
                while pending and len(running) < limit and not should_stop() and error is None:
                    request = pending.pop(0)
                    submitted, tag = time.time(), self._tag()
                    ref = self._task.options(**options).remote(self._config_ref, self._job, request, self._sink, tag)
                    running[ref] = (request, submitted, tag)
                    self.progress(f"{request.goal.slug}: sent to the cluster ({len(running)} of {limit} running)")
                if not running:
                    break
                ready, _ = ray.wait(list(running), num_returns=1, timeout=0.5)
                self._poll_calls(ray)
                if ready:  # and whatever else is done by now
                    others = [r for r in running if r not in ready]
                    ready += ray.wait(others, num_returns=len(others), timeout=0)[0] if others else []
                for ref in ready:
                    request, submitted, tag = running.pop(ref)
                    try:
                        result = self._collect(ray, ref, request, submitted, tag)
                    except (KeyboardInterrupt, SystemExit):  # a second Ctrl-C stops at once
                        raise
                    except BaseException as failure:  # report the others first, then raise
                        error = error or failure
                        continue
                    on_result(request, result)
            finished = True
            if error is not None:
                raise error
        finally:
            if not finished:  # a second Ctrl-C: nothing was recorded for these, --resume runs them again
                for ref in running:
                    with contextlib.suppress(Exception):  # (Ray ends them with this process anyway)
                        ray.cancel(ref, force=True)
        return pending

    def _tag(self) -> str:
        self._submissions += 1
        return str(self._submissions)

    def _poll_calls(self, ray) -> None:
        """Journal the starts of calls announced by workers since the last poll."""
        try:
            announcements = ray.get(self._sink.take.remote(), timeout=10)
        except Exception:  # the sink is a convenience for the journal: never the run's end
            return
        for tag, data in announcements:
            record = _record(data)
            verdict = self.ledger.announced(tag, record.uid)
            if verdict.action == "journal":
                self._announced[record.uid] = record
                self.client.adopt(record, ended=False)
            elif verdict.action == "lost":
                self.client.adopt(_lost(record))

    def _settle(self, ray, tag: str, reported: list[CallRecord]) -> None:
        """Close a submission: its reported calls journaled and kept, the calls of its lost attempts failed."""
        self._poll_calls(ray)
        for record in reported:
            self.client.adopt(record, began=not self.ledger.journaled(record.uid))
        for uid in self.ledger.settle(tag, {record.uid for record in reported}):
            self.client.adopt(_lost(self._announced[uid]), began=False)
        for record in reported:
            self._announced.pop(record.uid, None)

    def _collect(self, ray, ref, request: TrialRequest, submitted: float, tag: str) -> TrialResult:
        """The trial's result, its calls adopted by the coordinator's client; a lost trial as missing."""
        try:
            report: WorkerReport = ray.get(ref)
        except Exception as error:
            verdict = judge_failure(error, self.settings.retries)
            self._settle(ray, tag, [])
            if not verdict.missing:
                raise  # (a RayTaskError's text carries the worker's traceback)
            self.progress(f"{request.goal.slug}: {verdict.reason}")
            return self._missing(request, verdict.reason)
        self._settle(ray, tag, report.calls)
        if report.error is not None or report.result is None:
            if report.error_text:
                self.progress(f"{request.goal.slug}: the trial raised on node {report.node[:12]}:\n"
                              f"{report.error_text}")
            raise report.error or RuntimeError(f"the trial raised on the worker:\n{report.error_text}")
        result = report.result
        if not result.cached:  # a cached result keeps the phases of the trial that made it
            result.phases.queue_s = max(0.0, report.started_at - submitted)
        return result

    def _missing(self, request: TrialRequest, reason: str) -> TrialResult:
        model = self.model or self.client.settings("student").model
        result = TrialResult(key="", goal=request.goal.slug, split=request.goal.split, library_id=request.library_id,
                             model=model, seed=request.seed, status="missing", score=None, executed=False,
                             stop_reason="", missing_reason=reason)
        result.stop_reason = cast(Any, "missing")  # as evolve.trial marks its own missing trials
        return result


LOST_CALL = "lost with its Ray worker (the trial was run again or recorded missing); cost unknown"


def _record(data: dict) -> CallRecord:
    names = {f.name for f in dataclasses.fields(CallRecord)}
    return CallRecord(**{k: v for k, v in data.items() if k in names})


def _lost(record: CallRecord) -> CallRecord:
    """A call whose attempt was lost: failed, no tokens known, cost unknown (its provider may have charged)."""
    return dataclasses.replace(record, ok=False, error=LOST_CALL, cost_usd=None, prompt_tokens=0,
                               completion_tokens=0)


def config_key(config: Config) -> str:
    """A configuration's identity, so a worker process reuses its session for the same run."""
    data = json.dumps(dataclasses.asdict(config), sort_keys=True, default=str)
    return hashlib.sha256(data.encode()).hexdigest()


# -- the worker's side ---------------------------------------------------------------------------------------

_sessions: dict[str, Any] = {}  # config key -> Session, per worker process
_set_up: set[str] = set()  # worker_setup functions already run in this process
_announcing: dict[str, Any] = {}  # the running trial's call sink and submission tag (one task at a time)


def _announce(record: CallRecord) -> None:
    """A call begins on this worker: tell the coordinator's sink (fire-and-forget; never fails the call)."""
    try:
        sink, tag = _announcing["sink"], _announcing["tag"]
        sink.began.remote(tag, dataclasses.asdict(record))
    except Exception:
        pass


def _worker_trial(config: Config, job: dict[str, Any], request: TrialRequest, sink=None, tag: str = ""
                  ) -> WorkerReport:
    """One trial on a worker (the Ray task). Never raises for the trial's own errors: they travel in the
    report with the calls made before them."""
    import ray

    from ..trial import run_trial

    started_at = time.time()
    node = ray.get_runtime_context().get_node_id() or ""
    _enter(job)
    _announcing.update(sink=sink, tag=tag)
    session = _sessions.get(job["config_key"])
    if session is None:
        from ..session import open_session

        for old in _sessions.values():  # another run's session: its warm kernels go (one run per process)
            with contextlib.suppress(Exception):
                old.close()
        _sessions.clear()
        # the student's and judge's calls happen here; the coordinator journals and archives them
        session = _sessions[job["config_key"]] = open_session(config, on_pause=lambda provider, error: None,
                                                              on_start=_announce)
    ctx = session.trial_context(workroot=Path(job["workroot"]))
    session.client.drain()  # what an earlier task left is not this trial's
    try:
        result = run_trial(request.goal, request.library, request.seed, ctx, model=job["model"])
    except Exception as error:
        return WorkerReport(None, session.client.drain(), started_at, node, os.getpid(),
                            error=_picklable(error), error_text=traceback.format_exc())
    return WorkerReport(result, session.client.drain(), started_at, node, os.getpid())


def _enter(job: dict[str, Any]) -> None:
    """The worker process as the run needs it: its folder, the forwarded environment, the setup hook (once)."""
    if job["worker_dir"] and os.getcwd() != job["worker_dir"]:
        os.chdir(job["worker_dir"])
    os.environ.update(job["env"])
    hook = job["setup"]
    if hook and hook not in _set_up:
        module, _, name = hook.rpartition(".")
        getattr(importlib.import_module(module), name)()
        _set_up.add(hook)


def _picklable(error: BaseException) -> BaseException | None:
    import pickle

    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        return None

