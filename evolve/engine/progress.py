"""The live progress line of `evolve run`: generation, trials done and queued, best val score, cost by role, ETA.

On a terminal the line is redrawn in place; otherwise (a log file, CI) a full line is printed at most every
`interval_s` seconds and at every event, so logs stay readable. Events (a child accepted, a new best) are always
printed on their own line.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO
from collections.abc import Callable, Mapping


@dataclass
class Progress:
    generations: int
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    interval_s: float = 30.0
    clock: Callable[[], float] = time.monotonic
    generation: int = 0
    done: int = 0
    queued: int = 0
    best: float | None = None
    costs: Mapping[str, float] = field(default_factory=dict)
    activity: str = ""  # what the current trial is doing ("stimulus-evoked-response: turn 1: executing ...")
    _trial_s: list[float] = field(default_factory=list)
    _last: float = 0.0
    _started: float = 0.0
    _line_open: bool = False  # a live line is on the terminal, not yet ended by a newline

    def __post_init__(self):
        self._started = self.clock()
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def trial_finished(self, wall_s: float, cached: bool) -> None:
        self.done += 1
        self.queued = max(0, self.queued - 1)
        if not cached:
            self._trial_s.append(wall_s)
        self.draw()

    def eta_s(self) -> float | None:
        """Queued trials × mean trial time (a lower bound: later generations queue more)."""
        if not self._trial_s:
            return None
        return self.queued * sum(self._trial_s) / len(self._trial_s)

    def line(self) -> str:
        best = "—" if self.best is None else f"{self.best:.3f}"
        cost = " ".join(f"{role} ${value:.2f}" for role, value in sorted(self.costs.items())) or "$0.00"
        eta = self.eta_s()
        eta_text = "—" if eta is None else _duration(eta)
        text = (f"generation {self.generation}/{self.generations} · trials {self.done} done, {self.queued} queued · "
                f"best val {best} · cost {cost} · elapsed {_duration(self.clock() - self._started)} · "
                f"ETA this batch {eta_text}")
        return f"{text} · {self.activity}" if self.activity else text

    def trial_activity(self, message: str) -> None:
        """A trial's own progress (turn started, notebook executing): shown on the line, rate-limited in logs."""
        self.activity = message
        self.draw()

    def draw(self, force: bool = False) -> None:
        now = self.clock()
        if self._tty:
            self.stream.write("\r\033[K" + self.line())
            self.stream.flush()
            self._line_open = True
        elif force or now - self._last >= self.interval_s:
            self._last = now
            print(self.line(), file=self.stream, flush=True)

    def event(self, message: str) -> None:
        if self._tty:
            self.stream.write("\r\033[K")
        print(message, file=self.stream, flush=True)
        self.draw(force=not self._tty)

    def close(self) -> None:
        """End the live line (once: closing again, as error paths and `finally` both do, writes nothing)."""
        if self._tty and self._line_open:
            self.stream.write("\n")
            self.stream.flush()
            self._line_open = False


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
