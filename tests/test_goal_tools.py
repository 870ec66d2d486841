"""Tools for goal authors: `evolve goals verify --messages/--save` shows every check's message per solution, and
`evolve goals spread` runs a reference under several seeds in the sandbox and reports each results key's spread
(real kernels; the tiny plugin, then one real TVB goal whose noise the seed must change)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from evolve.cli import main
from evolve.verify import KeySpread, SeedRun, key_spreads

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def tiny_config(tmp_path) -> Path:
    path = tmp_path / "goals.toml"
    path.write_text(f'[paths]\ngoals = "{FIXTURES / "tiny_goals"}"\nstate = "{tmp_path / "state"}"\n\n'
                    f'[evaluation]\nplugin = "{FIXTURES / "tiny_plugin"}"\nworkdir = "{tmp_path / "runs"}"\n'
                    'memory_mb = 2048\n')
    return path


def test_spread_of_each_results_key_across_seeds_with_nested_keys_and_gaps():
    runs = [SeedRun(0, {"a": 1.0, "n": {"x": 2}, "label": "s"}, None, 1.0), SeedRun(1, {"a": 3.0}, None, 1.0),
            SeedRun(2, None, "NameError", 0.5)]
    spreads = {k.key: k for k in key_spreads(runs)}
    assert spreads["a"] == KeySpread("a", (1.0, 3.0), 1) and spreads["a"].mean == 2.0
    assert spreads["a"].sd == pytest.approx(2 ** 0.5) and spreads["n.x"].values == (2.0,)
    assert spreads["label"].values == () and spreads["label"].missing == 3


def test_list_valued_results_spread_item_by_item():
    runs = [SeedRun(0, {"rates": [1.0, 2.0], "sweep": {"g": [0.1, {"r": 3.0}]}}, None, 1.0),
            SeedRun(1, {"rates": [3.0, 2.0]}, None, 1.0)]
    spreads = {k.key: k for k in key_spreads(runs)}
    assert spreads["rates[0]"].values == (1.0, 3.0) and spreads["rates[1]"].values == (2.0, 2.0)
    assert spreads["sweep.g[1].r"].values == (3.0,) and spreads["sweep.g[1].r"].missing == 1


def test_goals_verify_prints_and_saves_every_checks_message(tmp_path, capsys):
    saved = tmp_path / "verify.json"
    code = main(["--config", str(tiny_config(tmp_path)), "goals", "verify", "count-to-three", "--messages",
                 "--save", str(saved)])
    out = capsys.readouterr().out
    assert code == 0 and "count-to-three/reference (should pass):" in out and "  pass total_is_six:" in out
    rows = json.loads(saved.read_text())
    assert {r["solution"] for r in rows} >= {"reference"} and all(r["checks"] for r in rows if r["executed"])
    assert all(r["as_expected"] for r in rows) and all("message" in c for r in rows for c in r["checks"])


def test_goals_spread_runs_a_reference_under_each_seed(tmp_path, capsys):
    saved = tmp_path / "spread.json"
    code = main(["--config", str(tiny_config(tmp_path)), "goals", "spread", "count-to-three", "--seeds", "2",
                 "--save", str(saved)])
    out = capsys.readouterr().out
    assert code == 0 and "total" in out and "count-to-three: 2 seed(s), 0 without results" in out
    assert [r["results"]["total"] for r in json.loads(saved.read_text())] == [6, 6]


def test_goals_spread_refuses_an_unknown_goal_and_no_seeds(tmp_path, capsys):
    assert main(["--config", str(tiny_config(tmp_path)), "goals", "spread", "no-such-goal"]) == 2
    assert main(["--config", str(tiny_config(tmp_path)), "goals", "spread", "count-to-three", "--seeds", "0"]) == 2


def test_the_tvb_seed_prelude_changes_a_noisy_references_results(tmp_path):
    from evolve.config import EvaluationSettings
    from evolve.goals import load_goal
    from evolve.plugin import load_plugin
    from evolve.verify import spread

    goal, problems = load_goal(ROOT / "goals" / "noise-reliability")
    assert not problems
    runs = spread(goal, load_plugin(ROOT / "evaluators" / "tvb"), EvaluationSettings(workdir=str(tmp_path)),
                  tmp_path, range(2))
    assert all(r.results for r in runs), [r.error for r in runs]
    varying = [k for k in key_spreads(runs) if len(set(k.values)) > 1]
    assert varying, "no results key changed with the seed: the noise was not reseeded"
