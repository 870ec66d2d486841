"""The domain's state variables (a plugin's `state_env`): declared by the plugin, never named by the engine, and
pointed into a state dir by the engine, by every sandbox kernel and by TVB's replay child, so no tool state
lands in $HOME."""
import os
from pathlib import Path

import pytest

from evolve import environment
from evolve import notebook as nb_io
from evolve.config import EvaluationSettings, ScoreWeights
from evolve.evaluation import evaluate
from evolve.goals import load_goal
from evolve.plugin import PluginError, load_plugin
from evolve.sandbox.environ import check_state_env, kernel_environment

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_the_engine_names_no_domain_state_variable():
    named = [path for path in (ROOT / "evolve").rglob("*.py") if "TVB_USER_HOME" in path.read_text()]
    assert named == []


def test_the_tvb_plugin_declares_tvb_user_home():
    assert load_plugin(ROOT / "evaluators" / "tvb").state_env == {"TVB_USER_HOME": "tvb"}


def test_prepare_points_the_domain_variables_into_the_state_dir_and_leaves_the_callers_alone(tmp_path,
                                                                                              monkeypatch):
    monkeypatch.delenv("DOMAIN_HOME", raising=False)
    monkeypatch.setenv("OTHER_HOME", "/caller/other")
    chosen = environment.prepare(tmp_path, {"DOMAIN_HOME": "domain", "OTHER_HOME": "other"})
    assert os.environ["DOMAIN_HOME"] == chosen["DOMAIN_HOME"] == str(tmp_path.resolve() / "domain")
    assert (tmp_path / "domain").is_dir()
    assert os.environ["OTHER_HOME"] == "/caller/other" and "OTHER_HOME" not in chosen


def test_a_kernel_environment_points_the_domain_variables_into_its_state_dir_whatever_the_caller_says(tmp_path):
    env = kernel_environment(tmp_path / "work", tmp_path / "state", tmp_path / "tmp",
                             source={"PATH": "/usr/bin", "TVB_USER_HOME": "/home/someone/.tvb"},
                             state_env={"TVB_USER_HOME": "tvb"})
    assert env["TVB_USER_HOME"] == str(tmp_path / "state" / "tvb") and (tmp_path / "state" / "tvb").is_dir()
    without = kernel_environment(tmp_path / "work", tmp_path / "state2", tmp_path / "tmp",
                                 source={"PATH": "/usr/bin", "TVB_USER_HOME": "/home/someone/.tvb"})
    assert "TVB_USER_HOME" not in without  # not declared: not a state variable, and not allowlisted either


@pytest.mark.parametrize("state_env", [{"HOME": "home"}, {"PATH": "bin"}, {"MPLCONFIGDIR": "mpl"},
                                       {"lower_case": "x"}, {"DOMAIN_HOME": "../escape"}, {"DOMAIN_HOME": "a/b"},
                                       {"DOMAIN_HOME": "matplotlib"}, {"A_HOME": "same", "B_HOME": "same"}])
def test_wrong_state_variables_are_refused(state_env, tmp_path):
    assert check_state_env(state_env)
    with pytest.raises(ValueError, match="state_env"):
        kernel_environment(tmp_path / "work", tmp_path / "state", tmp_path / "tmp", state_env=state_env)


def test_a_plugin_with_wrong_state_variables_does_not_load(tmp_path):
    package = tmp_path / "bad_state_plugin"
    package.mkdir()
    source = (FIXTURES / "tiny_plugin" / "__init__.py").read_text()
    (package / "__init__.py").write_text(source.replace('state_env = {"TINY_HOME": "tiny"}',
                                                        'state_env = {"HOME": "home"}'))
    with pytest.raises(PluginError, match="state_env"):
        load_plugin(package)


def test_the_tvb_replay_child_keeps_tvb_state_inside_its_temp_dir(tmp_path):
    from evaluators.tvb.replay import child_environment

    env = child_environment(tmp_path)
    assert env["TVB_USER_HOME"] == str(tmp_path / "state" / "tvb")


def test_an_evaluated_notebook_sees_its_plugins_state_variable_in_its_own_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TINY_HOME", "/caller/tiny")
    goal, problems = load_goal(FIXTURES / "tiny_goals" / "count-to-three")
    assert not problems
    plugin = load_plugin(FIXTURES / "tiny_plugin")
    code = "```python\nimport os\nprint('TINY_HOME=' + os.environ['TINY_HOME'])\n```"
    evaluation = evaluate(nb_io.from_reply(code).notebook, goal, plugin,
                          EvaluationSettings(cell_timeout_s=60, notebook_timeout_s=120), ScoreWeights(),
                          tmp_path / "run")
    printed = "".join(o.get("text", "") for cell in evaluation.notebook.cells for o in cell.get("outputs", []))
    assert "TINY_HOME=" in printed, (evaluation.error, printed)
    value = printed.split("TINY_HOME=")[1].split()[0]
    assert value != "/caller/tiny" and Path(value).name == "tiny"
    assert not value.startswith(os.path.expanduser("~") + "/")
