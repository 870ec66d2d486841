"""`evolve export`: write a library from the archive as an Agent Skills folder, with lineage and a CHANGELOG."""
from __future__ import annotations

import sys
from pathlib import Path


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "export", help="write the best (or any) archived library as an Agent Skills folder",
        description="Write DIR/<name>/SKILL.md for every skill of a library, with its lineage and scores under "
                    "metadata: (lineage, score), and DIR/CHANGELOG.md from the operators' notes along its "
                    "lineage. DIR must not exist or be empty. Works while a run holds the archive (snapshot).")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--best", action="store_true", help="the run's best_so_far library")
    which.add_argument("--library", metavar="ID", help="a library id (or a unique prefix of 6+ characters)")
    parser.add_argument("--to", type=Path, required=True, metavar="DIR", help="the folder to write")
    parser.add_argument("--run", type=Path, metavar="DB", help="the archive (default: [paths] archive)")
    parser.add_argument("--run-id", metavar="RUN", help="which run's scores and lineage (default: the latest)")
    return parser


def run(args, config) -> int:
    from ..archive import open_for_reading
    from ..archive.export import export
    from .errors import CommandError

    database = Path(args.run or config.paths.archive)
    with open_for_reading(database) as reader:
        for note in reader.notes():
            print(note, file=sys.stderr)
        run_id = reader.resolve_run(args.run_id)
        if args.best:
            best = reader.best(run_id)
            if best is None:
                raise CommandError(f"run {run_id} has no library with a scored val trial yet; use --library ID")
            library_id = best["library_id"]
        else:
            library_id = reader.resolve_library(args.library)
        paths = export(reader, library_id, run_id, args.to)
    print(f"exported library {library_id[:12]} of run {run_id}: {len(paths)} skill(s) and CHANGELOG.md in {args.to}")
    print(f"check it with: evolve validate {args.to}")
    return 0
