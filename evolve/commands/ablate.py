"""`evolve ablate`: conditions × goals × seeds × models, with bootstrap intervals and paired differences."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from ..goals import SPLITS, load_goals
from ..library import load_library
from ..table import format_table


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "ablate", help="compare skill conditions with paired trials and bootstrap intervals",
        description="Run every condition on the same goals, seeds and models, then report per condition the mean "
                    "score and success rate with bootstrap 95%% intervals, and the paired score difference "
                    "against the first condition. Missing trials are counted and left out, never zeroed.")
    parser.add_argument("--condition", action="append", metavar="NAME[=DIR]",
                        help="'none' (no skills), 'seed' ([paths] skills), or NAME=DIR for a library folder; "
                             "repeatable; the first is the baseline (default: none, seed)")
    parser.add_argument("--goal", action="append", dest="goal_slugs", metavar="SLUG", help="goal (repeatable)")
    parser.add_argument("--split", choices=SPLITS, action="append", help="goals of this split (repeatable)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 per cell (default 3)")
    parser.add_argument("--model", action="append", dest="models", help="student model (repeatable; default: "
                        "[models.student] model)")
    parser.add_argument("--out", type=Path, help="JSONL file for the rows (default: .evolve/ablations/<time>.jsonl)")
    parser.add_argument("--archive", type=Path, metavar="DB",
                        help="also record every trial (transcript, checks, tokens) in this archive, as a run of its "
                             "own: conditions 'none' and 'seed' as those baselines, any other library as "
                             "'population'; query it with `evolve sql --run DB`")
    return parser


def condition_label(name: str) -> str:
    """The archive condition of an ablation condition (views.LIBRARY_CONDITIONS: all count as library evidence)."""
    return name if name in ("none", "seed") else "population"


def open_recorder(path: Path, config, conditions, goals, seeds: int, models, drain=None):
    """(archive, run id, record callback) for `--archive`: each trial is committed as soon as it exists, with
    the model calls made since the last one (`drain()`: the client's new call records), so `evolve sql --query
    kv_cache` and `cost_per_role` see an ablation's calls too."""
    from ..archive import open_archive

    archive = open_archive(config, path)
    try:
        seed = next((c.library for c in conditions if c.name == "seed"), None)
        design = {"conditions": {c.name: c.library.id if c.library else None for c in conditions},
                  "goals": [g.slug for g in goals], "seeds": seeds, "models": list(models)}
        run_id = archive.start_run(config, seed=seed, note="evolve ablate")
        archive.event(run_id, "ablation", design)
        for c in conditions:
            if c.library is not None and c.name != "seed":
                archive.add_edge(run_id, c.library, [], "manual", note=f"ablation condition '{c.name}'",
                                 generation=0, accepted=True)
    except BaseException:
        archive.close()
        raise

    def record(condition, result) -> None:
        archive.record_trials(run_id, 0, [result], condition=condition_label(condition.name),
                              library_id=condition.library.id if condition.library else None)
        if drain is not None:
            archive.record_calls(run_id, drain(), generation=0)
    return archive, run_id, record


def parse_conditions(specs: list[str], config) -> list:
    from ..ablation import Condition

    conditions = []
    for spec in specs:
        name, _, folder = spec.partition("=")
        if name == "none" and not folder:
            conditions.append(Condition("none", None))
            continue
        path = Path(folder) if folder else (Path(config.paths.skills) if name == "seed" else None)
        if path is None:
            raise ValueError(f"condition '{spec}': use 'none', 'seed' or NAME=DIR")
        library, problems = load_library(path, max_skill_bytes=config.library.max_skill_bytes,
                                         limits=config.library.bundle)
        if problems or not len(library):
            detail = "; ".join(str(p) for p in problems[:3]) or "no skills found"
            raise ValueError(f"condition '{spec}': {path}: {detail}")
        conditions.append(Condition(name, library))
    names = [c.name for c in conditions]
    if len(set(names)) != len(names):
        raise ValueError(f"condition names must differ: {names}")
    return conditions


def run(args, config) -> int:
    from ..ablation import run_ablation, summarize
    from ..session import open_session
    from .errors import CommandError

    try:
        conditions = parse_conditions(args.condition or ["none", "seed"], config)
    except ValueError as error:
        raise CommandError(str(error)) from error
    goals, problems = load_goals(Path(config.paths.goals), tuple(args.split) if args.split else None)
    if args.goal_slugs:
        unknown = sorted(set(args.goal_slugs) - {g.slug for g in goals})
        if unknown:
            raise CommandError(f"no valid goal {', '.join(unknown)}")
        goals = [g for g in goals if g.slug in args.goal_slugs]
    if not goals:
        raise CommandError("no goals selected")
    session = open_session(config)
    models = args.models or [config.models["student"].model]
    out = args.out or Path(config.paths.state) / "ablations" / f"{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
    ctx = session.trial_context(progress=lambda m: print(f"  {m}", file=sys.stderr, flush=True))
    archive = record = None
    if args.archive:
        archive, run_id, record = open_recorder(args.archive, config, conditions, goals, args.seeds, models,
                                                drain=session.client.drain)
        print(f"recording trials as run {run_id} in {args.archive}", file=sys.stderr)
    try:
        rows = run_ablation(conditions, goals, range(args.seeds), models, ctx, out,
                            progress=lambda m: print(m, file=sys.stderr, flush=True), record=record)
    finally:
        session.close()
        if archive is not None:
            archive.close()
    baseline = conditions[0].name
    summaries = summarize(rows, baseline)
    judged = any(s.judge is not None for s in summaries)
    table = [(s.condition, s.model, s.trials, s.missing, s.score.with_groups(), str(s.success),
              "baseline" if s.vs_baseline is None else s.vs_baseline.with_groups())
             + ((f"{s.judge} ({s.judge_missing} missing)" if s.judge is not None else "not asked",) if judged else ())
             for s in summaries]
    print(format_table(("condition", "model", "trials", "missing", "mean score [95% CI]", "success rate [95% CI]",
                        f"paired Δ score vs {baseline} [95% CI]") + (("judge rubric 1-5 [95% CI]",) if judged else ()),
                       table))
    print("Intervals resample goals, then seeds within each goal: the goal is the unit of independence.")
    print(f"{len(goals)} goal(s) × {args.seeds} seed(s) × {len(models)} model(s); rows in {out}")
    return 0
