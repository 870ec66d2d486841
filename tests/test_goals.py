"""Goal folders: loading, and one test per kind of malformed goal."""
from pathlib import Path

import pytest

from evolve.goals import load_goal, load_goals

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "goals"
TOML = """title = "A test goal"
split = "train"
tier = "tutorial"
budget_s = 30
tags = ["x"]

[results.peak_hz]
unit = "Hz"
description = "the peak"

[checks]
peak_ok = "the peak is right"
"""
REQUEST = "# A test goal\n\nWrite `results.json` with `peak_hz`, the peak in Hz.\n"


def make_goal(tmp_path: Path, slug="test-goal", toml=TOML, request=REQUEST,
              reference="print('hi')\n", check="def check(ctx):\n    return []\n") -> Path:
    folder = tmp_path / slug
    folder.mkdir()
    for name, text in {"goal.toml": toml, "GOAL.md": request, "reference.py": reference, "check.py": check}.items():
        if text is not None:
            (folder / name).write_text(text)
    return folder


def codes_of(folder):
    goal, problems = load_goal(folder)
    assert goal is None or not problems
    return [p.code for p in problems], problems


def test_a_well_formed_goal_loads(tmp_path):
    goal, problems = load_goal(make_goal(tmp_path))
    assert problems == []
    assert (goal.slug, goal.split, goal.tier, goal.budget_s) == ("test-goal", "train", "tutorial", 30.0)
    assert goal.spec.results["peak_hz"].unit == "Hz"
    assert goal.spec.checks == {"peak_ok": "the peak is right"}
    assert goal.reference_path.name == "reference.py"


MALFORMED = {
    "slug-invalid": dict(slug="Bad Slug"),
    "missing-goal-md": dict(request=None),
    "empty-goal-md": dict(request="  \n"),
    "goal-md-heading": dict(request="no heading, names peak_hz\n"),
    "missing-goal-toml": dict(toml=None),
    "toml-syntax": dict(toml=TOML.replace('split = "train"', "split = train")),
    "unknown-key": dict(toml=TOML.replace("budget_s", "budget_sec")),
    "missing-key": dict(toml=TOML.replace('tier = "tutorial"\n', "")),
    "invalid-choice": dict(toml=TOML.replace('"train"', '"training"')),
    "wrong-type": dict(toml=TOML.replace("budget_s = 30", 'budget_s = "30"')),
    "out-of-range": dict(toml=TOML.replace("budget_s = 30", "budget_s = 0")),
    "results-empty": dict(toml=TOML.replace('[results.peak_hz]\nunit = "Hz"\ndescription = "the peak"\n', "[results]\n")),
    "result-unit-missing": dict(toml=TOML.replace('unit = "Hz"', 'unit = " "')),
    "result-key-invalid": dict(toml=TOML.replace("results.peak_hz", 'results."peak-hz"'),
                               request=REQUEST.replace("peak_hz", "peak-hz")),
    "result-not-in-request": dict(request="# A test goal\n\nWrite results.json.\n"),
    "checks-empty": dict(toml=TOML.replace('peak_ok = "the peak is right"\n', "")),
    "check-name-invalid": dict(toml=TOML.replace("peak_ok =", '"Peak OK" =')),
    "check-description-missing": dict(toml=TOML.replace('"the peak is right"', '""')),
    "missing-reference": dict(reference=None),
    "reference-syntax": dict(reference="def broken(:\n"),
    "missing-check": dict(check=None),
    "check-syntax": dict(check="def check(ctx)\n"),
    "check-no-function": dict(check="def verify(ctx):\n    return []\n"),
}


@pytest.mark.parametrize("code", sorted(MALFORMED))
def test_each_malformed_goal_is_rejected_with_its_own_code(tmp_path, code):
    found, problems = codes_of(make_goal(tmp_path, **MALFORMED[code]))
    assert code in found, problems
    assert all(p.message for p in problems)


def test_unknown_key_names_the_line_and_the_closest_key(tmp_path):
    folder = make_goal(tmp_path, toml=TOML.replace("budget_s", "budget_sec"))
    _, problems = codes_of(folder)
    problem = next(p for p in problems if p.code == "unknown-key")
    assert problem.line == 4 and "budget_s" in problem.message
    assert str(problem).startswith(f"{folder / 'goal.toml'}:4:")


def test_toml_syntax_error_names_the_line(tmp_path):
    _, problems = codes_of(make_goal(tmp_path, toml=TOML.replace('split = "train"', "split = train")))
    assert problems[0].line == 2


def test_load_goals_filters_by_split_and_skips_private_folders(tmp_path):
    make_goal(tmp_path, "a")
    make_goal(tmp_path, "b", toml=TOML.replace('"train"', '"val"'))
    (tmp_path / "_fixtures").mkdir()
    goals, problems = load_goals(tmp_path, ("val",))
    assert problems == [] and [g.slug for g in goals] == ["b"]


def test_shipped_goals_are_valid():
    goals, problems = load_goals(SHIPPED)
    assert problems == []
    assert goals
