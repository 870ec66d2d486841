"""Model calls under way on Ray workers, known to the coordinator before their trials return.

A trial's calls reach the coordinator with its result (evolve.engine.ray_executor.WorkerReport). A call still
under way when its worker dies would never reach it, and neither would its cost: the coordinator's call journal
must know it began (evolve.engine.call_journal). So each worker announces a call as it begins to a `CallSink`
actor owned by the coordinator (fire-and-forget), and the coordinator collects the announcements while it waits.

Contract:
- `CallSink` (run as a Ray actor with no CPU): `began(tag, record)` keeps an announcement (`tag`: the trial
  attempt's submission, `record`: the call as a plain dict); `take()` returns those kept so far and forgets
  them. This module imports nothing heavy: the actor's process stays small.
- `CallLedger` (the coordinator's bookkeeping, no I/O): `announced(tag, uid)` says what to do with an
  announcement — "journal" (a call under way: journal its start), "ignore" (its trial already reported it) or
  "lost" (it arrived after its trial was settled without it); `settle(tag, reported_uids)` closes a submission
  and returns the uids announced for it that its report does not hold: calls of an attempt lost with its worker,
  which the coordinator records as failed with unknown cost (their provider may have charged for them).
  `journaled(uid)` says whether a call's start is already in the journal.
"""
from __future__ import annotations

from dataclasses import dataclass, field


class CallSink:
    def __init__(self) -> None:
        self._kept: list[tuple[str, dict]] = []

    def began(self, tag: str, record: dict) -> None:
        self._kept.append((tag, record))

    def take(self) -> list[tuple[str, dict]]:
        kept, self._kept = self._kept, []
        return kept


@dataclass(frozen=True)
class Announcement:
    action: str  # "journal", "ignore" or "lost"
    reason: str


@dataclass
class CallLedger:
    open: dict[str, set[str]] = field(default_factory=dict)  # tag -> uids announced, trial not settled yet
    settled: set[str] = field(default_factory=set)
    known: set[str] = field(default_factory=set)  # uids reported or recorded lost: never recorded again
    started: set[str] = field(default_factory=set)  # uids whose start is journaled

    def announced(self, tag: str, uid: str) -> Announcement:
        if uid in self.known:
            return Announcement("ignore", "its trial's report already holds it")
        if tag in self.settled:
            self.known.add(uid)
            return Announcement("lost", "announced after its trial was settled without it: a lost attempt's call")
        self.open.setdefault(tag, set()).add(uid)
        self.started.add(uid)
        return Announcement("journal", "a call under way on a worker")

    def settle(self, tag: str, reported_uids: set[str]) -> list[str]:
        self.settled.add(tag)
        self.known |= reported_uids
        lost = sorted(self.open.pop(tag, set()) - reported_uids)
        self.known |= set(lost)
        return lost

    def journaled(self, uid: str) -> bool:
        return uid in self.started
