"""`evolve report`: a run's self-contained HTML report (evolve.visual), from the archive alone."""
from __future__ import annotations

import sys
from pathlib import Path


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "report", help="write a run's HTML report (progress, lineage, goals, operators, cost, overfitting)",
        description="Write one self-contained HTML page for a run (every figure embedded, nothing loaded from the "
                    "network, opens from a file): progress, lineage, goals, operators, cost and overfitting, each "
                    "figure drawn from one canned query that `evolve sql --query NAME` reruns. Works on a "
                    "finished run, on a live one (from the snapshot it publishes) and on an older archive (it "
                    "is upgraded first, which only adds). Prints the page's path.")
    parser.add_argument("run_id", nargs="?", metavar="RUN",
                        help="the run: its id or a unique prefix of it (default: the latest run)")
    parser.add_argument("--run", type=Path, metavar="DB", help="the archive (default: [paths] archive)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="the folder to write report.html in (default: [paths] state/runs/RUN/)")
    parser.add_argument("--open", action="store_true", help="open the report in the default web browser")
    return parser


def run(args, config) -> int:
    from ..archive import open_for_reading
    from ..visual.build import write_report
    from .sql import queries_folder

    database = Path(args.run or config.paths.archive)
    with open_for_reading(database) as reader:  # (an unusable archive or run: ArchiveError, said by evolve.cli)
        notes = reader.notes()
        for note in notes:
            print(note, file=sys.stderr)
        run_id = reader.resolve_run(args.run_id)
        out = args.out or Path(config.paths.state) / "runs" / run_id
        path = write_report(reader, run_id, out, queries_folder(config), str(database),
                            [n.removeprefix("note: ") for n in notes])
    print(path)
    if args.open:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())
    return 0
