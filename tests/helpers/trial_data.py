"""For the trial tests: a scripted student's replies for the tiny plugin's count-to-three goal (good, broken, prose),
a skill that teaches it, and `context(tmp_path, replies)`: a trial context whose student says those replies."""
from pathlib import Path

from evolve.config import CallPolicy, EvaluationSettings, RoleSettings, ScoreWeights, TrialSettings
from evolve.models import ModelClient
from evolve.plugin import load_plugin
from evolve.skills import Skill
from evolve.trial import TrialContext
from helpers.scripted_llm import install

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GOOD = "```python\n# %%\nimport json\ntotal = sum(record(n) for n in (1, 2, 3))\n# %%\njson.dump({'total': total}, open('results.json', 'w'))\n```"
BROKEN = "```python\n# %%\ntotal = sum(recrd(n) for n in (1, 2, 3))\n```"
PROSE = "You should count to three and then write the file."
SKILL = Skill("counting", "Use when counting with record().", "Call it like this:\n\n```python\n"
              "total = sum(record(n) for n in (1, 2, 3))\n```\n", {"keywords": "count, record, total"})


def context(tmp_path, replies, **settings):
    handler = install("scriptedstudent", replies)
    client = ModelClient({"student": RoleSettings("scriptedstudent/small")}, CallPolicy(breaker_threshold=1,
                         breaker_cooldown_s=0, max_outage_s=0), sleep=lambda s: None)
    trial_settings = TrialSettings(**{"max_turns": 3, "routing": "bm25", **settings})
    ctx = TrialContext(client=client, plugin=load_plugin(FIXTURES / "tiny_plugin"),
                       evaluation=EvaluationSettings(cell_timeout_s=30, notebook_timeout_s=60, memory_mb=2048),
                       weights=ScoreWeights(), settings=trial_settings, workroot=tmp_path / "trials",
                       cache_dir=tmp_path / "cache")
    return ctx, handler
