"""`evolve run`: evolve the seed library against the benchmark, resumably, with baselines and a final summary."""
from __future__ import annotations

import os
import signal
import sys
import traceback
from dataclasses import replace
from pathlib import Path

from ..goals import load_goals
from ..library import load_library


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "run", help="evolve the skill library (long-running, resumable)",
        description="Evolve the seed library ([paths] skills) on the goals of [run]: each generation proposes "
                    "children with the operators, gates them on a train minibatch against their parent, scores "
                    "survivors on val and keeps the best set; baselines (seed, no skills, best-of-N) run on the "
                    "same budget; the test split is scored for the report only. Ctrl-C (or the stop file) "
                    "finishes the trials in flight, commits and exits; --resume continues.")
    parser.add_argument("--resume", nargs="?", const="latest", metavar="RUN_ID",
                        help="continue a run from the archive (default: the latest run)")
    parser.add_argument("--archive", type=Path, help="the run database (default: [paths] archive)")
    parser.add_argument("--generations", type=int, help="override [run] generations")
    parser.add_argument("--max-trials", type=int, help="override [run] max_trials")
    parser.add_argument("--allow-config-change", action="store_true",
                        help="with --resume: accept a configuration that differs from the run's (the changes are "
                             "recorded as a 'config-changed' event); budgets may change without it")
    return parser


def select_goals(config):
    """The run's train/val/test goals: [run] *_goals by slug, or every goal of the split. Errors as text."""
    from ..engine.engine import GoalSets

    goals, problems = load_goals(Path(config.paths.goals))
    errors = [str(p) for p in problems]
    by_slug = {g.slug: g for g in goals}
    sets = {}
    for split, chosen in (("train", config.run.train_goals), ("val", config.run.val_goals),
                          ("test", config.run.test_goals)):
        if chosen:
            unknown = [s for s in chosen if s not in by_slug]
            wrong = [s for s in chosen if s in by_slug and by_slug[s].split != split]
            errors += [f"[run] {split}_goals: no valid goal '{s}' in {config.paths.goals} (an empty list "
                       f"means every {split} goal)" for s in unknown]
            errors += [f"[run] {split}_goals: '{s}' is a {by_slug[s].split} goal, not {split}" for s in wrong]
            sets[split] = [by_slug[s] for s in chosen if s in by_slug and by_slug[s].split == split]
        else:
            sets[split] = [g for g in goals if g.split == split]
    if not sets["train"] or not sets["val"]:
        errors.append("the run needs at least one train and one val goal")
    return GoalSets(sets["train"], sets["val"], sets["test"]), errors


def run(args, config) -> int:
    from ..archive import open_archive
    from ..engine.budget import Stopper
    from ..engine.call_journal import CallJournal
    from ..engine.engine import Engine
    from ..engine.executors import build_executor
    from ..engine.progress import Progress
    from ..engine.report import write_report
    from ..engine.toolbox import default_toolbox
    from ..facts import read_index
    from ..session import open_session
    from .errors import INTERRUPTED, RESULT, USAGE, CommandError

    settings = config.run
    if args.generations is not None or args.max_trials is not None:
        settings = replace(settings, generations=args.generations or settings.generations,
                           max_trials=settings.max_trials if args.max_trials is None else args.max_trials)
        config = replace(config, run=settings)
    notice = turns_notice(settings.max_turns, config.trial.max_turns)
    if notice:
        print(f"evolve run: {notice}", file=sys.stderr)
        config = replace(config, trial=replace(config.trial, max_turns=settings.max_turns))
    goals, errors = select_goals(config)
    library, problems = load_library(Path(config.paths.skills), max_skill_bytes=config.library.max_skill_bytes,
                                     limits=config.library.bundle)
    errors += [str(p) for p in problems]
    if not len(library):
        errors.append(f"no seed skills in {config.paths.skills}")
    stop_file = Path(settings.stop_file)
    if stop_file.exists():
        errors.append(f"the stop file {stop_file} exists (left by an earlier stop?): delete it to run")
    try:
        toolbox = default_toolbox(settings.operators, settings.operator_weights)
    except (KeyError, ValueError, ImportError) as error:
        errors.append(f"[run] operators: {error}")
    facts = ()
    if config.library.facts_index:
        try:
            facts = tuple(read_index(Path(config.library.facts_index)))
        except OSError as error:
            errors.append(f"[library] facts_index: cannot read {config.library.facts_index} "
                          f"({error.strerror or error}); set it to \"\" for none")
    if errors:
        raise CommandError(f"{len(errors)} problem(s) above; nothing was run", USAGE,
                           [f"evolve run: {error}" for error in errors])
    with open_archive(config, args.archive) as archive:
        if args.resume:
            run_id = archive.resolve_run(None if args.resume == "latest" else args.resume)
            refusal = _check_config(archive, run_id, config, args.allow_config_change)
            if refusal:
                raise CommandError(refusal, USAGE)
        else:
            run_id = archive.start_run(config, seed=library, note="evolve run")
        print(f"run {run_id} in {archive.path} (query it live with: evolve sql --query best_set)", file=sys.stderr)
        journal = CallJournal(Path(config.paths.state) / "runs" / run_id / "calls.jsonl")
        session = open_session(config, on_start=journal.started, on_record=journal.ended)
        progress = Progress(settings.generations)
        stopper = Stopper(settings.max_trials, settings.max_wall_s, settings.max_cost_usd, settings.patience,
                          stop_file, cost_by_role=session.client.cost_by_role)
        executor = build_executor(config, session, Path(config.evaluation.workdir) / run_id,
                                  progress=progress.trial_activity)  # [executor] kind: local or ray

        def on_generation(g: int) -> None:  # the HTML report every [run] report_every generations
            if settings.report_every and g % settings.report_every == 0:
                _write_html(archive, run_id, config, progress.event)

        engine = Engine(config, archive, run_id, goals, toolbox, executor, session.client, stopper, progress,
                        journal=journal, on_generation=on_generation, verify=_example_verifier(config, session),
                        facts=facts)
        previous = _on_interrupt(stopper, progress)
        try:
            outcome = engine.run()
        except KeyboardInterrupt:  # the second Ctrl-C: committed trials are safe; the one in flight is lost
            progress.close()
            print(f"\nstopped at once; resume with: evolve run --resume {run_id}", file=sys.stderr)
            archive.close()
            os._exit(130)  # why: worker threads still inside a model call would otherwise hold the exit
        except Exception as error:  # a bug or a broken environment, not a model's doing: say where things stand
            progress.close()
            where = Path(config.paths.state) / "runs" / run_id
            where.mkdir(parents=True, exist_ok=True)
            (where / "error.txt").write_text(traceback.format_exc())
            archive.event(run_id, "run-stopped", {"reason": f"internal error: {type(error).__name__}: {error}"})
            raise CommandError(f"stopped by an internal error: {type(error).__name__}: {error}\n"
                               f"  traceback in {where / 'error.txt'}; every trial finished so far is in "
                               f"{archive.path}; after fixing the cause: evolve run --resume {run_id}",
                               RESULT) from error
        finally:
            signal.signal(signal.SIGINT, previous)
            progress.close()
            session.close()  # the warm kernels waiting for trials that will not come
        report = write_report(engine, Path(config.paths.state) / "runs" / run_id)
        print(report.text)
        print(f"run {run_id}: {outcome}; report in {report.folder}", file=sys.stderr)
        _write_html(archive, run_id, config, lambda line: print(line, file=sys.stderr))
    return INTERRUPTED if stopper.interrupted else outcome.exit_code


def _example_verifier(config, session):
    """verify(child, parent) for the engine: a child's complete examples run in the sandbox ([library]
    verify_examples; None when off)."""
    if not config.library.verify_examples:
        return None
    from ..engine.examples import ExampleVerifier, sandbox_runner

    ev = config.evaluation
    run = sandbox_runner(session.plugin.startup_files(), Path(ev.workdir) / "examples",
                         config.library.example_timeout_s, ev.memory_mb, ev.disk_mb, ev.max_tasks,
                         state_env=session.plugin.state_env)
    return ExampleVerifier(run, Path(config.paths.state) / "example-cache").check


def turns_notice(run_turns: int, trial_turns: int) -> str | None:
    """What to say when a run's trials take [run] max_turns turns instead of [trial] max_turns (None: they agree,
    or [run] max_turns is 0). Said aloud because `evolve trial` and `ablate` use the other one."""
    if not run_turns or run_turns == trial_turns:
        return None
    return (f"{run_turns} turn(s) per trial ([run] max_turns; [trial] max_turns = {trial_turns} applies to evolve "
            f"trial, eval and ablate)")


def _write_html(archive, run_id: str, config, say) -> Path | None:
    """The run's HTML report (what `evolve report` writes) in its folder; a failure is said, never the run's end."""
    from ..visual.build import write_report as write_html
    from .sql import queries_folder

    try:
        path = write_html(archive, run_id, Path(config.paths.state) / "runs" / run_id, queries_folder(config),
                          str(archive.path))
    except Exception as error:  # a report is a view: it must never cost the run
        say(f"could not write the HTML report: {type(error).__name__}: {error}")
        return None
    say(f"HTML report: {path}")
    return path


def _check_config(archive, run_id: str, config, allow: bool) -> str | None:
    """On resume: refuse (with the differences) a configuration that is not the run's, unless allowed; record
    the resume, and an allowed change, as events. Budgets may change freely (evolve.engine.config_diff)."""
    import dataclasses
    import json

    from ..config import Config
    from ..engine.config_diff import compare

    def plain(settings: Config) -> dict:  # as the archive keeps a run's configuration
        return json.loads(json.dumps(dataclasses.asdict(settings), default=str))

    current = plain(config)
    change = compare(archive.run_config(run_id), current, plain(Config()))
    if change.changed and not allow:
        shown = "\n  ".join(change.changes[:40]) + ("\n  ..." if len(change.changes) > 40 else "")
        return (f"the configuration differs from run {run_id}'s:\n  {shown}\n"
                f"Resume with the run's configuration, or pass --allow-config-change to continue with this one "
                f"(recorded in the run's events). Budgets (generations, max_trials, max_wall_s, max_cost_usd, "
                f"patience) may change without it.")
    if change.new_defaults:
        print(f"note: {len(change.new_defaults)} option(s) added to evolve since run {run_id} started, at their "
              f"defaults: {', '.join(line.split(':')[0] for line in change.new_defaults)}", file=sys.stderr)
    if change.changed:
        archive.event(run_id, "config-changed", {"changes": list(change.changes), "config": current})
    archive.event(run_id, "resumed", {"budgets": list(change.budgets), "new_defaults": list(change.new_defaults)})
    return None


def _on_interrupt(stopper, progress):
    """First Ctrl-C: finish the trials in flight, commit, exit. Second: stop now (the archive keeps every
    committed trial; --resume re-runs only what was in flight)."""
    def handler(signum, frame):
        if stopper.interrupted:
            raise KeyboardInterrupt
        stopper.interrupted = True
        progress.event("Ctrl-C: finishing the trials in flight, then committing and stopping "
                       "(press Ctrl-C again to stop at once)")
    return signal.signal(signal.SIGINT, handler)
