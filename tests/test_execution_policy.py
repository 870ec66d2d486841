"""Before notebooks run: weak isolation is refused unless the config accepts it; stale state is cleaned up."""
from __future__ import annotations

import os
import time
from dataclasses import replace

from evolve import execution_policy
from evolve.cli import main
from evolve.config import EvaluationSettings


def test_the_refusal_names_what_is_missing_and_the_key_that_accepts_weaker_isolation():
    assert execution_policy.refusal([], "run") is None
    message = execution_policy.refusal(["mount-allowlist", "unprivileged-user"], "run")
    assert "mount-allowlist, unprivileged-user" in message and 'isolation = "weak"' in message


def test_strict_isolation_on_a_machine_without_it_refuses_before_anything_runs(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(execution_policy, "missing_for_strict", lambda: ["mount-allowlist"])
    config = tmp_path / "strict.toml"
    config.write_text(f'[evaluation]\nworkdir = "{tmp_path / "executions"}"\n[paths]\nstate = "{tmp_path / "state"}"\n')
    assert main(["--config", str(config), "eval", "nothing.ipynb", "--goal", "jansen-rit-alpha"]) == 2
    err = capsys.readouterr().err
    assert "cannot isolate notebooks fully (missing: mount-allowlist)" in err
    assert not (tmp_path / "executions").exists()


def test_weak_isolation_accepted_by_the_config_runs_with_what_is_available(monkeypatch, tmp_path):
    monkeypatch.setattr(execution_policy, "missing_for_strict", lambda: ["mount-allowlist"])
    settings = replace(EvaluationSettings(), isolation="weak", workdir=str(tmp_path / "executions"))
    done = execution_policy.prepare(settings, "eval")
    assert isinstance(done.isolation, list) and "fresh-folder" in done.isolation


def test_preparing_prunes_old_executions_beyond_the_retention_setting(tmp_path):
    root = tmp_path / "executions"
    now = time.time()
    for age in range(4):
        folder = root / "run-x" / f"trial-{age}" / "turn-1"
        (folder / "work").mkdir(parents=True)
        os.utime(folder, (now - 60 * age, now - 60 * age))
    settings = replace(EvaluationSettings(), workdir=str(root), keep_executions=1, isolation="weak")
    done = execution_policy.prepare(settings, "run")
    assert done.pruned == 3
    assert [p.name for p in (root / "run-x").iterdir()] == ["trial-0"]
