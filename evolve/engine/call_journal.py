"""A kill-proof log of a run's model calls, so nothing spent disappears when the process dies.

The archive records a call when the trial or proposal that made it commits. A call that finished after the last
commit, or was still in flight, would vanish with a kill -9, and so would its cost (a kill test counted 18
student calls logged against 15 archived). The journal closes that gap.

Contract:
- `CallJournal(path)` appends JSON lines to `path` (created with its folder): `started(record)` when a call
  begins and `ended(record)` when it returns (ok or not), each flushed and fsynced before the call proceeds, so
  after a kill the file holds every call that began.
- `recover(known_uids)` → the calls the archive does not hold yet (`CallRecord`s, by uid): a call that ended is
  returned as it ended; a call that only began is returned failed (`ok` False, error "in flight when the run
  stopped", cost unknown, tokens 0: its provider may have charged for it). Lines cut by the kill are skipped.
  The caller records them, and they are then known; recovering twice returns nothing new.
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, fields
from pathlib import Path

from ..records import CallRecord

IN_FLIGHT = "in flight when the run stopped (the process ended before the call returned)"


class CallJournal:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def started(self, record: CallRecord) -> None:
        self._append({"event": "started", "record": asdict(record)})

    def ended(self, record: CallRecord) -> None:
        self._append({"event": "ended", "record": asdict(record)})

    def _append(self, entry: dict) -> None:
        line = json.dumps(entry, default=str) + "\n"
        with self._lock, open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def recover(self, known_uids: set[str]) -> list[CallRecord]:
        """The journal's calls the archive does not hold (see the module contract), in the order they began."""
        if not self.path.exists():
            return []
        began: dict[str, dict] = {}
        ended: dict[str, dict] = {}
        with open(self.path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    entry = json.loads(line)
                    record = entry["record"]
                    uid = record["uid"]
                except (ValueError, KeyError, TypeError):
                    continue  # the line the kill cut short
                (ended if entry.get("event") == "ended" else began).setdefault(uid, record)
        names = {f.name for f in fields(CallRecord)}
        out = []
        for uid, first in began.items():
            if uid in known_uids:
                continue
            data = {k: v for k, v in (ended.get(uid) or first).items() if k in names}
            record = CallRecord(**data)
            if uid not in ended:
                record.ok, record.error, record.cost_usd = False, IN_FLIGHT, None
                record.prompt_tokens = record.completion_tokens = 0
            out.append(record)
        return out
