"""Commands fail one way: a CommandError (or an unusable archive) reported by evolve.cli with the documented exit
code (0 ok, 1 a result to look at, 2 usage or input error), and every command that picks "the latest run or the
given one" says the same thing when there is none."""
import re
from pathlib import Path

import pytest

from evolve import cli
from evolve.archive import Archive
from evolve.cli import main
from evolve.commands.errors import RESULT, USAGE, CommandError

COMMANDS = Path(cli.__file__).parent / "commands"


def test_a_command_error_is_printed_after_its_details_with_its_code(monkeypatch, capsys):
    def failing(args, config):
        raise CommandError("2 problem(s) in x; nothing was added", RESULT, ["x/a: bad", "x/b: worse"])

    monkeypatch.setattr(cli.COMMANDS["validate"], "run", failing)
    assert main(["validate"]) == RESULT
    assert capsys.readouterr().err.splitlines() == ["x/a: bad", "x/b: worse",
                                                     "evolve validate: 2 problem(s) in x; nothing was added"]


@pytest.mark.parametrize("command", [
    ["export", "--best", "--to", "out", "--run-id", "run-nope"],
    ["seed", "skills", "--run-id", "run-nope"],
    ["sql", "SELECT 1", "--param", "x=1"],
])
def test_usage_and_input_errors_exit_2_naming_the_command(command, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    with Archive.open(tmp_path / "a.duckdb", snapshots=False) as archive:
        archive.start_run({"test": True})
    argv = command[:1] + ["--run", str(tmp_path / "a.duckdb")] + command[1:]
    if command[0] == "export":
        argv[argv.index("out")] = str(tmp_path / "out")
    assert main(argv) == USAGE
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1].startswith(f"evolve {command[0]}: ")


@pytest.mark.parametrize("command", ["export", "seed"])
def test_no_such_run_reads_the_same_from_every_command(command, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    database = tmp_path / "a.duckdb"
    with Archive.open(database, snapshots=False) as archive:
        archive.start_run({"test": True})
    argv = {"export": ["export", "--best", "--to", str(tmp_path / "out")], "seed": ["seed", "skills"]}[command]
    assert main(argv + ["--run", str(database), "--run-id", "run-nope"]) == USAGE
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"evolve {command}: {database}: has no run 'run-nope'. List the runs with: evolve sql \"SELECT * FROM runs\"")


def test_an_archive_without_runs_says_how_to_start_one(tmp_path, capsys):
    database = tmp_path / "a.duckdb"
    Archive.open(database, snapshots=False).close()
    assert main(["export", "--best", "--to", str(tmp_path / "out"), "--run", str(database)]) == USAGE
    assert "has no run yet. Start one with: evolve run" in capsys.readouterr().err


def test_commands_return_no_bare_failure_codes():
    """Failures go through CommandError (one report, one meaning per code); a command returns 0 or a named code."""
    bare = [f"{path.name}:{n}: {line.strip()}" for path in sorted(COMMANDS.glob("*.py"))
            for n, line in enumerate(path.read_text().splitlines(), 1) if re.search(r"\breturn [1-9]\d*\b", line)]
    assert bare == []
