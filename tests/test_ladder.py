"""The difficulty ladder (evolve.ladder, `evolve goals ladder`): rungs with reasons, each trial counted once, the
shipped table re-made from its committed archives, and the default train/val goals chosen from it."""
from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest

from evolve import ladder
from evolve.cli import main
from evolve.config import RunSettings
from evolve.ladder import Tally

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "goals" / "ladder.toml"


def trial(goal, condition, score, key, solved=False, split="val"):
    return {"goal": goal, "split": split, "condition": condition, "trial_key": key, "score": score,
            "executed": bool(score), "solved": solved}


@pytest.mark.parametrize(("seed", "none", "rung"), [
    (Tally(), Tally(2, 0.5, 2, 1), "unmeasured"),
    (Tally(3, 0.0), Tally(2, 0.0), "never"),
    (Tally(2, 1.0, 2, 2), Tally(1, 1.0, 1, 1), "always"),
    (Tally(3, 0.3, 3, 0), Tally(3, 0.25, 3, 0), "flat"),
    (Tally(1, 0.6, 1, 0), Tally(1, 0.0), "thin"),
    (Tally(3, 0.5, 2, 1), Tally(2, 0.0), "selective"),
    (Tally(3, 0.0), Tally(3, 0.5, 3, 1), "selective"),  # skills that hurt also tell libraries apart
])
def test_each_goal_is_placed_on_one_rung_with_a_reason(seed, none, rung):
    placed, reason = ladder.place(seed, none, min_gap=0.1, min_n=2)
    assert placed == rung and reason


def test_a_trial_stored_in_two_archives_counts_once_and_other_conditions_are_ignored():
    rows = [trial("g", "seed", 1.0, "k1", solved=True), trial("g", "seed", 1.0, "k1", solved=True),
            trial("g", "seed", 0.0, "k2"), trial("g", "none", 0.0, "k3"), trial("g", "best-of-n", 1.0, "k4"),
            trial("g", "none", None, "k5")]
    (entry,) = ladder.measure(rows, min_n=1)
    assert entry.seed == Tally(n=2, mean=0.5, ran=1, solved=1) and entry.none == Tally(n=1, mean=0.0)
    assert entry.rung == "selective" and entry.split == "val"


def test_the_table_written_reads_back_the_same_entries_and_a_bad_row_names_its_goal(tmp_path):
    entries = ladder.measure([trial("a-goal", "seed", 0.25, "k1"), trial("a-goal", "none", 0.0, "k2"),
                              trial("b-goal", "seed", 0.0, "k3", split="test")])
    path = tmp_path / "ladder.toml"
    ladder.write(entries, path, header='made by a "test"\nsecond line')
    assert list(ladder.read(path).values()) == entries
    path.write_text(path.read_text().replace('rung = "thin"', 'rung = "easy"'))
    with pytest.raises(ValueError, match="a-goal.*unknown rung 'easy'"):
        ladder.read(path)


def test_the_shipped_ladder_is_what_its_archives_measure(tmp_path, capsys):
    # Measured, not typed: the command in the file's header, re-run on the committed archives, writes it again.
    command = next(line for line in SHIPPED.read_text().splitlines() if line.startswith("# evolve goals ladder"))
    args = shlex.split(command[len("# evolve "):])
    args[args.index("--save") + 1] = str(tmp_path / "again.toml")
    for i, arg in enumerate(args):
        if args[i - 1] == "--archive":  # a copy, so the test never touches the committed file
            args[i] = str(tmp_path / f"{i}-{Path(arg).name}")
            shutil.copyfile(ROOT / arg, args[i])
    assert main(["--config", str(ROOT / "configs" / "default.toml"), *args]) == 0
    counted = sum(e.seed.n + e.none.n for e in ladder.read(SHIPPED).values())
    assert f"{counted} scored trial(s) counted" in capsys.readouterr().out  # each trial once, as the table counts
    # A new goal or new trials in a source archive change it: re-run the command in its header.
    assert ladder.read(tmp_path / "again.toml") == ladder.read(SHIPPED), f"goals/ladder.toml is stale: {command[2:]}"


def test_the_default_goals_are_ones_where_the_seed_library_and_no_skills_differ():
    table, defaults = ladder.read(SHIPPED), RunSettings()
    for goal in defaults.val_goals + defaults.train_goals:
        entry = table[goal]
        assert entry.rung in ("thin", "selective"), (goal, entry.rung, entry.reason)
        assert entry.seed.mean > entry.none.mean, goal
    assert len(defaults.val_goals) >= 3  # several val goals, not one (issue 18)


def test_the_ladder_command_refuses_a_missing_archive(tmp_path, capsys):
    code = main(["--config", str(ROOT / "configs" / "default.toml"), "goals", "ladder", "--archive",
                 str(tmp_path / "nowhere.duckdb")])
    assert code == 2 and "no archive at" in capsys.readouterr().err
