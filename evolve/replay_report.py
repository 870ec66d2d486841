"""What a trusted replay of a notebook's simulations concluded (`ReplayReport`), as plain data.

A domain plugin's `replay()` re-runs, outside the sandbox, the simulations a notebook's evidence describes and
recomputes the goal's numbers from them. Standard library only: the report crosses a process boundary as JSON
(`to_json` / `from_json`), and the engine reads it without importing the domain.

Statuses:
- `confirmed`: every traced simulation was re-run and reproduced what the evidence claims; `recomputed` holds the
  goal's numbers computed from the re-run (may be empty when the goal declares no recompute);
- `forged`: the evidence contradicts itself or a re-run (claimed outputs that the described simulation does not
  produce, records that could not have come from the hook) — the notebook scores 0 and is flagged;
- `unconfirmed`: the replay could not decide (a simulation it cannot rebuild, its own time limit, a crash of the
  replay process): no integrity verdict, and results the replay would have confirmed earn no credit;
- `not-declared`: the goal ships no replay; results are scored as read (a documented gap, counted in reports).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ReplayStatus = Literal["confirmed", "forged", "unconfirmed", "not-declared"]
STATUSES: tuple[ReplayStatus, ...] = ("confirmed", "forged", "unconfirmed", "not-declared")


@dataclass(frozen=True)
class ReplayReport:
    status: ReplayStatus
    reason: str = ""
    recomputed: dict[str, Any] | None = None
    runs_replayed: int = 0
    wall_s: float = 0.0
    details: list[str] = field(default_factory=list)  # one line per simulation compared, for feedback/debugging

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"replay status must be one of {', '.join(STATUSES)}, not {self.status!r}")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> ReplayReport:
        """A report from untrusted-shape JSON (the replay process's stdout); malformed → `unconfirmed`."""
        if not isinstance(data, dict) or data.get("status") not in STATUSES:
            return cls("unconfirmed", f"the replay returned no valid report: {json.dumps(data)[:200]}")
        recomputed = data.get("recomputed")
        details = data.get("details")
        return cls(status=data["status"], reason=str(data.get("reason", ""))[:2000],
                   recomputed=recomputed if isinstance(recomputed, dict) else None,
                   runs_replayed=int(data.get("runs_replayed") or 0),
                   wall_s=float(data.get("wall_s") or 0.0),
                   details=[str(d)[:500] for d in details[:200]] if isinstance(details, list) else [])
