"""What `evolve run` prints and leaves behind at the end: the summary table, the run's totals, the diff of the
best library against the seed, and the best library exported as an Agent Skills tree.

Files (in `.evolve/runs/<run_id>/`): summary.txt (what was printed), best.diff, best/ (spec-valid skills with
lineage and scores under metadata, from the archive's exporter).
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ..archive.export import export
from . import summary
from .selection import Candidate, best_set


@dataclass
class Report:
    text: str
    folder: Path


def integrity_line(totals: dict) -> str:
    """One line: trials caught forging (`evolve sql --query integrity_flags` lists them), how the trusted replay
    concluded, and which isolation held (more than one set means the sandbox changed during the run)."""
    replay = ", ".join(f"{n} {status}" for status, n in totals["by_replay"].items()) or "none"
    isolation = "; ".join(f"{n} with {', '.join(features) or 'none recorded'}"
                          for features, n in totals["isolation"].items()) or "none recorded"
    return (f"  integrity: {totals['flagged']} trial(s) caught forging (evolve sql --query integrity_flags); "
            f"replay: {replay}; isolation: {isolation}")


def turns_line(totals: dict) -> str:
    """One line: how often later turns fixed a first notebook that did not run, and rescued an unsolved one
    (`evolve sql --query turn_rescue` breaks it down by condition and model)."""
    def share(part: int, whole: int) -> str:
        return f"{part} of {whole}" + (f" ({part / whole:.0%})" if whole else "")
    return (f"  turns: later turns made {share(totals['fixed'], totals['first_failed'])} failed first notebooks "
            f"run and solved {share(totals['rescued'], totals['first_unsolved'])} goals unsolved at the first turn "
            f"(evolve sql --query turn_rescue)")


def judge_line(rows: list[dict]) -> str | None:
    """One line when a judge was asked: per condition, its rubric mean beside the objective mean (never instead)."""
    if not rows:
        return None
    parts = [f"{r['condition']} rubric {r['rubric']:.2f}/5 vs score {r['score']:.3f} over {r['judged']} "
             f"({r['missing']} missing)" if r["judged"] else f"{r['condition']}: {r['missing']} missing"
             for r in rows]
    return "  judge verdicts: " + "; ".join(parts)


def race_line(rows: list[dict]) -> str | None:
    """One line when decisions were raced: per stage, how they ended and how many hit the cap undecided
    (`evolve sql --query races` lists them)."""
    if not rows:
        return None
    parts = [f"{r['stage']} {r['decisions']} ({r['better']} better, {r['not_better']} not better, {r['at_cap']} "
             f"undecided at the cap; {r['mean_pairs']:.1f} pairs each)" for r in rows]
    return "  races: " + "; ".join(parts) + " (evolve sql --query races)"


def gap_line(val: float | None, test: float | None) -> str | None:
    """The best library's val → test gap: how much of its val score held on the sealed goals."""
    if val is None or test is None:
        return None
    return f"  best library val {val:.3f} → test {test:.3f} (gap {val - test:+.3f}; evolve sql --query split_gap)"


def write_report(engine, folder: Path) -> Report:
    folder.mkdir(parents=True, exist_ok=True)
    state, archive, run_id = engine.state, engine.archive, engine.run_id
    best = state.incumbent
    totals, edges = archive.trial_totals(run_id), archive.proposal_totals(run_id)
    costs = archive.calls_by_role(run_id)
    lines = [f"run {run_id}: {state.generation} generation(s) finished, {totals['trials']} trials "
             f"({totals['fresh']} run, {totals['trials'] - totals['fresh']} from the cache, {totals['missing']} "
             f"missing), {totals['wall_s'] / 60:.1f} trial-minutes; {edges['proposed']} children proposed, "
             f"{edges['accepted']} accepted"]
    lines += [f"  {c['role']}: {c['calls']} calls, {c['prompt']} prompt + {c['completion']} generated tokens, "
              f"{c['latency']:.0f} s, ${c['cost']:.2f}" for c in costs]
    lines.append(integrity_line(archive.integrity_totals(run_id)))
    lines.append(turns_line(archive.turn_totals(run_id)))
    judged = judge_line(archive.judge_totals(run_id))
    if judged:
        lines.append(judged)
    raced = race_line(archive.race_totals(run_id))
    if raced:
        lines.append(raced)
    gap = gap_line(engine.board.mean(best, "val")[0], engine.board.mean(best, "test")[0]) if best else None
    if gap:
        lines.append(gap)
    lines += ["", summary.table(summary.rows(engine.board, best, engine.seed_id)), ""]
    fame = best_set([Candidate(m, engine.board.mean(m, "val")[0], engine.library(m).nbytes)
                     for m in state.population], 3)
    if fame:
        lines.append("best set (hall of fame, by val score then bytes): " + ", ".join(
            f"{c.library_id[:12]} {c.val_score:.3f} ({c.nbytes} B)" for c in fame))
    if best and best != engine.seed_id:
        diff = summary.library_diff(engine.library(engine.seed_id), engine.library(best))
        (folder / "best.diff").write_text(diff)
        change = engine.library(engine.seed_id).diff(engine.library(best))
        lines.append(f"best library {best[:12]} vs seed: {change} (diff in {folder / 'best.diff'})")
        shutil.rmtree(folder / "best", ignore_errors=True)  # our own output of an earlier report (resume)
        export(archive, best, run_id, folder / "best")
    else:
        lines.append("the best library is still the seed library: no child beat it on val")
    text = "\n".join(lines)
    (folder / "summary.txt").write_text(text + "\n")
    return Report(text, folder)
