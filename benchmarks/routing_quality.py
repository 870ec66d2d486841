"""Routing quality of a skill library over the benchmark goals: how often the routed skills include the ones each
goal's reference solution relies on (evolve.routing_quality), per routing mode and byte budget. No model, no
sandbox: it reads the skills and the goals' GOAL.md and reference solutions (seconds).

    .venv/bin/python benchmarks/routing_quality.py                     # the seed library, bm25 and all, 9 and 12 KB
    .venv/bin/python benchmarks/routing_quality.py --skills out/ --budget 9000 --goals

Prints, per (mode, budget): goals, relied-on skills, recall, and the skills most often missed with why.
"""
from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from evolve.goals import load_goals
from evolve.library import load_library
from evolve.routing_quality import measure, recall

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skills", type=Path, default=ROOT / "skills")
    parser.add_argument("--goals-dir", type=Path, default=ROOT / "goals")
    parser.add_argument("--budget", type=int, action="append", help="byte budget(s) (default: 9000 and 12000)")
    parser.add_argument("--goals", action="store_true", help="also print every goal's row")
    args = parser.parse_args()
    library, problems = load_library(args.skills)
    goals, _ = load_goals(args.goals_dir)
    if problems:
        print(f"{len(problems)} skill problem(s); measuring the {len(library)} valid skills")
    for mode in ("bm25", "all"):
        for budget in args.budget or [9000, 12000]:
            rows = measure(library, goals, mode, budget)
            relied = sum(len(r.relied) for r in rows)
            value = recall(rows)
            print(f"{mode:5} {budget:>6} B: {len(rows)} goals, {relied} relied-on skills, recall "
                  f"{'n/a' if value is None else f'{value:.2f}'}")
            missed = Counter((name, r.reason(name)) for r in rows for name in r.missed)
            for (name, why), count in missed.most_common(4):
                print(f"        missed {count:>2}x {name} ({why})")
            if args.goals:
                for r in rows:
                    print(f"        {r.goal}: relied {', '.join(r.relied) or '-'}; missed {', '.join(r.missed) or '-'}")


if __name__ == "__main__":
    main()
