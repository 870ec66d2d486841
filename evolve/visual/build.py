"""Making a run's report: fetch every figure's query, draw, and write `report.html`.

Contract: `write_report(reads, run_id, out_dir, queries, ...)` reads only through `reads` (an `Archive` writer, a
`Reader` or a snapshot reader: anything with `rows`) and the canned queries in `queries`; it writes
`out_dir/report.html` whole or not at all (a new file renamed over the old one, so a browser open on a live run's
report never reads half a page) and returns its path. `build_page` is the same without the file.
Sections, in order: Progress, Lineage, Goals, Operators, Cost, Overfitting.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from . import cost, data, goals, lineage, operators, overfitting, progress
from .page import Header, Section, Table, render

REPORT_NAME = "report.html"
DETAILED_LIBRARIES = 60  # libraries listed with their note and diff (the best path first)


def write_report(reads, run_id: str, out_dir: Path, queries: Path, archive_label: str = "",
                 notes: list[str] | None = None) -> Path:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html = build_page(reads, run_id, Path(queries), archive_label or str(getattr(reads, "path", "")), notes or [])
    target = out_dir / REPORT_NAME
    partial = out_dir / f".{REPORT_NAME}.{os.getpid()}.tmp"
    partial.write_text(html, encoding="utf-8")
    os.replace(partial, target)
    return target


def build_page(reads, run_id: str, queries: Path, archive_label: str, notes: list[str],
               now: dt.datetime | None = None) -> str:
    rows = data.fetch(reads, run_id, queries)
    q = {figure: data.command(figure, run_id) for figure in data.QUERIES}
    nodes = rows["lineage"]
    chosen = lineage.picked(nodes, DETAILED_LIBRARIES)
    details = lineage.details(nodes, data.changes(reads, run_id, queries, chosen), chosen)
    shown = f"{len(details)} of {len(nodes)}" if len(details) < len(nodes) else f"all {len(nodes)}"
    sections = [
        Section("progress", "Progress", "Val scores as the run spent trials, and each library's val mean by "
                "generation against the best so far and the baselines.",
                [progress.over_trials(rows["val_over_trials"], q["val_over_trials"]),
                 progress.over_generations(rows["progress_by_generation"], q["progress_by_generation"])]),
        Section("lineage", "Lineage", "Every library of the run, where it came from and what became of it.",
                [lineage.tree(nodes, q["lineage"])], nodes=details,
                nodes_note=f"{shown} libraries (the best library's lineage first, then the highest val means), "
                           f"each with its operator's note and its skill diff against its first parent "
                           f"(evolve sql --query lineage_changes --param run={run_id})."),
        Section("goals", "Goals", "Which goals each library solves.",
                [goals.heatmap(rows["goal_heatmap"], q["goal_heatmap"])]),
        Section("operators", "Operators", "What each operator proposed and what became of its children.",
                [operators.outcomes(rows["operator_success"], q["operator_success"]),
                 operators.refusals(rows["refusal_reasons"], q["refusal_reasons"])],
                tables=[refusal_table(rows["refusal_reasons"])] if rows["refusal_reasons"] else []),
        Section("cost", "Cost", "Tokens, calls, wall time and money per model role, and the phases of a trial.",
                [cost.per_role(rows["cost_per_role"], q["cost_per_role"]),
                 cost.phases(rows["trial_phases"], q["trial_phases"])]),
        Section("overfitting", "Overfitting", "Train (the mutator's goals) vs val (selection's) vs test (sealed) "
                "by generation.", [overfitting.split_gap(rows["split_gap"], q["split_gap"])]),
    ]
    now = now or dt.datetime.now(dt.UTC)
    header = Header(run_id, archive_label, now.strftime("%Y-%m-%d %H:%M UTC"), notes,
                    summary_table(rows["progress_by_generation"], nodes))
    return render(header, sections)


def summary_table(progress_rows: list[dict], nodes: list[dict]) -> Table | None:
    """Best library, seed library, no skills and best-of-N on val and test (mean and trials)."""
    cells: dict[str, dict[str, tuple]] = {}
    best = next((n for n in nodes if n["is_best"]), None)
    for row in progress_rows:
        if row["kind"] == "baseline":
            cells.setdefault(row["label"], {})[row["split"]] = (row["mean"], row["n"])
    if best is not None:
        tested = sorted((r for r in progress_rows if r["kind"] == "library" and r["split"] == "test"
                         and r["library_id"] == best["library_id"]), key=lambda r: r["generation"])
        label = f"best library {best['library_id'][:8]}"
        cells[label] = {"val": (best["val_score"], best["val_n"])}
        if tested:
            cells[label]["test"] = (tested[-1]["mean"], tested[-1]["n"])
        elif best["library_id"] == next((r["library_id"] for r in progress_rows if r["kind"] == "baseline"
                                         and r["label"] == "seed library"), None):
            cells[label]["test"] = cells.get("seed library", {}).get("test", (None, None))
    if not cells:
        return None
    order = sorted(cells, key=lambda k: (not k.startswith("best library"),
                                         ["seed library", "no skills", "best-of-N"].index(k)
                                         if k in ("seed library", "no skills", "best-of-N") else 0))
    rows = [[k, *cells[k].get("val", (None, None)), *cells[k].get("test", (None, None))] for k in order]
    return Table(["", "val mean", "val trials", "test mean", "test trials"], rows,
                 "best library: the run's best so far (the engine's incumbent; else the highest val mean); best-of-N: "
                 "the mean over goals of the best of N samples of the seed library")


def refusal_table(rows: list[dict]) -> Table:
    return Table(["operator", "reason", "children"], [[r["operator"], r["reason"], r["children"]] for r in rows],
                 "every refusal reason in full")
