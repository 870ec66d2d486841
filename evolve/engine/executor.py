"""Where trials run. The engine hands an executor a list of trial requests and gets results back; it knows
nothing else about how or where they ran (one process here; a cluster executor would keep the same contract).

Contract of `Executor.run(requests, on_result, should_stop)`:
- every request is either run and reported through `on_result(request, result)` — always on the caller's
  thread, so the caller may write to the archive there — or, once `should_stop()` is true, not started at all;
- requests already running when `should_stop()` turns true finish and are reported (Ctrl-C finishes trials in
  flight); `run` returns the requests it did not start;
- an exception from a trial propagates after the in-flight ones are reported.
"""
from __future__ import annotations

import concurrent.futures as cf
import threading
import time
from dataclasses import dataclass
from typing import Protocol, TypeVar
from collections.abc import Callable, Sequence

from ..goals import Goal
from ..library import Library
from ..trial import TrialContext, TrialResult, run_trial


@dataclass(frozen=True)
class TrialRequest:
    goal: Goal
    library: Library | None  # None: no skills
    seed: int
    condition: str = "population"  # 'population', 'seed', 'none', or a baseline/operator label
    generation: int = 0

    @property
    def library_id(self) -> str | None:
        return self.library.id if self.library is not None else None

    @property
    def cell(self) -> tuple:
        """What makes two requests the same trial for the engine (the model is fixed per run)."""
        return (self.library_id, self.goal.slug, self.seed, self.condition)


OnResult = Callable[[TrialRequest, TrialResult], None]
T = TypeVar("T")


class Executor(Protocol):
    def run(self, requests: Sequence[TrialRequest], on_result: OnResult,
            should_stop: Callable[[], bool] = lambda: False) -> list[TrialRequest]:
        ...


class LocalExecutor:
    """Trials on this machine: `workers` threads drive model calls; each notebook runs in its own kernel process
    (started by the sandbox), so threads are enough here."""

    def __init__(self, ctx: TrialContext, workers: int = 1, model: str | None = None):
        self.ctx, self.workers, self.model = ctx, max(1, workers), model

    def _one(self, request: TrialRequest, submitted: float) -> TrialResult:
        queued = time.monotonic() - submitted
        result = run_trial(request.goal, request.library, request.seed, self.ctx, model=self.model)
        if not result.cached:  # a cached result keeps the phases of the trial that made it
            result.phases.queue_s = queued
        return result

    def run(self, requests: Sequence[TrialRequest], on_result: OnResult,
            should_stop: Callable[[], bool] = lambda: False) -> list[TrialRequest]:
        pending = list(requests)
        # Trials run on worker threads even when there is one worker: the main thread then stays free to
        # handle Ctrl-C at once (a signal handler cannot run while the main thread is inside llama.cpp).
        pool = cf.ThreadPoolExecutor(self.workers, thread_name_prefix="trial")
        finished = False
        try:
            running: dict[cf.Future, TrialRequest] = {}
            error: BaseException | None = None
            while (pending or running):
                while pending and len(running) < self.workers and not should_stop() and error is None:
                    request = pending.pop(0)
                    running[pool.submit(self._one, request, time.monotonic())] = request
                if not running:
                    break
                done, _ = cf.wait(running, timeout=0.5, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    request = running.pop(future)
                    try:
                        result = future.result()
                    except BaseException as failure:  # report the others first, then raise
                        error = error or failure
                        continue
                    on_result(request, result)
            finished = True
            if error is not None:
                raise error
        finally:
            # Wait for the workers only on the way out of a normal return: a second Ctrl-C (KeyboardInterrupt
            # here) must not wait for a trial that is still inside a model call.
            pool.shutdown(wait=finished, cancel_futures=not finished)
        return pending


def call_in_worker(fn: Callable[..., T], *args, **kwargs) -> T:
    """`fn(*args, **kwargs)` on a worker thread, waited for here in half-second steps. Why: a signal handler runs
    only on the main thread between bytecodes, so while the main thread itself is inside a long model call
    (a mutator proposal), Ctrl-C could not even be noticed. Off the main thread it simply calls `fn`."""
    if threading.current_thread() is not threading.main_thread():
        return fn(*args, **kwargs)
    pool = cf.ThreadPoolExecutor(1, thread_name_prefix="engine")
    try:
        future = pool.submit(fn, *args, **kwargs)
        while True:
            try:
                return future.result(timeout=0.5)
            except cf.TimeoutError:
                continue
    finally:
        pool.shutdown(wait=False)
