"""An Evaluation: execute a notebook in the sandbox, collect the evidence, run the goal's checks, score it.

Like OpenEvolve's EvaluationResult: numbers in `metrics`, everything a human or a model reads in `artifacts`.
Objective first: did it run and do the work, did the checks on results.json and the evidence pass, did a
trusted replay of its simulations confirm its numbers, which known pitfalls are in the code.

Missing, not zero: a kernel that did not start, a sandbox set-up that failed, a broken goal check, a plugin that
raised or an assessment that overran its time are ours: status "error" and no score, never the notebook's 0.

The execution folder (`evaluate(..., folder)`, new or empty):
- `folder/work/`      the notebook's cwd and $HOME, where it writes results.json;
- `folder/evidence/`  the evidence dir the plugin's startup files write (env EVOLVE_EVIDENCE_DIR in the kernel);
- `folder/notebook.ipynb`  the executed notebook, written here afterwards (a folder the notebook cannot see).
Everything read back from work/ and evidence/ is hostile: it goes through `evolve.safe_read` (no links, no
FIFOs, bounded size and nesting) and every text that reaches feedback is clipped.

Scoring rules (pure functions below, each returning its reason):
- `executed_credit`: the "executed" part of the score needs a run without error AND evidence of work
  (`plugin.did_work(trace)`): an empty notebook, or one that only writes results.json, earns none;
- `integrity_verdict`: after the checks, when one passed, the plugin's trusted replay re-runs what the evidence
  describes. "forged", or numbers the notebook reported that its own simulations do not give, score 0 with an
  integrity flag; "unconfirmed", or numbers the replay did not recompute, withhold credit from checks that rest
  on results.json alone. Code that tampers with the evaluation (an integrity pitfall, `evolve.tamper`) is
  flagged the same way.
Feedback never quotes accepted values: check messages are passed through `checks.redact_bounds`.
"""
from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Callable, Mapping

import nbformat
from nbformat import NotebookNode

from . import notebook as nb_io
from .checks import CheckContext, CheckResult, redact_bounds, redacted_checks as _redacted
from .config import EvaluationSettings, ScoreWeights
from .goal_checks import GoalCheckError, run_checks
from .goals import Goal
from .phases import Phases
from .plugin import DomainPlugin, Pitfall
from .replay_report import ReplayReport
from .safe_read import MissingFile, UnsafeFile, read_json
from .sandbox import ExecutionRecord, KernelPool, Limits, execute_notebook
from .templates import render

RESULTS_FILE = "results.json"
NOTEBOOK_FILE = "notebook.ipynb"
WORK_FOLDER, EVIDENCE_FOLDER = "work", "evidence"
RESULTS_CAP_BYTES = 1 << 20
RESULTS_MAX_DEPTH = 64
MESSAGE_CHARS = 500  # one check message
ERROR_CHARS = 3000  # the notebook's error, in feedback
SUMMARY_CHARS = 2000  # the trace summary, in feedback
FEEDBACK_CHARS = 8192  # the whole feedback
REPLAY_GRACE_S = 30.0  # the replay enforces its own timeout; ours only catches a replay that ignores it


@dataclass
class Evaluation:
    status: str  # "scored" or "error" (infrastructure failure: no score)
    score: float | None
    executed: bool  # every cell ran without error
    checks: list[CheckResult] = field(default_factory=list)  # credited results, full (unredacted) messages
    pitfalls: list[Pitfall] = field(default_factory=list)
    error: str | None = None  # the notebook's error (or the infrastructure error when status is "error")
    error_cell: int | None = None  # index in notebook.cells of the cell that failed (the sandbox's record)
    wall_s: float = 0.0
    isolation: list[str] = field(default_factory=list)
    results: dict[str, Any] | None = None
    trace: list[dict[str, Any]] = field(default_factory=list)
    feedback: str = ""  # what the student and the mutator read: redacted and capped
    summary: str = ""  # the plugin's trace summary as feedback shows it (a crash's focused feedback quotes it)
    workdir: Path | None = None  # the notebook's folder (folder/work)
    notebook: Any = field(default=None, repr=False)  # the executed notebook, with outputs
    folder: Path | None = None  # the execution folder (work/, evidence/, notebook.ipynb)
    did_work: bool = False  # the evidence shows the domain's work (plugin.did_work)
    executed_credit: bool = False  # earned the "executed" part of the score (see executed_credit())
    integrity: str | None = None  # why the results were found forged; None when not
    replay: ReplayReport | None = None  # the trusted replay's report; None when no replay ran
    record: ExecutionRecord | None = field(default=None, repr=False)  # the sandbox's record (its time split)
    checks_s: float = 0.0  # reading the evidence and results and running the goal's checks
    replay_s: float = 0.0  # the trusted replay

    def phases(self) -> Phases:
        """This evaluation's share of a trial's time (evolve.phases)."""
        record = self.record
        return Phases(kernel_start_s=record.kernel_start_s if record else None,
                      imports_s=record.imports_s if record else None,
                      execution_s=record.execution_s if record else None,
                      checks_s=self.checks_s, replay_s=self.replay_s)

    @property
    def metrics(self) -> dict[str, float]:
        passed = sum(c.passed for c in self.checks)
        return {"executed": float(self.executed), "executed_credit": float(self.executed_credit),
                "checks_passed": float(passed), "checks_total": float(len(self.checks)),
                "check_fraction": passed / len(self.checks) if self.checks else 0.0,
                "pitfalls": float(len(self.pitfalls)), "wall_s": self.wall_s,
                "forged": float(self.integrity is not None)}

    def redacted_checks(self) -> list[CheckResult]:
        """The checks as the student and the mutator may see them (accepted values removed)."""
        return _redacted(self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status, "score": self.score, "executed": self.executed,
            "executed_credit": self.executed_credit, "did_work": self.did_work,
            "checks": [asdict(c) for c in self.checks], "pitfalls": [asdict(p) for p in self.pitfalls],
            "error": self.error, "error_cell": self.error_cell, "isolation": self.isolation,
            "wall_s": round(self.wall_s, 3),
            "metrics": self.metrics, "results": self.results, "trace_records": len(self.trace),
            "integrity": self.integrity, "replay": self.replay.to_json() if self.replay else None,
            "feedback": self.feedback, "workdir": str(self.workdir) if self.workdir else None,
            "folder": str(self.folder) if self.folder else None,
        }


def redacted_checks(checks):
    """`checks` (CheckResult objects or their dicts) with accepted values removed from the messages."""
    return _redacted(checks)


# --- pure decisions ------------------------------------------------------------------------------------------

def score_of(weights: ScoreWeights, executed: bool, checks: list[CheckResult], pitfalls: list[Pitfall]) -> float:
    """The scalar defined in [score] of the config, in [0, 1]. `executed` is the executed *credit*."""
    fraction = sum(c.passed for c in checks) / len(checks) if checks else 0.0
    total = weights.executed_weight + weights.checks_weight
    raw = (weights.executed_weight * executed + weights.checks_weight * fraction) / total if total else 0.0
    return min(1.0, max(0.0, raw - weights.pitfall_penalty * len(pitfalls)))


@dataclass(frozen=True)
class Credit:
    credited: bool
    reason: str


def executed_credit(executed: bool, did_work: bool) -> Credit:
    """Whether the notebook earns the "executed" part of the score: it must run without error and leave
    evidence of the work; running an empty notebook, or writing results.json by hand, is not the work."""
    if not executed:
        return Credit(False, "the notebook did not run to the end without error")
    if not did_work:
        return Credit(False, "the notebook ran, but the evidence recorded while it ran shows none of the "
                             "requested work (see 'What was simulated' below), so running earns no credit")
    return Credit(True, "the notebook ran without error and did the work")


@dataclass(frozen=True)
class Verdict:
    flag: str | None  # "forged" or None
    credited_checks: list[CheckResult]
    reason: str


def integrity_verdict(checks_on_notebook_results: list[CheckResult], checks_on_recomputed: list[CheckResult] | None,
                      report: ReplayReport | None, results: dict[str, Any] | None = None,
                      unbacked: set[str] | None = None) -> Verdict:
    """What the replay means for the score.

    `checks_on_notebook_results`: the goal's checks on the notebook's own results.json.
    `checks_on_recomputed`: the goal's checks on the numbers the replay vouches for: for "confirmed", the
    notebook's results updated with `report.recomputed`; for "unconfirmed", no results at all (ctx.results
    None). A check that passes on the first but fails on the second rests on numbers the replay contradicts
    (confirmed: forged) or could not back (unconfirmed: no credit). `results` only serves the forged message.
    Ignored for the other statuses; None means "not computed" and changes nothing.
    `unbacked` (confirmed only): checks that rest on results.json (they fail without it) and fail on the
    recomputed numbers alone, i.e. the replay recomputed nothing they read: no credit, no flag."""
    if report is None:
        return Verdict(None, list(checks_on_notebook_results), "")
    trusted = {c.name: c for c in (checks_on_recomputed or checks_on_notebook_results)}
    contradicted = [c for c in checks_on_notebook_results
                    if c.passed and c.name in trusted and not trusted[c.name].passed]
    if report.status == "forged":
        reason = f"the replay of its simulations found the evidence forged: {_clip(report.reason, MESSAGE_CHARS)}"
        return Verdict("forged", _uncredit(checks_on_notebook_results, "the results were found forged"), reason)
    if report.status == "confirmed":
        if contradicted:
            said = _disagreement(results, report.recomputed)
            names = ", ".join(c.name for c in contradicted)
            reason = (f"{said} (check {names} passed on the reported numbers and fails on the re-run ones)" if said
                      else f"results.json disagrees with what the simulations it ran give (check {names} passed on "
                           f"the reported numbers and fails on the re-run ones)")
            return Verdict("forged", _uncredit(checks_on_notebook_results, "the results were found forged"), reason)
        confirmed = (f"the replay re-ran {report.runs_replayed} simulation(s) and they give the reported "
                     f"numbers")
        names = {c.name for c in checks_on_notebook_results if c.passed} & (unbacked or set())
        if names:
            return Verdict(None, _uncredit(checks_on_notebook_results, "the replay could not recompute the numbers "
                                                                       "this check reads", only=names),
                           f"{confirmed}, but not the numbers these checks read, which earn no credit: "
                           + ", ".join(sorted(names)))
        return Verdict(None, list(checks_on_notebook_results), confirmed)
    if report.status == "unconfirmed":
        names = {c.name for c in contradicted}
        credited = _uncredit(checks_on_notebook_results, "the replay could not confirm results.json", only=names)
        reason = f"the replay could not confirm the results ({_clip(report.reason, MESSAGE_CHARS)})"
        if names:
            reason += "; checks that rest on results.json alone earn no credit: " + ", ".join(sorted(names))
        return Verdict(None, credited, reason)
    return Verdict(None, list(checks_on_notebook_results), "the goal declares no replay: results are scored as read")


def _uncredit(checks: list[CheckResult], why: str, only: set[str] | None = None) -> list[CheckResult]:
    return [CheckResult(c.name, False, f"{c.message} (not credited: {why})")
            if c.passed and (only is None or c.name in only) else c for c in checks]


def _disagreement(results: dict[str, Any] | None, recomputed: dict[str, Any] | None) -> str:
    """"results.json says k = 6 but the simulations it ran give k = 7" for each key that differs."""
    parts = []
    for key, value in (recomputed or {}).items():
        reported = (results or {}).get(key, _ABSENT)
        if _same(reported, value):
            continue
        said = "has no " + repr(str(key)[:60]) if reported is _ABSENT else f"says {str(key)[:60]} = {_show(reported)}"
        give = "cannot give this number at all" if value is None else f"give {str(key)[:60]} = {_show(value)}"
        parts.append(f"results.json {said} but the simulations it ran {give}")
    return "; ".join(parts[:5])


_ABSENT = object()


def _same(a: Any, b: Any) -> bool:
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0) or a == b
    return a == b


def _show(value: Any) -> str:
    text = f"{value:g}" if isinstance(value, float) else repr(value)
    return _clip(text, 80)


def _clip(text: str | None, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else f"{text[:limit]}... [{len(text) - limit} more characters]"


# --- the execution folder ---------------------------------------------------------------------------------

def notebook_limits(settings: EvaluationSettings, goal: Goal) -> Limits:
    total = min(settings.notebook_timeout_s, settings.budget_factor * goal.budget_s)
    return Limits(cell_timeout_s=min(settings.cell_timeout_s, total), total_timeout_s=total,
                  memory_mb=settings.memory_mb, disk_mb=settings.disk_mb, max_tasks=settings.max_tasks)


def kernel_pool(plugin: DomainPlugin, settings: EvaluationSettings, size: int) -> KernelPool:
    """Kernels started ahead of the notebooks that `evaluate` runs with this plugin and settings: each runs the
    plugin's startup files, then its `preload_code()` (imports), and waits; the limits fixed at start are the
    settings' (a goal only changes the timeouts)."""
    fixed = Limits(memory_mb=settings.memory_mb, disk_mb=settings.disk_mb, max_tasks=settings.max_tasks)
    return KernelPool(size, preload_code=plugin.preload_code(), limits=fixed, startup_files=plugin.startup_files(),
                      state_env=plugin.state_env)


def execution_layout(folder: Path) -> tuple[Path, Path]:
    """Create the execution folder's work/ and evidence/ (the folder must be new or empty)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise FileExistsError(f"the execution folder must be new or empty: {folder}")
    work, evidence = folder / WORK_FOLDER, folder / EVIDENCE_FOLDER
    work.mkdir()
    evidence.mkdir()
    return work, evidence


def evaluate(notebook: NotebookNode, goal: Goal, plugin: DomainPlugin, settings: EvaluationSettings,
             weights: ScoreWeights, folder: Path, kernels: KernelPool | None = None,
             importable: Mapping[str, bytes] | None = None) -> Evaluation:
    """Execute `notebook` in the new execution folder `folder` and score it against `goal`. With `kernels` (a
    pool made by `kernel_pool` for the same plugin and settings), on a pre-started kernel with the plugin's
    preload done: the same isolation and a fresh process, without the start-up wait. `importable` (relative
    path → content: the routed skills' scripts, evolve.skill_scripts) is importable by the notebook, read-only."""
    folder = Path(folder).absolute()
    work, evidence = execution_layout(folder)
    try:
        limits = notebook_limits(settings, goal)
        if kernels is not None:
            record = kernels.execute(notebook, workdir=work, evidence_dir=evidence, limits=limits,
                                     importable=importable)
        else:
            record = execute_notebook(notebook, work, limits, startup_files=plugin.startup_files(),
                                      evidence_dir=evidence, importable=importable, state_env=plugin.state_env)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as error:  # the sandbox raised while setting up: ours, not the notebook's
        evaluation = Evaluation(status="error", score=None, executed=False, workdir=work, folder=folder)
        return _not_scored(evaluation, f"the sandbox could not be set up: {type(error).__name__}: {error}")
    evaluation = assess(record, notebook, goal, plugin, settings, weights, folder=folder)
    save_notebook(evaluation.notebook or notebook, folder / NOTEBOOK_FILE)
    return evaluation


def save_notebook(notebook: NotebookNode, path: Path) -> bool:
    """Write the executed notebook as a new file; never through a link, never over an existing file (whatever
    is there was not written by us). False when it could not be written."""
    try:
        text = nbformat.writes(notebook)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except (OSError, ValueError):
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return True


# --- assessing an execution -------------------------------------------------------------------------------

class _Overtime(Exception):
    """A step of the assessment did not finish in time (ours: the evaluator's and the goal's code)."""


def _within(seconds: float, what: str, function: Callable, *args):
    """`function(*args)` in a worker thread, or `_Overtime` after `seconds`. A thread that never returns is
    left behind (a daemon): Python cannot kill it, but the evaluation goes on and the run is not blocked."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = function(*args)
        except Exception as error:  # handed back to the caller's thread
            box["error"] = error
        except BaseException as error:  # sys.exit() in a goal check must not end the run
            box["error"] = RuntimeError(f"{what} raised {type(error).__name__}")

    worker = threading.Thread(target=work, name=f"evolve-assess-{what}", daemon=True)
    worker.start()
    worker.join(max(0.0, seconds))
    if worker.is_alive():
        raise _Overtime(f"{what} did not finish within {seconds:.0f} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def assess(record: ExecutionRecord, notebook: NotebookNode, goal: Goal, plugin: DomainPlugin,
           settings: EvaluationSettings, weights: ScoreWeights, folder: Path | None = None) -> Evaluation:
    """Score an execution that already happened (separated so a pool can execute and this can judge).
    Never raises for anything the notebook did; anything that goes wrong on our side is status "error"."""
    evaluation = Evaluation(status="scored", score=None, executed=record.executed, error=record.error,
                            error_cell=record.error_cell, record=record,
                            wall_s=record.wall_s, isolation=list(record.isolation), workdir=record.workdir,
                            notebook=record.notebook, folder=Path(folder) if folder else None)
    if record.infrastructure_error:  # the kernel, its sandbox, a startup file or the preload failed
        evaluation.executed = False
        return _not_scored(evaluation, f"the sandbox could not run the notebook: {record.infrastructure_error}")
    if record.evidence_dir is None:  # a caller that ran the notebook without one: we cannot judge it
        return _not_scored(evaluation, "the execution recorded no evidence dir (run it with evidence_dir=...)")
    try:
        return _judge(evaluation, record, notebook, goal, plugin, settings, weights, Path(record.evidence_dir))
    except GoalCheckError as error:
        return _not_scored(evaluation, f"the goal's own checks failed to run: {error}")
    except _Overtime as error:
        return _not_scored(evaluation, f"assessment stopped: {error}")
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as error:  # the plugin or the evaluator broke: never the notebook's zero
        return _not_scored(evaluation, f"the evaluator failed: {type(error).__name__}: {_clip(str(error), 500)}")


def _judge(evaluation: Evaluation, record: ExecutionRecord, notebook: NotebookNode, goal: Goal,
           plugin: DomainPlugin, settings: EvaluationSettings, weights: ScoreWeights, evidence: Path) -> Evaluation:
    begun = time.monotonic()
    deadline = begun + settings.assess_timeout_s
    left = lambda: deadline - time.monotonic()  # noqa: E731

    results, results_problem = read_results(record.workdir)
    evaluation.results = results
    evaluation.pitfalls = list(plugin.pitfalls(nb_io.code_text(notebook)))
    trace = _within(left(), "reading the evidence (plugin.read_trace)", plugin.read_trace, evidence)
    evaluation.trace = list(trace)
    evaluation.did_work = bool(_within(left(), "plugin.did_work", plugin.did_work, evaluation.trace))
    summary = _within(left(), "plugin.summarize_trace", plugin.summarize_trace, evaluation.trace)
    credit = executed_credit(record.executed, evaluation.did_work)
    evaluation.executed_credit = credit.credited

    def checks_on(values: dict[str, Any] | None) -> list[CheckResult]:
        ctx = CheckContext(results=values, trace=evaluation.trace, notebook=record.notebook)
        found = _within(left(), "the goal's checks", run_checks, goal, ctx)
        return [CheckResult(c.name, c.passed, _clip(str(c.message), MESSAGE_CHARS)) for c in found]

    on_notebook = checks_on(results)
    report = None
    # Any passing check calls for the replay, whether or not the last cell raised: a notebook that forges
    # results.json and then fails on purpose must not keep the forged credit.
    if any(c.passed for c in on_notebook):
        started = time.monotonic()
        report = _replay(plugin, evidence, goal, settings)
        evaluation.replay_s = time.monotonic() - started
        deadline += evaluation.replay_s  # the replay has its own budget: reading + checks keep theirs
    on_trusted, unbacked = None, None
    if report is not None and report.status == "confirmed":
        on_trusted = checks_on({**(results or {}), **(report.recomputed or {})})
        without = {c.name: c.passed for c in checks_on(None)}
        alone = {c.name: c.passed for c in checks_on(dict(report.recomputed or {}))}
        unbacked = {name for name, passed in alone.items() if not passed and not without.get(name, False)}
    elif report is not None and report.status == "unconfirmed":
        on_trusted = checks_on(None)
    verdict = integrity_verdict(on_notebook, on_trusted, report, results, unbacked)
    evaluation.replay, evaluation.checks = report, verdict.credited_checks
    tampering = [p for p in evaluation.pitfalls if p.integrity]
    if tampering and verdict.flag is None:  # code that reaches for the evaluator: flagged whatever it earned
        verdict = Verdict("forged", _uncredit(verdict.credited_checks, "the notebook tampers with the evaluation"),
                          f"the notebook's code tampers with the evaluation (line {tampering[0].line}: "
                          f"{_clip(tampering[0].message, MESSAGE_CHARS)})")
        evaluation.checks = verdict.credited_checks
    if verdict.flag == "forged":
        evaluation.integrity, evaluation.score = verdict.reason, 0.0
    else:
        evaluation.score = score_of(weights, credit.credited, verdict.credited_checks, evaluation.pitfalls)
    evaluation.summary = _clip(str(summary or ""), SUMMARY_CHARS)
    evaluation.feedback = feedback_text(evaluation, results_problem, credit, verdict)
    evaluation.checks_s = time.monotonic() - begun - evaluation.replay_s
    return evaluation


def _replay(plugin: DomainPlugin, evidence: Path, goal: Goal, settings: EvaluationSettings) -> ReplayReport:
    report = _within(settings.replay_timeout_s + REPLAY_GRACE_S, "the trusted replay", plugin.replay, evidence,
                     goal.path, settings.replay_timeout_s, settings.memory_mb)
    if not isinstance(report, ReplayReport):
        raise TypeError(f"plugin.replay returned {type(report).__name__}, not a ReplayReport")
    return report


def _not_scored(evaluation: Evaluation, reason: str) -> Evaluation:
    evaluation.status, evaluation.score, evaluation.error = "error", None, reason
    evaluation.feedback = _clip(f"This notebook was not scored (an evaluation failure on our side, not the "
                                f"notebook's):\n{redact_bounds(reason)}", FEEDBACK_CHARS)
    return evaluation


def read_results(workdir: Path) -> tuple[dict[str, Any] | None, str | None]:
    """results.json as a dict, or None and why not (for feedback). Never follows a link, never blocks, reads at
    most RESULTS_CAP_BYTES and refuses nesting deeper than RESULTS_MAX_DEPTH."""
    try:
        data = read_json(Path(workdir) / RESULTS_FILE, RESULTS_CAP_BYTES, RESULTS_MAX_DEPTH)
    except MissingFile:
        return None, f"no {RESULTS_FILE} was written in the notebook's folder"
    except UnsafeFile as error:
        hint = ("write numbers with float(...), not NaN" if "not valid JSON" in str(error)
                else "write it with json.dump(dict_of_numbers, open('results.json', 'w'))")
        return None, f"not read: {error}; {hint}"
    if not isinstance(data, dict):
        return None, f"{RESULTS_FILE} must hold a JSON object (a dict of named values), not {type(data).__name__}"
    return data, None


def feedback_text(evaluation: Evaluation, results_problem: str | None, credit: Credit, verdict: Verdict) -> str:
    """The feedback the student and the mutator read: accepted values redacted, every part clipped, capped."""
    keys = sorted(str(k)[:60] for k in (evaluation.results or {}))
    shown_keys = ", ".join(keys[:30]) + (f", ... ({len(keys) - 30} more)" if len(keys) > 30 else "")
    replay = evaluation.replay
    text = render("feedback.md.j2", evaluation=evaluation, checks=evaluation.redacted_checks(),
                  error=_clip(evaluation.error, ERROR_CHARS) if evaluation.error else None,
                  results_problem=results_problem, result_keys=shown_keys, credit=credit,
                  integrity=redact_bounds(evaluation.integrity) if evaluation.integrity else None,
                  replay_note=redact_bounds(verdict.reason) if replay is not None and replay.status != "not-declared"
                  and not evaluation.integrity else None,
                  trace_summary=evaluation.summary)
    if len(text) > FEEDBACK_CHARS:
        text = text[:FEEDBACK_CHARS] + f"\n... [feedback cut at {FEEDBACK_CHARS // 1024} KB]"
    return text
