"""The command line: `evolve validate` and `evolve goals list` as a user runs them."""
import subprocess
import sys
from pathlib import Path

from evolve.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_validate_accepts_what_the_project_ships(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["validate", "skills", "goals", "configs/default.toml"]) == 0
    out = capsys.readouterr().out
    assert "problem" not in out and "1 config(s): ok" in out


def test_validate_reports_file_line_and_exits_1(tmp_path, capsys):
    bad = tmp_path / "my-skill"
    bad.mkdir()
    (bad / "SKILL.md").write_text("---\nname: my-skill\ndescription: d\nrole: student\n---\nbody\n")
    assert main(["validate", str(bad)]) == 1
    captured = capsys.readouterr()
    assert f"{bad / 'SKILL.md'}:4: unknown top-level key" in captured.err
    assert "1 problem(s)" in captured.out


def test_validate_a_folder_holding_neither_skills_nor_goals(tmp_path, capsys):
    (tmp_path / "stray").mkdir()
    assert main(["validate", str(tmp_path)]) == 1
    assert "neither a skill" in capsys.readouterr().err


def test_validate_missing_path(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope")]) == 1
    assert "no such file or folder" in capsys.readouterr().err


def test_bad_config_is_reported_before_any_work(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text("[paths]\nskils = 'x'\n")
    assert main(["--config", str(config), "validate"]) == 2
    assert "did you mean 'skills'" in capsys.readouterr().err


def test_goals_list_shows_split_tier_budget(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["goals", "list"]) == 0
    out = capsys.readouterr().out
    assert "jansen-rit-alpha" in out and "train" in out and "tutorial" in out
    assert main(["goals", "list", "--split", "test"]) == 0
    assert "jansen-rit-alpha" not in capsys.readouterr().out


def test_console_script_is_installed():
    result = subprocess.run([Path(sys.executable).parent / "evolve", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "validate" in result.stdout and "goals" in result.stdout
