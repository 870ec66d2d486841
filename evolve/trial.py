"""A trial: one student model, given some skills, tries to solve one goal. The unit of cost and of evidence.

Turns: the student writes a notebook → it is executed and scored → the feedback goes back → it fixes it, up to
`max_turns`. The answer is the last notebook executed, unless it did not run and an earlier one did: then the
last notebook that ran stands (a revision that crashes never replaces one that ran; the choice uses only whether
a notebook ran, which the student sees, never the hidden checks). The answer's score is the trial's score. What each turn does (evolve.repair and evolve.hints hold the pieces):
- The answer budget is sized to the goal (`answer_tokens`: a margin over the reference solution's length); a
  reply cut off at it is never executed (outcome "cut") and the student is asked for a shorter one.
- A notebook that fails in a cell gets feedback naming the cell, the line, the error and what the cells before it
  defined, plus the library's passages that match the error (none without skills); with `repair = "cells"` the
  student answers with the failing cell and those after it, and the cells before it are kept. There, a crash's
  feedback is focused: the failure, what was simulated, the hints, the request; not the traceback again nor the
  checks that only say results.json is missing. The failing cell is cut before its failing statement first
  (`repair.split_at_failure`), so the lines that ran are kept and a one-cell notebook is repaired, not rewritten.
- A reply whose code was already executed is not run again: the request is resampled with another seed and a
  higher temperature (outcome "repeated"; it uses a turn). After a crash (with `repair = "cells"`) the resample
  shows only the failing statement and asks for it alone, its answer put in the statement's place
  (`repair.replace_statement`; the failing cell alone when the statement cannot be found): the 1.5B copies back
  whatever code it is shown, even with the fix quoted beside it, so it is shown as little as can be fixed.
- Each call sees the system prompt and task, then only the last exchange (the last notebook as run, and its
  feedback), so prompts stay the same size over turns and the cached prefix is shared.
It stops when solved, when the turns are spent, or when the student answers with prose twice.

Outcomes are honest: a student that never wrote code scored 0 (its failure); a model provider that stayed down,
a goal whose checks broke, or an evaluation that failed on our side makes the trial `missing` with no score.

Each evaluated turn gets its own execution folder `<workroot>/<key[:16]>/turn-N/` (see evolve.evaluation:
work/, evidence/, and the executed notebook.ipynb beside them, where the notebook cannot plant a link). The
student and the mutator read only the evaluation's feedback, whose check messages never quote accepted values.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal
from collections.abc import Callable

from . import notebook as nb_io
from . import repair
from .hints import Hint, hint_corpus_digest, skill_hints
from .checks import redact_bounds
from .config import EvaluationSettings, ScoreWeights, TrialSettings
from .cores import NOTEBOOK_UNITS, CoreBudget, weight_of_model
from .evaluation import Evaluation, evaluate, notebook_limits
from .goals import Goal
from .library import Library
from .models import ModelCallError, ModelClient, ProviderDown
from .phases import Phases, of_call
from .plugin import DomainPlugin
from .records import TrialResult, Turn
from .routing import Routed, listing, parse_request, route
from . import references, skill_scripts
from .sandbox import KernelPool
from .templates import render

HARNESS_VERSION = "8"  # bump when prompts, turn logic or scoring change: cached trials then no longer match
DISCLOSURE_LIMIT = 4
CHARS_PER_TOKEN = 3.5  # Python source, for a BPE tokenizer (Qwen2.5's: 3.3-3.8 on the references)


def _fresh_folder(root: Path, name: str) -> Path:
    """root/name, or root/name-2, -3, ... when taken: the same prompt can be run again (another library that
    routes the same skills, the cache off, a retried missing trial) and every execution needs its own folder."""
    root.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, 10_000):
        folder = root / (name if attempt == 1 else f"{name}-{attempt}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
    raise FileExistsError(f"no free execution folder for {name} under {root}")


@dataclass
class TrialContext:
    """Everything a trial needs that is not the trial's own choice."""

    client: ModelClient
    plugin: DomainPlugin
    evaluation: EvaluationSettings
    weights: ScoreWeights
    settings: TrialSettings
    workroot: Path
    cache_dir: Path | None = None
    progress: Callable[[str], None] = lambda message: None
    judge: Callable[..., Any] | None = None  # verdict(goal, evaluation, notebook) (evolve.judge.trial_judge)
    kernels: KernelPool | None = None  # pre-started kernels (evaluation.kernel_pool); None: a cold kernel each
    cores: CoreBudget | None = None  # shared by trials run at once (evolve.cores); None: never wait
    local_threads: int = 2  # the local model's threads: the cores one of its calls takes


def run_trial(goal: Goal, library: Library | None, seed: int, ctx: TrialContext, model: str | None = None
              ) -> TrialResult:
    """Run (or fetch from the cache) one trial of `goal` with `library` (None = no skills)."""
    model = model or ctx.client.settings("student").model
    started = time.monotonic()
    limits = notebook_limits(ctx.evaluation, goal)
    lines = answer_lines(goal)
    task = render("student_task.md.j2", request=goal.request.strip(), timeout_s=limits.total_timeout_s, lines=lines,
                  cut_tokens=0)
    budget = ctx.settings.budget_for(model)
    chosen: tuple[str, ...] = ()
    disclosure_turn: Turn | None = None
    disclosure_phases: Phases | None = None
    if library is not None and ctx.settings.routing == "disclosure":
        try:
            chosen, disclosure_turn, disclosure_phases = _disclose(goal, library, model, seed, ctx)
        except ProviderDown as error:
            return _missing(goal, library, model, seed, f"model provider down: {error}", started)
    routed = route(library, goal.request, ctx.settings.routing, budget, chosen=chosen) if library is not None \
        else Routed((), {}, ())
    held = references.reserve(routed.injected, budget)  # room to read a reference file (level three) on request
    if library is not None and held:
        routed = route(library, goal.request, ctx.settings.routing, budget - held, chosen=chosen)
    offered = references.offered(routed.injected)  # level three: reference files the student may ask for
    reads: dict[str, list[str]] = {}
    for label in offered:
        reads.setdefault(label.split("/", 1)[0], []).append(label)
    system = render("student_system.md.j2", domain=ctx.plugin.student_role, skills=routed.injected, reads=reads)
    messages = [{"role": "system", "content": system}, {"role": "user", "content": task}]
    scripts = skill_scripts.importable(routed.injected)  # the routed skills' helpers, importable read-only
    shown = {"scripts": skill_scripts.digest(scripts),
             "reference_files": skill_scripts.digest({k: v.encode() for k, v in offered.items()})}
    key = trial_key(goal, messages, model, ctx, seed, **shown, hints=_hint_corpus(library, ctx))
    # A trial that ended on its first answer never got feedback, so what feedback could quote did not matter:
    # it is also cached under the key without it, and a library that differs only there reuses it.
    first_answer_key = trial_key(goal, messages, model, ctx, seed, **shown)
    read: list[tuple[str, str]] = []  # (label, text) of the reference files given so far, in the task from then on
    cached = None
    if ctx.settings.cache:
        cached = _cache_get(ctx.cache_dir, key) or _cache_get(ctx.cache_dir, first_answer_key, FIRST_ANSWER)
    if cached is not None:
        cached.cached = True
        ctx.progress(f"{goal.slug}: cached trial {cached.key[:12]} (score {cached.score})")
        return cached

    result = TrialResult(key=key, goal=goal.slug, split=goal.split, library_id=library.id if library else None,
                         model=model, seed=seed, status="scored", score=0.0, executed=False, stop_reason="",
                         injected=list(routed.names), over_budget=list(routed.over_budget))
    if disclosure_turn:
        result.turns.append(disclosure_turn)
        result.phases = result.phases.add(disclosure_phases)
    role = ctx.client.settings("student")
    max_tokens = answer_tokens(goal, ctx.settings, role.max_tokens)
    head, exchange = messages[:2], None  # the next call sees the task and only the last exchange about it
    final: Evaluation | None = None
    standing: Evaluation | None = None  # the last notebook that ran (evolve.trial docstring: the answer)
    standing_code, standing_turn = "", 0
    executed_notebook = None  # the last notebook run (spliced), what a repair reply continues
    failure: repair.Failure | None = None
    seen_code: set[str] = set()
    previous_code, rejected, resamples, repeat_pending = None, 0, 0, False
    hints: list[Hint] = []  # the last feedback's hints (a focused resample repeats them)
    focus: Literal["cell", "statement"] | None = None  # the pending request asked for that part alone
    trial_dir: Path | None = None
    for number in range(1, ctx.settings.max_turns + 1):
        call = {"model": model, "seed": seed, "max_tokens": max_tokens}
        if repeat_pending:  # the last reply repeated executed code: ask again, differently
            call["seed"] = seed + 1009 * resamples
            call["temperature"] = role.temperature + ctx.settings.resample_temperature_step * resamples
        ctx.progress(f"{goal.slug}: turn {number}/{ctx.settings.max_turns}: asking {model}"
                     + (f" (resample {resamples}, temperature {call['temperature']:.2f})" if repeat_pending else ""))
        try:
            with _cores(ctx, weight_of_model(model, ctx.local_threads)) as waited:
                completion = ctx.client.complete("student", head + (exchange or []), **call)
            result.phases = result.phases.add(Phases(queue_s=waited) if waited else None)
        except ProviderDown as error:
            return _missing(goal, library, model, seed, f"model provider down: {error}", started, result)
        except ModelCallError as error:
            return _missing(goal, library, model, seed, f"model call failed: {error}", started, result)
        call_record = completion.record
        result.phases = result.phases.add(of_call(call_record.latency_s, call_record.prompt_s,
                                                  call_record.generation_s))
        turn = Turn(reply=completion.text, outcome="rejected", prompt_tokens=completion.record.prompt_tokens,
                    completion_tokens=completion.record.completion_tokens, model_s=completion.record.latency_s,
                    max_tokens=max_tokens, resample=resamples if repeat_pending else 0)
        result.turns.append(turn)
        repeat_pending = False
        draft = nb_io.from_reply(completion.text)
        turn.conversion, turn.finish_reason = draft.path, completion.finish_reason
        cut = completion.finish_reason == "length"
        if cut and draft.ok:
            # A reply cut off at max_tokens is never executed: its last cell is incomplete, and the SyntaxError it
            # would earn says nothing the student can act on. The turn counts as cut; the student is told why.
            turn.outcome, result.stop_reason = "cut", "cut"
            turn.feedback = render("student_cut_off.md.j2", tokens=completion.record.completion_tokens, code=True)
            ctx.progress(f"{goal.slug}: turn {number}: the reply was cut off at "
                         f"{completion.record.completion_tokens} tokens; not executed")
            # The cut reply is not shown again (a small model shown its rambling answer writes it again); the task
            # itself says the last answer was too long, so the request differs and so does the sample.
            head = [head[0], {"role": "user", "content": render(
                "student_task.md.j2", request=goal.request.strip(), timeout_s=limits.total_timeout_s, lines=lines,
                cut_tokens=completion.record.completion_tokens)
                + (render("student_references.md.j2", given=read) if read else "")}]
            exchange, failure = None, None
            continue
        asked = references.requested(completion.text) if offered else ()
        if asked:
            # A request for reference files (no code): what fits the skill budget's remainder is added to the task;
            # the turn is recorded as a disclosure with what it returned, and it uses a turn.
            granted = references.grant(asked, offered, budget - routed.nbytes - sum(len(t.encode()) for _, t in read),
                                       [label for label, _ in read])
            read += granted.given
            note = render("student_reference_reply.md.j2", given=granted.labels, refused=granted.refused)
            added = render("student_references.md.j2", given=granted.given) if granted.given else ""
            turn.outcome, turn.hints, turn.feedback = "disclosure", list(granted.labels), note + added
            turn.conversion = None  # (a request is not a notebook, though `READ: a/b.md` parses as Python)
            ctx.progress(f"{goal.slug}: turn {number}: asked for {', '.join(asked)}; given "
                         f"{', '.join(granted.labels) or 'nothing'} ({granted.nbytes} bytes)")
            if granted.given:
                head = [head[0], {"role": "user", "content": head[1]["content"] + added}]
            else:
                exchange = _exchange(completion.text, note)
            continue
        if draft.notebook is None:
            rejected += 1
            turn.feedback = render("student_cut_off.md.j2", tokens=completion.record.completion_tokens, code=False) \
                if cut else (draft.reason or "The reply holds no code.")
            ctx.progress(f"{goal.slug}: turn {number}: no code in the reply"
                         + (f" (cut off at {completion.record.completion_tokens} tokens)" if cut else ""))
            if rejected >= 2:
                result.stop_reason = "prose"
                break
            exchange, failure = _exchange(completion.text, render("student_rejected.md.j2", reason=turn.feedback)), None
            continue
        notebook, notes = draft.notebook, list(draft.notes)
        if executed_notebook is not None and ctx.settings.repair == "cells":
            # The reply patches or continues the last notebook (repair.fit_reply): nothing is rewritten twice.
            patched = repair.fit_reply(executed_notebook, failure, focus, completion.text, notebook)
            if patched is not None:
                notebook, turn.kept_cells = patched.notebook, patched.kept
        code, code_key = nb_io.code_text(notebook), repair.code_key(notebook)
        if code_key in seen_code:
            # Executing it again would teach nothing: resample (another seed, hotter), after a crash with only the
            # failing statement (or cell) in view, so the student cannot copy back the notebook it was shown.
            turn.outcome, result.stop_reason = "repeated", "repeated"
            resamples, repeat_pending = resamples + 1, True
            if failure is not None and executed_notebook is not None and ctx.settings.repair == "cells":
                statement = repair.failing_statement(executed_notebook, failure)
                if statement is not None:
                    exchange, focus = _exchange(f"```python\n{statement}\n```", render(
                        "student_statement.md.j2", failure=failure, hints=hints)), "statement"
                else:
                    source = "".join(executed_notebook.cells[failure.index].get("source", ""))
                    exchange, focus = _exchange(f"```python\n# %% cell {failure.cell}\n{source.rstrip()}\n```",
                                                render("student_repeat.md.j2", failure=failure, hints=hints)), "cell"
            ctx.progress(f"{goal.slug}: turn {number}: the reply repeats code already run; resampling"
                         + (f" with the failing {focus} alone" if focus else ""))
            continue
        focus = None
        seen_code.add(code_key)
        previous_code = code
        ctx.progress(f"{goal.slug}: turn {number}: executing the notebook"
                     + (f" (its first {turn.kept_cells} cells kept from the last one)" if turn.kept_cells else ""))
        if trial_dir is None:
            trial_dir = _fresh_folder(Path(ctx.workroot), key[:16])
        try:
            with _cores(ctx, NOTEBOOK_UNITS) as waited:
                evaluation = evaluate(notebook, goal, ctx.plugin, ctx.evaluation, ctx.weights,
                                      trial_dir / f"turn-{number}", kernels=ctx.kernels, importable=scripts)
            result.phases = result.phases.add(Phases(queue_s=waited) if waited else None)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as error:  # evaluate handles what the notebook does; this is ours: missing data
            return _missing(goal, library, model, seed, f"evaluation error: {type(error).__name__}: {error}",
                            started, result)
        result.phases = result.phases.add(evaluation.phases())
        if evaluation.status != "scored":
            return _missing(goal, library, model, seed, f"evaluation error: {evaluation.error}", started, result)
        final, executed_notebook = evaluation, notebook
        if evaluation.executed:  # the answer that stands if a later revision does not even run
            standing, standing_code, standing_turn = evaluation, code, number
        elif standing is not None:
            ctx.progress(f"{goal.slug}: turn {number}: the revision did not run; the notebook of turn "
                         f"{standing_turn}, which ran, stands")
        turn.outcome, turn.score, turn.executed = "evaluated", evaluation.score, evaluation.executed
        turn.error, turn.exec_s = evaluation.error, evaluation.wall_s
        turn.solved = bool(evaluation.executed and evaluation.checks and all(c.passed for c in evaluation.checks))
        ctx.progress(f"{goal.slug}: turn {number}: score {evaluation.score:.2f}"
                     f"{'' if evaluation.executed else ' (did not run)'}{_integrity_note(evaluation)}")
        if turn.solved:
            turn.feedback, result.stop_reason = evaluation.feedback, "solved"
            break
        failure = None if evaluation.executed else \
            repair.locate_failure(evaluation.notebook, evaluation.error_cell, evaluation.error)
        cells = ctx.settings.repair == "cells"
        split = repair.split_at_failure(notebook, failure) if cells and failure is not None else None
        if split is not None:  # the lines that ran become their own cell, kept by the repair
            notebook, failure = split
            executed_notebook = notebook
        hints = _hints(library, evaluation, failure, ctx.settings.hint_bytes)
        turn.hints = [hint.label for hint in hints]
        turn.feedback = render("student_feedback.md.j2", feedback=evaluation.feedback, notes=notes, failure=failure,
                               hints=hints, cells=cells, crash=cells and failure is not None, split=split is not None,
                               evaluation=evaluation,
                               integrity=redact_bounds(evaluation.integrity) if evaluation.integrity else None)
        exchange = _exchange(f"```python\n{repair.to_percent(notebook)}```", turn.feedback)
    else:
        last = result.turns[-1].outcome if result.turns else ""
        result.stop_reason = last if last in ("cut", "repeated") else "max-turns"
    if final is not None and not final.executed and standing is not None:
        final, previous_code = standing, standing_code  # a revision that crashed never replaces one that ran
    if final is not None and ctx.judge is not None:
        verdict = ctx.judge(goal, final, executed_notebook)
        result.judge = {"status": verdict.status, "scores": dict(verdict.scores), "mean": verdict.mean,
                        "model": verdict.model, "reason": verdict.reason}
        ctx.progress(f"{goal.slug}: judge {verdict.status}"
                     + (f", rubric mean {verdict.mean:.2f}" if verdict.mean is not None else f": {verdict.reason}"))
    if final is not None:
        result.score, result.executed, result.feedback = final.score, final.executed, final.feedback
        result.checks = [asdict(c) for c in final.checks]
        result.isolation, result.integrity = list(final.isolation), final.integrity
        result.replay_status = final.replay.status if final.replay is not None else None
        result.used = used_skills(routed, previous_code or "")
    else:
        result.feedback = "The student never produced a notebook (it answered with prose)."
    result.wall_s = time.monotonic() - started
    if ctx.settings.cache:
        _cache_put(ctx.cache_dir, result)
        if first_answer_key != key and sum(t.outcome != "disclosure" for t in result.turns) <= 1:
            _cache_put(ctx.cache_dir, result, first_answer_key, FIRST_ANSWER)
    return result


def answer_tokens(goal: Goal, settings: TrialSettings, cap: int) -> int:
    """The student's answer budget for `goal`: answer_margin × its reference solution in tokens (estimated at
    CHARS_PER_TOKEN), within [answer_min_tokens, cap]; `cap` (the role's max_tokens) when the margin is 0 or the
    reference cannot be read."""
    if settings.answer_margin <= 0:
        return cap
    try:
        size = len(goal.reference_path.read_text())
    except OSError:
        return cap
    estimate = int(settings.answer_margin * size / CHARS_PER_TOKEN)
    return max(1, min(cap, max(settings.answer_min_tokens, estimate)))


def answer_lines(goal: Goal) -> int:
    """About how many lines of code the goal needs, told to the student: 1.5 × the reference's code lines
    (blank and comment lines left out), rounded up to 10, at least 30; 60 when the reference cannot be read."""
    try:
        text = goal.reference_path.read_text()
    except OSError:
        return 60
    code = sum(1 for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    return max(30, -(-int(1.5 * code) // 10) * 10)


def _exchange(reply: str, feedback: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": reply}, {"role": "user", "content": feedback}]


def _hint_corpus(library: Library | None, ctx: TrialContext) -> str:
    """What feedback turns may quote from the library (see trial_key); "" when there are none to give."""
    if library is None or ctx.settings.max_turns <= 1 or ctx.settings.hint_bytes <= 0:
        return ""
    return hint_corpus_digest(s for s in library if s.role == "student")


def _hints(library: Library | None, evaluation: Evaluation, failure: repair.Failure | None,
           budget: int) -> list[Hint]:
    """Library passages for the feedback turn: searched with the error and failing line, or (when the notebook
    ran) with the checks that failed. No library, no hints: that is what the skills are for."""
    if library is None or budget <= 0:
        return []
    if failure is not None:
        query = failure.query()
    elif evaluation.error:
        query = evaluation.error.splitlines()[0]
    else:
        query = " ".join(f"{c.name} {c.message}" for c in evaluation.redacted_checks() if not c.passed)
    return skill_hints((s for s in library if s.role == "student"), query, budget)


def _integrity_note(evaluation: Evaluation) -> str:
    """ "; replay confirmed" / "; INTEGRITY: ..." for the progress line (what `evolve trial` prints)."""
    note = f"; replay {evaluation.replay.status}" if evaluation.replay is not None else ""
    if evaluation.integrity:
        note += f"; INTEGRITY: {evaluation.integrity[:300]}"
    return note


def _cores(ctx: TrialContext, units: int):
    """Hold `units` of the trials' shared cores (evolve.cores) for a model call or a notebook; nothing to hold
    without a budget."""
    return ctx.cores.hold_if(units) if ctx.cores is not None else nullcontext(0.0)


def _disclose(goal: Goal, library: Library, model: str, seed: int, ctx: TrialContext
              ) -> tuple[tuple[str, ...], Turn, Phases]:
    prompt = render("student_disclosure.md.j2", skills=listing(library), request=goal.request.strip(),
                    limit=DISCLOSURE_LIMIT)
    with _cores(ctx, weight_of_model(model, ctx.local_threads)):
        completion = ctx.client.complete("student", [{"role": "user", "content": prompt}], model=model, seed=seed)
    chosen = parse_request(completion.text, library)[:DISCLOSURE_LIMIT]
    turn = Turn(reply=completion.text, outcome="disclosure", feedback=", ".join(chosen),
                prompt_tokens=completion.record.prompt_tokens,
                completion_tokens=completion.record.completion_tokens, model_s=completion.record.latency_s)
    return chosen, turn, of_call(completion.record.latency_s, completion.record.prompt_s,
                                 completion.record.generation_s)


def _missing(goal, library, model, seed, reason, started, partial: TrialResult | None = None) -> TrialResult:
    result = partial or TrialResult(key="", goal=goal.slug, split=goal.split,
                                    library_id=library.id if library else None, model=model, seed=seed,
                                    status="missing", score=None, executed=False, stop_reason="")
    result.status, result.score, result.stop_reason, result.missing_reason = "missing", None, "missing", reason
    result.wall_s = time.monotonic() - started
    return result


def trial_key(goal: Goal, messages: list[dict[str, str]], model: str, ctx: TrialContext, seed: int,
              scripts: str = "", reference_files: str = "", hints: str = "") -> str:
    """Hash of what the student saw and how it was asked, plus how the answer is scored.

    A mutation that does not change a goal's prompt costs nothing for that goal; a changed check.py,
    goal.toml, score weights or limits makes a new key (the old score would no longer be the right one). So does
    a changed script the notebook could import (`scripts`: evolve.skill_scripts.digest; '' when none, which leaves
    every key of a trial without scripts as it was), and a changed reference file the student could ask for
    (`reference_files`, likewise), and, when turns give feedback, any passage of the library a hint could quote
    (`hints`: evolve.hints.hint_corpus_digest; a skill that was not routed can still be quoted at turn 2)."""
    role = ctx.client.settings("student")
    scoring = [goal.request, (goal.path / "goal.toml").read_text(), goal.check_path.read_text()]
    material = {
        "harness": HARNESS_VERSION, "messages": messages, "model": model, "seed": seed,
        "decoding": [role.temperature, role.top_p, role.max_tokens], "turns": ctx.settings.max_turns,
        "routing": ctx.settings.routing, "scoring": scoring,
        "trial": {k: v for k, v in asdict(ctx.settings).items() if k != "cache"}, "plugin": ctx.plugin.name,
        "weights": asdict(ctx.weights), "limits": asdict(notebook_limits(ctx.evaluation, goal)),
    }
    if scripts:
        material["scripts"] = scripts
    if reference_files:
        material["references"] = reference_files
    if hints:
        material["hints"] = hints
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


_CODE_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def used_skills(routed: Routed, code: str) -> list[str]:
    """Injected skills whose example code reappears in the final notebook (heuristic).

    A skill counts as used when at least one of its distinctive code lines (≥ 16 characters, not a comment,
    not an import) appears in the notebook's code, whitespace-normalised, or when the notebook names one of its
    scripts (`skill_scripts.<module>`, evolve.skill_scripts)."""
    notebook_lines = {_squash(line) for line in code.splitlines()}
    used = []
    for skill in routed.injected:
        if any(f"{skill_scripts.PACKAGE}.{module[:-3]}" in code for module in skill.scripts):
            used.append(skill.name)
            continue
        lines = [_squash(line) for block in _CODE_BLOCK.findall(skill.body) for line in block.splitlines()]
        distinctive = [line for line in lines
                       if len(line) >= 16 and not line.startswith(("#", "import ", "from "))]
        if any(line in notebook_lines for line in distinctive):
            used.append(skill.name)
    return used


def _squash(line: str) -> str:
    return " ".join(line.split())


FIRST_ANSWER = ".first-answer"  # cache entries of trials that ended on their first answer (see run_trial)


def _cache_get(cache_dir: Path | None, key: str, kind: str = "") -> TrialResult | None:
    if cache_dir is None:
        return None
    path = Path(cache_dir) / f"{key}{kind}.json"
    try:
        return TrialResult.from_json(json.loads(path.read_text()))
    except (FileNotFoundError, json.JSONDecodeError, TypeError):
        return None


def _cache_put(cache_dir: Path | None, result: TrialResult, key: str = "", kind: str = "") -> None:
    if cache_dir is None or result.status != "scored":
        return  # missing trials are never cached: they must be retried
    name = f"{key or result.key}{kind}"
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    temporary = Path(cache_dir) / f".{name}.tmp"
    temporary.write_text(json.dumps(result.to_json()))
    temporary.replace(Path(cache_dir) / f"{name}.json")
