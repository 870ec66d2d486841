"""`evolve seed`: bring hand-edited skills into a run's population (operator `manual`)."""
from __future__ import annotations

from pathlib import Path


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "seed", help="add hand-edited skills to a run's population",
        description="Validate a folder of skills (DIR/<name>/SKILL.md, e.g. one written by `evolve export` and "
                    "edited) and add it to the run's population as a new library made by operator 'manual' "
                    "from the run's current best. The run's next generation picks it up. Nothing is written when "
                    "any skill is invalid. While a run holds the archive, the seed is queued beside it and the "
                    "run takes it in at its next generation.")
    parser.add_argument("folder", type=Path, metavar="DIR", help="the folder of skills")
    parser.add_argument("--run", type=Path, metavar="DB", help="the archive (default: [paths] archive)")
    parser.add_argument("--run-id", metavar="RUN", help="which run (default: the latest; when queued: the live one)")
    parser.add_argument("--note", default="", help="what you changed (goes to the CHANGELOG of its descendants)")
    return parser


def run(args, config) -> int:
    from ..archive import ArchiveLocked, open_archive
    from ..archive import seed as seeding
    from .errors import CommandError

    library, problems = seeding.prepare(args.folder, config)
    if library is None:
        raise CommandError(f"{len(problems)} problem(s) in {args.folder}; nothing was added", details=problems)
    database = Path(args.run or config.paths.archive)
    note = args.note or f"hand-edited skills from {args.folder}"
    try:
        archive = open_archive(config, database)
    except ArchiveLocked:
        _refuse_by_gate(library, None, config, args.folder)  # the live run's best is unknown: screen all
        queued = seeding.queue(database, library, args.run_id, note, str(args.folder))
        print(f"{database} is held by a running process: queued library {library.short_id} as {queued}; "
              f"the run adds it at its next generation")
        return 0
    with archive:
        run_id = archive.resolve_run(args.run_id)
        best = archive.best(run_id)
        parent = archive.library(best["library_id"]) if best else None
        _refuse_by_gate(library, parent, config, args.folder)
        seeded = seeding.add(archive, run_id, library, note, str(args.folder))
    if not seeded.added:
        print(f"library {library.short_id} is already in run {run_id} ({seeded.reason}); nothing was added")
        return 0
    parent = f"from the run's best {seeded.parent[:12]}" if seeded.parent else "with no parent (no best yet)"
    print(f"seeded library {library.short_id} ({len(library)} skill(s)) into run {run_id} {parent}; "
          f"the next generation picks it up")
    return 0


def _refuse_by_gate(library, parent, config, folder) -> None:
    """The operators' gate (evolve.engine.gate: spec, byte budgets, leakage into val/test goals, safety), then the
    verified-skill gate (complete examples and script tests run), on the seed; CommandError with its problems when
    either refuses. Leakage and safety look at skills new or changed against
    `parent` (every skill when None), against every val and test goal of the benchmark."""
    from ..engine.gate import check_child
    from ..goals import load_goals
    from .errors import CommandError

    goals, _ = load_goals(Path(config.paths.goals))
    held_out = {g.slug: g.request for g in goals if g.split in ("val", "test")}
    problems = check_child(library, parent, held_out, config.library)
    if problems:
        raise CommandError(f"the gate refused {folder} ({len(problems)} problem(s), as it would an operator's "
                           f"child); nothing was added", details=problems)
    problems = _verification_problems(library, parent, config)
    if problems:
        raise CommandError(f"the example gate refused {folder}: {len(problems)} complete example(s) or script "
                           "test(s) did not pass in the sandbox; nothing was added", details=problems)


def _verification_problems(library, parent, config) -> list:
    """The verified-skill gate (evolve.engine.examples) on the seed, as `evolve run` applies it to a child: the
    complete examples and script tests of the skills new or changed against `parent` run in the sandbox (cached by
    hash in [paths] state/example-cache, shared with the run). Nothing runs when [library] verify_examples is off."""
    if not config.library.verify_examples:
        return []
    from ..engine.examples import ExampleVerifier, sandbox_runner
    from ..plugin import load_plugin

    plugin = load_plugin(Path(config.evaluation.plugin))
    ev = config.evaluation
    run = sandbox_runner(plugin.startup_files(), Path(ev.workdir) / "examples", config.library.example_timeout_s,
                         ev.memory_mb, ev.disk_mb, ev.max_tasks, state_env=plugin.state_env)
    return ExampleVerifier(run, Path(config.paths.state) / "example-cache").check(library, parent)
