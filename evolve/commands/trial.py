"""`evolve trial --goal SLUG [--skills DIR | --no-skills] [--model NAME] [--seed N] [--json FILE]`."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..goals import load_goal
from ..library import load_library
from ..table import format_table


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "trial", help="one small-model trial: a goal, a library, a model",
        description="The student model, given a skill library, writes a notebook for one goal; it is executed, "
                    "scored and fed back for up to [trial] max_turns turns. Exit 0 when the trial was scored "
                    "(whatever the score), 1 when it is missing (model provider down, broken goal).")
    parser.add_argument("--goal", required=True, help="goal slug (under [paths] goals) or a goal folder")
    skills = parser.add_mutually_exclusive_group()
    skills.add_argument("--skills", type=Path, help="skill library folder (default: [paths] skills)")
    skills.add_argument("--no-skills", action="store_true", help="no skills at all (the baseline)")
    parser.add_argument("--model", help="student model (default: [models.student] model)")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    parser.add_argument("--json", type=Path, dest="json_out", help="write the whole trial record here")
    parser.add_argument("--no-cache", action="store_true", help="run even if an identical trial is cached")
    return parser


def load_goal_arg(value: str, goals_root: Path):
    folder = Path(value) if Path(value).is_dir() else goals_root / value
    goal, problems = load_goal(folder)
    for problem in problems:
        print(problem, file=sys.stderr)
    return goal


def run(args, config) -> int:
    from dataclasses import replace

    from ..session import open_session
    from ..trial import run_trial

    from .errors import RESULT, CommandError

    goal = load_goal_arg(args.goal, Path(config.paths.goals))
    if goal is None:
        raise CommandError(f"goal '{args.goal}' is not usable (see above)")
    library = None
    if not args.no_skills:
        library, problems = load_library(args.skills or Path(config.paths.skills),
                                         max_skill_bytes=config.library.max_skill_bytes, limits=config.library.bundle)
        if problems:
            raise CommandError("fix the skills above (or pass --no-skills)", details=problems)
    if args.no_cache:
        config = replace(config, trial=replace(config.trial, cache=False))
    session = open_session(config, student_model=args.model)
    ctx = session.trial_context(progress=lambda message: print(message, file=sys.stderr, flush=True))
    try:
        result = run_trial(goal, library, args.seed, ctx)
    finally:
        session.close()  # the warm kernel waiting for a next turn
    rows = [("status", result.status + (" (cached)" if result.cached else "")),
            ("score", "missing" if result.score is None else f"{result.score:.3f}"),
            ("executed", "yes" if result.executed else "no"), ("stop", result.stop_reason),
            ("turns", f"{len(result.turns)}: " + ", ".join(_turn_word(t) for t in result.turns)),
            ("model", result.model),
            ("tokens", f"{result.prompt_tokens} prompt + {result.completion_tokens} generated"),
            ("wall time", f"{result.wall_s:.1f} s"),
            ("skills injected", ", ".join(result.injected) or "none"),
            ("skills used", ", ".join(result.used) or "none")]
    rows += [(f"check {c['name']}", ("pass " if c["passed"] else "FAIL ") + c["message"]) for c in result.checks]
    if result.status == "scored":
        rows += [("replay", result.replay_status or "not run (no check passed)"),
                 ("integrity", f"FLAGGED: {result.integrity}" if result.integrity else "ok"),
                 ("isolation", ", ".join(result.isolation) or "none recorded")]
    if result.missing_reason:
        rows.append(("missing because", result.missing_reason))
    hinted = sorted({h for t in result.turns for h in t.hints})
    if hinted:
        rows.append(("skill passages in feedback", "; ".join(hinted)))
    print(format_table(("item", "value"), rows))
    if args.json_out:
        args.json_out.write_text(json.dumps(result.to_json(), indent=2))
    return 0 if result.status == "scored" else RESULT  # missing: the provider was down


def _turn_word(turn) -> str:
    """One turn in a word or two: "evaluated 0.25", "cut", "repeated", "evaluated 1.00 (2 cells kept)"."""
    word = turn.outcome + (f" {turn.score:.2f}" if turn.score is not None else "")
    if turn.kept_cells:
        word += f" ({turn.kept_cells} cells kept)"
    if turn.resample:
        word += f" (resample {turn.resample})"
    return word
