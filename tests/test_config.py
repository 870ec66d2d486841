"""Configuration: the default file documents every option and matches the built-in defaults."""
import dataclasses
import typing
from pathlib import Path

import pytest

from evolve.config import Config, load_config

DEFAULT = Path(__file__).resolve().parent.parent / "configs" / "default.toml"


def test_default_file_equals_builtin_defaults():
    config, problems = load_config(DEFAULT)
    assert problems == []
    assert config == Config()


def documented_options():
    lines = DEFAULT.read_text().splitlines()
    section, documented = (), set()
    for number, line in enumerate(lines):
        if line.startswith("["):
            section = tuple(line.strip("[] ").split("."))
        elif "=" in line and not line.startswith("#"):
            assert lines[number - 1].startswith("#"), f"option on line {number + 1} has no comment above it"
            documented.add((section, line.split("=")[0].strip().strip('"')))
    return documented


def expected_options(cls, prefix):
    for f in dataclasses.fields(cls):
        hint = typing.get_type_hints(cls)[f.name]
        if dataclasses.is_dataclass(hint):
            yield from expected_options(hint, prefix + (f.name,))
        elif typing.get_origin(hint) is dict:
            value = f.default_factory() if f.default_factory is not dataclasses.MISSING else {}
            for key, item in value.items():
                if dataclasses.is_dataclass(item):
                    yield from expected_options(type(item), prefix + (f.name, key))
                else:
                    yield prefix + (f.name,), key
        else:
            yield prefix, f.name


def test_every_option_is_in_the_default_file_with_a_comment_above_it():
    assert documented_options() == set(expected_options(Config, ()))


def test_unknown_key_suggests_the_closest_valid_key(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[paths]\nskils = "x"\n')
    config, problems = load_config(path)
    assert config is None
    (problem,) = problems
    assert problem.code == "unknown-key" and "did you mean 'skills'" in problem.message and problem.line == 2


def test_unknown_section_and_bad_values(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[libary]\nmax_skill_bytes = 10\n')
    _, problems = load_config(path)
    assert "did you mean 'library'" in problems[0].message
    path.write_text('[library]\nmax_skill_bytes = 10\n')
    _, problems = load_config(path)
    assert problems[0].code == "out-of-range" and problems[0].line == 2


def test_no_config_file_means_builtin_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_config(None) == (Config(), [])


def test_model_roles_are_checked(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[models.studnet]\nmodel = "x"\n')
    _, problems = load_config(path)
    assert any("did you mean 'student'" in p.message for p in problems)
    assert any("[models.student] is required" in p.message for p in problems)
    path.write_text('[models.student]\nmodel = "ollama/qwen2.5-coder:1.5b"\n')
    config, problems = load_config(path)
    assert problems == [] and config.models["student"].model == "ollama/qwen2.5-coder:1.5b"
    assert config.models["student"].temperature == 0.7


def test_a_navigator_model_role_is_refused_because_nothing_would_read_it(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[models.student]\nmodel = "local/qwen2.5-coder-1.5b"\n\n[models.navigator]\nmodel = "openai/gpt-4o"\n')
    config, problems = load_config(path)
    assert config is None and "unknown model role [models.navigator]" in str(problems[0])


@pytest.mark.parametrize("name", sorted(p.name for p in (Path(__file__).resolve().parents[1] / "configs").glob("*.toml")))
def test_every_shipped_config_loads_without_a_problem(name):
    config, problems = load_config(Path(__file__).resolve().parents[1] / "configs" / name)
    assert config is not None and problems == [], [str(p) for p in problems]


def test_the_evidence_arms_differ_only_in_their_archive_and_operators():
    root = Path(__file__).resolve().parents[1] / "configs"
    (evolution, _), (gepa, _) = load_config(root / "evidence.toml"), load_config(root / "evidence-gepa.toml")
    assert evolution.run.evolution_trials == gepa.run.evolution_trials >= 150 and evolution.run.test_seeds >= 3
    assert gepa.run.operators == ["dspy-gepa"] and evolution.models == gepa.models
    assert evolution.paths.archive != gepa.paths.archive and evolution.paths.archive.startswith("experiments/")
