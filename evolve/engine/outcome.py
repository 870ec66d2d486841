"""How a run ended (`Engine.run()` returns it) and the exit code `evolve run` gives for it.

Contract: `kind` says what happened; `text` is the line the user reads (also `str(outcome)`); `exit_code` is
0 when the run finished or stopped on a budget, the stop file or Ctrl-C (resumable, nothing to fix), and 1 when
a model provider stayed down or a model call failed for good (a result to look at before resuming), as
evolve.commands.errors documents for every command. The caller, not the outcome, handles Ctrl-C's 130.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RunEnd = Literal["finished", "finished-earlier", "stopped", "provider-down", "call-failed"]


@dataclass(frozen=True)
class RunOutcome:
    kind: RunEnd
    text: str

    @property
    def exit_code(self) -> int:
        return 1 if self.kind in ("provider-down", "call-failed") else 0

    def __str__(self) -> str:
        return self.text
