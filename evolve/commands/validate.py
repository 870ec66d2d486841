"""`evolve validate PATH…`: check skills, goals and configs; exit 1 with file:line messages on any problem."""
from __future__ import annotations

import sys
from pathlib import Path

from ..validation import Report, validate_path
from .errors import RESULT


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "validate", help="check skills, goals and config files",
        description="Check skills (a SKILL.md, a skill folder or a folder of skills), goals (a goal folder or a "
                    "folder of goals) and config files. Prints file:line: message [code] for each problem.")
    parser.add_argument("paths", nargs="*", type=Path,
                        help="what to check (default: the configured skills and goals folders)")
    return parser


def run(args, config) -> int:
    paths = args.paths or [Path(config.paths.skills), Path(config.paths.goals)]
    total = Report()
    for path in paths:
        total.add(validate_path(path, config))
    for problem in total.problems:
        print(problem, file=sys.stderr)
    verdict = "ok" if not total.problems else f"{len(total.problems)} problem(s)"
    print(f"validated {total.skills} skill(s), {total.goals} goal(s), {total.configs} config(s): {verdict}")
    return RESULT if total.problems else 0
