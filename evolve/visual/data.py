"""Which canned query feeds which figure, and getting their rows for one run.

Contract: every figure of the report is drawn from the rows of exactly one canned query in the queries folder
(`[archive] queries`, archive/queries/), run with `run=<run id>` (and the extra parameters below), so a reader can
rerun what a figure shows with `evolve sql --query NAME --param run=<run id>`. `fetch` runs each query once
through the archive's reader (any `Reads`: a writer, a reader or a snapshot) and returns name -> rows (dicts).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..archive import queries as canned

Rows = list[dict[str, Any]]

# figure -> the query it is drawn from (and parameters beyond `run`)
QUERIES: dict[str, tuple[str, dict[str, str]]] = {
    "val_over_trials": ("val_over_trials", {}),
    "progress_by_generation": ("progress_by_generation", {}),
    "lineage": ("lineage_nodes", {}),
    "goal_heatmap": ("goal_heatmap", {"top": "12"}),
    "operator_success": ("operator_success", {}),
    "refusal_reasons": ("refusal_reasons", {}),
    "cost_per_role": ("cost_per_role", {}),
    "trial_phases": ("trial_phases", {}),
    "split_gap": ("split_gap", {}),
}
CHANGES = "lineage_changes"  # the skill diffs shown beside the lineage's nodes (not a figure)


def command(figure: str, run_id: str) -> str:
    """The `evolve sql` command that prints a figure's data."""
    name, extra = QUERIES[figure]
    params = " ".join(f"--param {k}={v}" for k, v in {"run": run_id, **extra}.items())
    return f"evolve sql --query {name} {params}"


def run_query(reads, folder: Path, name: str, params: dict[str, str]) -> Rows:
    query = canned.find(name, folder)
    return reads.rows(query.sql, query.bind(params))


def fetch(reads, run_id: str, folder: Path) -> dict[str, Rows]:
    """figure name -> its query's rows for `run_id`."""
    return {figure: run_query(reads, folder, name, {"run": run_id, **extra})
            for figure, (name, extra) in QUERIES.items()}


def changes(reads, run_id: str, folder: Path, library_ids: list[str]) -> Rows:
    """The skill changes of the given libraries against their first parent (lineage_changes)."""
    if not library_ids:
        return []
    return run_query(reads, folder, CHANGES, {"run": run_id, "libraries": ",".join(library_ids)})
