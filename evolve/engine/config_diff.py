"""Did the configuration change between a run's start and its resume? A pure comparison, with the reason.

Contract: `compare(recorded, current, defaults=None)` takes configurations as plain JSON-like dicts
(`dataclasses.asdict` of `evolve.config.Config`, as the archive keeps them) and returns a `ConfigChange`:
`changes` lists every leaf that differs as "section.key: old → new" (added and removed keys too), except
- `BUDGET_KEYS`, which a resume may change freely (extending a run is what resuming is for): in `budgets`;
- with `defaults` (the built-in configuration), a leaf the recorded configuration does not have at all and the
  current one holds at its default: an option this evolve added since the run started, which the user did not
  choose (a newer evolve must not make every older run need --allow-config-change): in `new_defaults`.
`changed` is True when `changes` is not empty.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# What a resume may change without --allow-config-change: how long the run goes on, not how it selects; and
# where its trials run ([executor]: a run started on a workstation may be resumed on a cluster).
BUDGET_KEYS = frozenset({"run.generations", "run.max_trials", "run.max_wall_s", "run.max_cost_usd", "run.patience",
                         "run.stop_file", "executor"})
MISSING = object()


@dataclass(frozen=True)
class ConfigChange:
    changes: tuple[str, ...]  # "section.key: old → new", budgets left out
    budgets: tuple[str, ...]  # the budget keys that changed (allowed)
    new_defaults: tuple[str, ...] = ()  # options the run predates, at their default (allowed)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def compare(recorded: dict[str, Any], current: dict[str, Any],
            defaults: dict[str, Any] | None = None) -> ConfigChange:
    changes, budgets, new_defaults = [], [], []
    old, new = _leaves(recorded), _leaves(current)
    default = _leaves(defaults) if defaults is not None else {}
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, MISSING), new.get(key, MISSING)
        if a == b:
            continue
        line = f"{key}: {_show(a)} → {_show(b)}"
        if key in BUDGET_KEYS or any(key.startswith(k + ".") for k in BUDGET_KEYS):
            budgets.append(line)
        elif a is MISSING and b is not MISSING and default.get(key, MISSING) == b and not _recorded_parent(old, key):
            new_defaults.append(line)
        else:
            changes.append(line)
    return ConfigChange(tuple(changes), tuple(budgets), tuple(new_defaults))


def _recorded_parent(old: dict[str, Any], key: str) -> bool:
    """Whether the recorded configuration held this key's parent as a leaf (an empty table or a value): then the
    key was not added by a newer evolve, the user filled something the run had empty."""
    parts = key.split(".")
    return any(".".join(parts[:i]) in old for i in range(1, len(parts)))


def _leaves(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict) and data:
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(_leaves(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    # lists and tuples compare as JSON (a tuple read back from the archive is a list)
    return {prefix: json.loads(json.dumps(data, default=str))}


def _show(value: Any) -> str:
    return "(absent)" if value is MISSING else json.dumps(value, default=str)
