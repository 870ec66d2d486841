"""`evolve goals list`: the benchmark goals with split, tier and compute budget."""
from __future__ import annotations

import sys
from pathlib import Path

from ..goals import SPLITS, load_goals
from ..table import format_table


def add_parser(subparsers):
    parser = subparsers.add_parser("goals", help="list benchmark goals", description="Work with benchmark goals.")
    actions = parser.add_subparsers(dest="goals_action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list goals: slug, split, tier, budget, title")
    listing.add_argument("--goals", type=Path, help="goals folder (default: [paths] goals of the config)")
    listing.add_argument("--split", choices=SPLITS, action="append", help="only this split (repeatable)")
    return parser


def run(args, config) -> int:
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
    return 1 if problems else 0
