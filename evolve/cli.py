"""The `evolve` command. Lists only commands that work; each lives in `evolve/commands/<name>.py`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__, environment
from .commands import eval as eval_command
from .commands import ablate, goals, trial, validate
from .commands import export, seed, sql
from .commands import report as report_command
from .commands import run as run_command
from .commands.errors import USAGE, CommandError
from .config import load_config

COMMANDS = {"validate": validate, "goals": goals, "eval": eval_command, "trial": trial, "ablate": ablate,
            "sql": sql, "export": export, "seed": seed, "run": run_command,
            "report": report_command}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evolve", description="Evolve Agent Skills libraries, scored by executing what a small model writes.")
    parser.add_argument("--version", action="version", version=f"evolve {__version__}")
    parser.add_argument("--config", type=Path, help="run configuration (default: configs/default.toml if present)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS.values():
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    config, problems = load_config(args.config)
    if config is None:
        return fail(args.command, CommandError("the configuration has errors; fix them and run again", USAGE,
                                               problems))
    environment.prepare(Path(config.paths.state), _domain_state_env(config))
    if _executes_notebooks(args):
        from .execution_policy import IsolationRefused, prepare

        try:
            done = prepare(config.evaluation, args.command)
        except IsolationRefused as error:
            return fail(args.command, CommandError(str(error), USAGE))
        if done.swept or done.pruned:
            print(f"evolve: removed {done.swept} stale kernel folder(s) and {done.pruned} old execution folder(s) "
                  f"(keep_executions = {config.evaluation.keep_executions})", file=sys.stderr)
    from .archive.errors import ArchiveError
    from .judge import JudgeConfigError

    try:
        return COMMANDS[args.command].run(args, config)
    except CommandError as error:
        return fail(args.command, error)
    # an archive that cannot be used, and a judge that cannot be (e.g. `--model` made the student the judge's own
    # model), are the user's input, said the same way by every command
    except (ArchiveError, JudgeConfigError) as error:
        return fail(args.command, CommandError(str(error), USAGE))


def fail(command: str, error: CommandError) -> int:
    """The one place a command's failure reaches the user (evolve.commands.errors: the exit codes)."""
    for line in error.details:
        print(line, file=sys.stderr)
    print(f"evolve {command}: {error.message}", file=sys.stderr)
    return error.code


def _domain_state_env(config) -> dict[str, str]:
    """The configured plugin's state variables (`DomainPlugin.state_env`); none when the plugin does not load:
    then the command that needs it says why, and one that does not still works."""
    from .plugin import load_plugin

    try:
        return dict(load_plugin(Path(config.evaluation.plugin)).state_env)
    except Exception:  # noqa: BLE001 - reported by the command that uses the plugin, not here
        return {}


def _executes_notebooks(args) -> bool:
    """Commands that run model-written (or goal) notebooks in the sandbox: the isolation policy applies."""
    return args.command in ("run", "trial", "eval", "ablate") or (
        args.command == "goals" and getattr(args, "goals_action", None) == "verify")


if __name__ == "__main__":
    sys.exit(main())
