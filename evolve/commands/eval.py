"""`evolve eval NOTEBOOK --goal SLUG [--json FILE]`: score an existing notebook against a goal."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from .. import notebook as nb_io
from ..evaluation import evaluate
from ..goals import load_goal
from ..plugin import PluginError, load_plugin
from ..table import format_table


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "eval", help="score an existing notebook against a goal",
        description="Execute a notebook (.ipynb, or .py in py:percent form) in the sandbox and score it against a "
                    "goal: executed, checks, known pitfalls, score. Exit 0 when scoring completed, whatever the "
                    "score; 1 when it could not be scored.")
    parser.add_argument("notebook", type=Path, help="the notebook to score (.ipynb or py:percent .py)")
    parser.add_argument("--goal", required=True, help="goal slug (a folder under [paths] goals) or a goal folder")
    parser.add_argument("--json", type=Path, dest="json_out", help="also write the full breakdown as JSON here")
    parser.add_argument("--workdir", type=Path, help="execution folder, new or empty: the notebook runs in its work/, "
                        "its evidence goes to evidence/, the executed notebook to notebook.ipynb (default: a new "
                        "one under [evaluation] workdir)")
    parser.add_argument("--judge", metavar="MODEL", help="also ask this LLM judge for a rubric score "
                        "(default: [judge] model when [judge] enabled)")
    parser.add_argument("--student-model", default=None, help="the model that wrote the notebook, so the judge "
                        "can refuse to grade its own work (default: [models.student] model)")
    return parser


def run_judge(evaluation, notebook, goal, plugin, args, config):
    """A rubric verdict, or None when no judge is asked for. Failures are reported as missing, never scored."""
    import litellm

    from ..judge import JudgeConfigError, evidence_of, judge

    model = args.judge or (config.judge.model if config.judge.enabled else "")
    if not model:
        return None
    try:
        return judge(model=model, student_model=args.student_model or config.models["student"].model,
                     template=Path(config.judge.template), evidence=evidence_of(goal, evaluation, notebook, plugin),
                     complete=litellm.completion, max_attempts=config.judge.max_attempts)
    except JudgeConfigError as error:
        print(f"evolve eval: judge not run: {error}", file=sys.stderr)
        return None


def run(args, config) -> int:
    from .errors import RESULT, CommandError

    goal_dir = Path(args.goal) if Path(args.goal).is_dir() else Path(config.paths.goals) / args.goal
    goal, problems = load_goal(goal_dir)
    if goal is None:
        raise CommandError(f"goal '{args.goal}' is not usable (see above)", details=problems)
    try:
        notebook = nb_io.read(args.notebook)
    except FileNotFoundError as error:
        raise CommandError(f"{args.notebook}: no such file") from error
    except Exception as error:  # nbformat raises several unrelated types for a broken file
        raise CommandError(f"{args.notebook}: not a readable notebook ({type(error).__name__}: {error})") from error
    try:
        plugin = load_plugin(Path(config.evaluation.plugin))
    except PluginError as error:
        raise CommandError(str(error)) from error
    folder = args.workdir or Path(config.evaluation.workdir) / f"eval-{goal.slug}-{time.strftime('%Y%m%d-%H%M%S')}"
    print(f"executing {args.notebook} for goal {goal.slug} in {folder} …", file=sys.stderr)
    try:
        evaluation = evaluate(notebook, goal, plugin, config.evaluation, config.score, folder)
    except FileExistsError as error:
        raise CommandError(f"{error} (pass a new --workdir)") from error
    except Exception as error:  # evaluate handles what the notebook does; this is ours
        raise CommandError(f"could not evaluate: {type(error).__name__}: {error}", RESULT) from error
    rows = [("executed", "yes" if evaluation.executed else "no", evaluation.error.splitlines()[0]
             if evaluation.error else "")]
    if evaluation.executed and not evaluation.executed_credit:
        rows.append(("executed credit", "none", "no evidence of work (nothing was done)"))
    rows += [(f"check {c.name}", "pass" if c.passed else "FAIL", c.message) for c in evaluation.checks]
    rows += [(f"pitfall {p.code}", f"line {p.line}" if p.line else "", p.message) for p in evaluation.pitfalls]
    if evaluation.replay is not None:
        rows.append(("replay", evaluation.replay.status, evaluation.replay.reason))
    elif evaluation.status == "scored":
        rows.append(("replay", "not run", "no check passed or the notebook did not run"))
    if evaluation.integrity:
        rows.append(("integrity", "FORGED", evaluation.integrity))
    rows += [("wall time", f"{evaluation.wall_s:.1f} s", ""), ("isolation", "", ", ".join(evaluation.isolation))]
    score = "not scored (infrastructure error)" if evaluation.score is None else f"{evaluation.score:.3f}"
    rows.append(("score", score, ""))
    verdict = run_judge(evaluation, notebook, goal, plugin, args, config) if evaluation.status == "scored" else None
    if verdict is not None:
        detail = (", ".join(f"{k} {v}" for k, v in verdict.scores.items()) if verdict.status == "judged"
                  else f"missing: {verdict.reason}")
        rows.append((f"judge {verdict.model}", "n/a" if verdict.mean is None else f"{verdict.mean:.2f}/5", detail))
    print(format_table(("item", "result", "detail"), rows))
    if args.json_out:
        data = evaluation.to_json()
        if verdict is not None:
            data["judge"] = {"status": verdict.status, "scores": verdict.scores, "mean": verdict.mean,
                             "rationale": verdict.rationale, "reason": verdict.reason, "model": verdict.model}
        args.json_out.write_text(json.dumps(data, indent=2, default=str))
    if evaluation.status != "scored":
        raise CommandError(evaluation.error or "not scored (no reason given)", RESULT)
    return 0
