"""`evolve goals list` (split, tier, budget), `evolve goals verify` (references pass, wrong solutions fail; every
check's message on request), `evolve goals spread` (a reference's results across seeds, for calibrating) and
`evolve goals ladder` (each goal's measured score with the seed library and without skills: evolve.ladder)."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from .. import ladder
from ..goals import SPLITS, load_goals
from ..plugin import PluginError, load_plugin
from ..table import format_table
from ..verify import solutions, verify
from .errors import RESULT, CommandError


def add_parser(subparsers):
    parser = subparsers.add_parser("goals", help="list or verify benchmark goals", description="Work with benchmark goals.")
    actions = parser.add_subparsers(dest="goals_action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list goals: slug, split, tier, budget, title")
    listing.add_argument("--goals", type=Path, help="goals folder (default: [paths] goals of the config)")
    listing.add_argument("--split", choices=SPLITS, action="append", help="only this split (repeatable)")
    verifying = actions.add_parser(
        "verify", help="run every reference (must pass) and wrong solution (must fail) through the evaluator",
        description="Execute each goal's reference.py and wrong/*.py in the sandbox and score them. Exit 1 if a "
                    "reference fails a check or a wrong solution passes them all.")
    verifying.add_argument("slugs", nargs="*", help="goals to verify (default: all)")
    verifying.add_argument("--goals", type=Path, help="goals folder (default: [paths] goals of the config)")
    verifying.add_argument("--jobs", type=int, default=2, help="notebooks executed at once (default 2)")
    verifying.add_argument("--results", action="store_true", help="also print each solution's results.json")
    verifying.add_argument("--messages", action="store_true",
                           help="also print every check's full message for each solution (calibrating a goal)")
    verifying.add_argument("--save", type=Path, metavar="FILE",
                           help="write every solution's outcome (score, checks with messages, results) as JSON")
    spreading = actions.add_parser(
        "spread", help="run a goal's reference under several seeds and show the spread of each results key",
        description="Execute the reference of one goal once per seed in the sandbox (the domain plugin seeds its "
                    "randomness, e.g. TVB's noise, before the first cell) and print, per results.json key, the "
                    "values, their mean, standard deviation and range: what a check's accepted range must hold. "
                    "Exit 1 when a seed's run failed or wrote no results.")
    spreading.add_argument("slug", help="the goal")
    spreading.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 (default 3)")
    spreading.add_argument("--goals", type=Path, help="goals folder (default: [paths] goals of the config)")
    spreading.add_argument("--jobs", type=int, default=2, help="notebooks executed at once (default 2)")
    spreading.add_argument("--save", type=Path, metavar="FILE", help="write every seed's results as JSON")
    laddering = actions.add_parser(
        "ladder", help="each goal's measured score with the seed library and without skills, from archives",
        description="Read the scored 'seed' and 'none' trials of one or more archives (ablations, runs), count each "
                    "trial once, and place every goal on a rung: unmeasured, never (all 0), always (all solved), "
                    "flat (seed and none within --min-gap), thin (they differ on fewer than --min-n trials each) "
                    "or selective (a val goal that can select). Goals of the goals folder with no trial are listed "
                    "as unmeasured. --save writes the table as TOML (goals/ladder.toml is the shipped one).")
    laddering.add_argument("--archive", type=Path, action="append", required=True, metavar="DB",
                           help="an archive to read (repeatable)")
    laddering.add_argument("--model", help="only trials of this student model (default: [models.student] model)")
    laddering.add_argument("--goals", type=Path, help="goals folder (default: [paths] goals of the config)")
    laddering.add_argument("--min-gap", type=float, default=ladder.MIN_GAP,
                           help=f"seed and none means closer than this are 'flat' (default {ladder.MIN_GAP})")
    laddering.add_argument("--min-n", type=int, default=ladder.MIN_N,
                           help=f"trials per condition before a goal is 'selective' (default {ladder.MIN_N})")
    laddering.add_argument("--save", type=Path, metavar="FILE", help="write the table as TOML")
    return parser


def run(args, config) -> int:
    if args.goals_action == "ladder":
        return ladder_goals(args, config)
    if args.goals_action == "verify":
        return verify_goals(args, config)
    if args.goals_action == "spread":
        return spread_goal(args, config)
    return list_goals(args, config)


def spread_goal(args, config) -> int:
    from ..verify import key_spreads, spread

    if args.seeds < 1:
        raise CommandError("--seeds must be at least 1")
    root = args.goals or Path(config.paths.goals)
    goals, _ = load_goals(root)
    goal = next((g for g in goals if g.slug == args.slug), None)
    if goal is None:
        raise CommandError(f"no valid goal named {args.slug} in {root} (evolve validate {root} says why)")
    try:
        plugin = load_plugin(Path(config.evaluation.plugin))
    except PluginError as error:
        raise CommandError(str(error)) from error

    def progress(run):
        state = "ok " if run.results is not None else "BAD"
        print(f"seed {run.seed}: {state} ({run.wall_s:.1f} s){'' if run.results else f': {run.error}'}",
              file=sys.stderr, flush=True)

    runs = spread(goal, plugin, config.evaluation, Path(config.evaluation.workdir), range(args.seeds),
                  jobs=args.jobs, progress=progress)
    rows = [(k.key, " ".join(f"{v:.4g}" for v in k.values),
             "-" if k.mean is None else f"{k.mean:.4g}", "-" if k.sd is None else f"{k.sd:.3g}",
             "-" if not k.values else f"[{min(k.values):.4g}, {max(k.values):.4g}]", str(k.missing))
            for k in key_spreads(runs)]
    print(format_table(("key", "values by seed", "mean", "sd", "range", "missing"), rows))
    failed = [r for r in runs if r.results is None]
    print(f"{goal.slug}: {len(runs)} seed(s), {len(failed)} without results")
    if args.save:
        args.save.write_text(json.dumps([{"seed": r.seed, "results": r.results, "error": r.error,
                                          "wall_s": r.wall_s} for r in runs], indent=2))
    return RESULT if failed else 0


def verify_goals(args, config) -> int:
    root = args.goals or Path(config.paths.goals)
    goals, problems = load_goals(root)
    for problem in problems:
        print(problem, file=sys.stderr)
    unknown = sorted(set(args.slugs) - {g.slug for g in goals})
    if unknown:
        raise CommandError(f"no valid goal named {', '.join(unknown)} in {root}")
    if args.slugs:
        goals = [g for g in goals if g.slug in args.slugs]
    try:
        plugin = load_plugin(Path(config.evaluation.plugin))
    except PluginError as error:
        raise CommandError(str(error)) from error
    total = sum(len(solutions(g)) for g in goals)
    started, done = time.monotonic(), []

    def progress(outcome):
        done.append(outcome)
        mark = "ok " if outcome.as_expected else "BAD"
        print(f"[{len(done)}/{total}] {mark} {outcome.goal}/{outcome.solution} "
              f"({outcome.evaluation.wall_s:.1f} s)", file=sys.stderr, flush=True)

    outcomes = verify(goals, plugin, config.evaluation, config.score, Path(config.evaluation.workdir),
                      jobs=args.jobs, progress=progress)
    rows = []
    for o in outcomes:
        e = o.evaluation
        checks = f"{sum(c.passed for c in e.checks)}/{len(e.checks)}"
        failed = ", ".join(c.name for c in e.checks if not c.passed) or ("-" if e.executed else "did not run")
        score = "error" if e.score is None else f"{e.score:.2f}"
        rows.append((o.goal, o.solution, "pass" if o.expected_pass else "fail", checks, score, f"{e.wall_s:.1f}",
                     "ok" if o.as_expected else "BAD", failed))
    print(format_table(("goal", "solution", "expect", "checks", "score", "wall_s", "verdict", "failed checks"),
                       rows))
    if args.results:
        for o in outcomes:
            print(f"{o.goal}/{o.solution}: {json.dumps(o.evaluation.results)}")
    if args.messages:
        for o in outcomes:
            print(f"{o.goal}/{o.solution} ({'should pass' if o.expected_pass else 'should fail'}):")
            for c in o.evaluation.checks:
                print(f"  {'pass' if c.passed else 'FAIL'} {c.name}: {c.message}")
            if not o.evaluation.executed:
                print(f"  did not run: {o.evaluation.error}")
    if args.save:
        args.save.write_text(json.dumps([{
            "goal": o.goal, "solution": o.solution, "expected_pass": o.expected_pass, "as_expected": o.as_expected,
            "score": o.evaluation.score, "executed": o.evaluation.executed, "error": o.evaluation.error,
            "checks": [{"name": c.name, "passed": c.passed, "message": c.message} for c in o.evaluation.checks],
            "results": o.evaluation.results, "wall_s": o.evaluation.wall_s} for o in outcomes], indent=2))
    bad = [o for o in outcomes if not o.as_expected]
    references = [o for o in outcomes if o.solution == "reference"]
    print(f"{len(goals)} goal(s), {len(outcomes)} solution(s), {len(bad)} not as expected; "
          f"references {sum(o.as_expected for o in references)}/{len(references)} pass; "
          f"wall time {time.monotonic() - started:.0f} s")
    return RESULT if bad or problems else 0


def list_goals(args, config) -> int:
    root = args.goals or Path(config.paths.goals)
    goals, problems = load_goals(root, tuple(args.split) if args.split else None)
    rows = [(g.slug, g.split, g.tier, f"{g.budget_s:g}", g.title) for g in goals]
    print(format_table(("slug", "split", "tier", "budget_s", "title"), rows))
    counts = {s: sum(g.split == s for g in goals) for s in SPLITS}
    print(f"{len(goals)} goal(s): " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in goals left out above; run 'evolve validate {root}'", file=sys.stderr)
    return RESULT if problems else 0


def ladder_goals(args, config) -> int:
    from ..archive import ArchiveError, open_for_reading

    model = args.model or config.models["student"].model
    trials = []
    for path in args.archive:
        if not path.is_file():
            raise CommandError(f"no archive at {path}")
        try:
            with open_for_reading(path) as reader:
                for note in reader.notes():
                    print(note, file=sys.stderr)
                trials += [t for t in reader.condition_trials(ladder.CONDITIONS) if t["model"] == model]
        except ArchiveError as error:
            raise CommandError(str(error)) from error
    root = args.goals or Path(config.paths.goals)
    goals, _ = load_goals(root)
    measured = {e.goal: e for e in ladder.measure(trials, args.min_gap, args.min_n)}
    entries = [measured.pop(g.slug, None) or ladder.Entry(g.slug, g.split, ladder.Tally(), ladder.Tally(),
                                                           *ladder.place(ladder.Tally(), ladder.Tally()))
               for g in goals] + list(measured.values())  # goals no longer in the folder stay visible
    rows = [(e.goal, e.split, f"{e.seed.mean:.2f}" if e.seed.n else "-", str(e.seed.n), str(e.seed.solved),
             f"{e.none.mean:.2f}" if e.none.n else "-", str(e.none.n), str(e.none.solved), e.rung)
            for e in entries]
    print(format_table(("goal", "split", "seed mean", "n", "solved", "none mean", "n", "solved", "rung"), rows))
    counts = {r: sum(e.rung == r for e in entries) for r in ladder.RUNGS}
    counted = sum(e.seed.n + e.none.n for e in entries)
    print(f"{len(entries)} goal(s), model {model}, {counted} scored trial(s) counted ({len(trials)} rows read: a "
          f"trial kept in two archives counts once, a missing one not at all): "
          + ", ".join(f"{n} {r}" for r, n in counts.items() if n))
    if args.save:
        sources = " ".join(f"--archive {p}" for p in args.archive)
        ladder.write(entries, args.save, header=(
            "The difficulty ladder (evolve.ladder): measured, not typed. Re-make it with\n"
            f"evolve goals ladder {sources} --model {model} --min-gap {args.min_gap:g} --min-n {args.min_n} "
            f"--save {args.save}"))
        print(f"wrote {args.save}", file=sys.stderr)
    return 0
