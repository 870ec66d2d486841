"""Subprocess entry point of the trusted replay (see the package docstring): `python -I .../replay/__main__.py
--evidence DIR --goal DIR --budget SECONDS [--memory-mb MB]` prints one JSON report as the last line of stdout and
exits 0.

Started by `process.run_replay` with an allowlisted environment, limits and a wall timeout, by path (the child's
cwd is a temp dir); `-I` keeps PYTHONPATH, the user site and the current folder out of sys.path, so the project
root is added here. Anything a library prints goes to stderr: stdout carries the report only.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--evidence", required=True)
    parser.add_argument("--goal", default=None)
    parser.add_argument("--budget", type=float, required=True)
    parser.add_argument("--memory-mb", type=int, default=None)
    args = parser.parse_args(argv)
    report_fd = os.dup(1)
    os.dup2(2, 1)                       # library output (TVB logging, warnings) must not garble the report
    sys.stdout = sys.stderr
    sys.dont_write_bytecode = True   # -I ignores PYTHONDONTWRITEBYTECODE; goal folders stay clean
    root = str(Path(__file__).resolve().parents[3])   # evaluators/tvb/replay/__main__.py -> the project root
    if root not in sys.path:
        sys.path.insert(0, root)
    from evaluators.tvb.replay import apply_limits, replay_evidence

    if args.memory_mb is not None:
        apply_limits(args.memory_mb)    # before TVB is imported: everything it maps counts
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.disable(logging.ERROR)      # TVB logs expected noise; stderr's tail should show real failures

    goal = Path(args.goal) if args.goal else None
    report = replay_evidence(Path(args.evidence), goal, args.budget)
    with os.fdopen(report_fd, "w", encoding="utf-8") as out:
        out.write(json.dumps(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
