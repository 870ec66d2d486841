"""The machine's cores, shared between a local model's generation and notebook execution (standard library only).

Why: on a small machine the embedded model's llama.cpp threads meet at every token, so a notebook running beside
a generation slows it from ~12 to 1-2 tokens/s, and both lose. With `[run] workers > 1` and a local student,
trials would do exactly that; `CoreBudget` lets them overlap only where the cores allow: two notebooks may run at
once on two cores, a generation that needs both waits for them, and a notebook waits for a generation.

Contract:
- `CoreBudget(cores)` holds `cores` units; `hold(n)` is a context manager that takes n units (clamped to
  1..cores, so no request can wait forever) and gives them back on exit, whatever happened inside; it returns
  the seconds it waited. Grants are first come, first served: a large request is not starved by small ones
  arriving after it.
- `weight_of_model(model, local_threads)`: units a model call takes on this machine: the local model's threads
  for a `local/` model, 0 (no wait at all) for a model served elsewhere.
- `NOTEBOOK_UNITS`: units a notebook's execution (and its replay and checks) takes: one core.
A `TrialContext` without a budget (None) never waits: one trial at a time needs none.
"""
from __future__ import annotations

import itertools
import threading
import time
from contextlib import contextmanager
from collections.abc import Iterator

NOTEBOOK_UNITS = 1


def weight_of_model(model: str, local_threads: int) -> int:
    return max(1, local_threads) if model.startswith("local/") else 0


class CoreBudget:
    def __init__(self, cores: int):
        if cores < 1:
            raise ValueError("a core budget needs at least one core")
        self.cores = cores
        self._free = cores
        self._lock = threading.Condition()
        self._tickets = itertools.count()
        self._serving = 0  # the ticket whose turn it is: grants in arrival order

    @contextmanager
    def hold(self, units: int) -> Iterator[float]:
        units = min(max(1, units), self.cores)
        started = time.monotonic()
        with self._lock:
            ticket = next(self._tickets)
            while ticket != self._serving or self._free < units:
                self._lock.wait()
            self._free -= units
            self._serving += 1
            self._lock.notify_all()  # the next ticket may fit too
        try:
            yield time.monotonic() - started
        finally:
            with self._lock:
                self._free += units
                self._lock.notify_all()

    @contextmanager
    def hold_if(self, units: int) -> Iterator[float]:
        """`hold(units)`, or nothing at all (0 s) when units is 0 (a model served elsewhere)."""
        if units <= 0:
            yield 0.0
            return
        with self.hold(units) as waited:
            yield waited
