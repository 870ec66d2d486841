"""Cores shared by trials that run at once (evolve.cores): a local generation never overlaps a notebook, two
notebooks may overlap on two cores, grants are first come first served, and a model served elsewhere never
waits. Then the same through real trials: two workers, a scripted model registered as a local one, real
sandboxed notebooks."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import litellm
import pytest
from litellm import CustomLLM

import evolve.trial as trial_module
from evolve.config import CallPolicy, EvaluationSettings, RoleSettings, ScoreWeights, TrialSettings
from evolve.cores import NOTEBOOK_UNITS, CoreBudget, weight_of_model
from evolve.engine.executor import LocalExecutor, TrialRequest
from evolve.goals import load_goal
from evolve.models import ModelClient
from evolve.plugin import load_plugin
from evolve.trial import TrialContext

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def intervals_overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def hold_in_thread(budget: CoreBudget, units: int, seconds: float, log: list, name: str) -> threading.Thread:
    def work():
        with budget.hold(units):
            start = time.monotonic()
            time.sleep(seconds)
            log.append((name, start, time.monotonic()))
    thread = threading.Thread(target=work)
    thread.start()
    return thread


def test_a_generation_taking_both_cores_never_runs_beside_a_notebook_and_is_served_in_turn():
    budget, log = CoreBudget(2), []
    first = hold_in_thread(budget, NOTEBOOK_UNITS, 0.4, log, "notebook-1")
    time.sleep(0.05)
    generation = hold_in_thread(budget, 2, 0.3, log, "generation")
    time.sleep(0.05)
    late = hold_in_thread(budget, NOTEBOOK_UNITS, 0.1, log, "notebook-2")  # fits now, but arrived after
    for thread in (first, generation, late):
        thread.join()
    spans = {name: (start, end) for name, start, end in log}
    assert not intervals_overlap(spans["generation"], spans["notebook-1"])
    assert not intervals_overlap(spans["generation"], spans["notebook-2"])
    assert spans["notebook-2"][0] >= spans["generation"][1]  # first come, first served: no starving the big one


def test_two_notebooks_run_at_once_on_two_cores():
    budget, log = CoreBudget(2), []
    threads = [hold_in_thread(budget, NOTEBOOK_UNITS, 0.3, log, f"n{i}") for i in range(2)]
    for thread in threads:
        thread.join()
    (_, a0, a1), (_, b0, b1) = log
    assert intervals_overlap((a0, a1), (b0, b1))


def test_a_request_larger_than_the_machine_is_clamped_and_does_not_wait_forever():
    budget = CoreBudget(2)
    with budget.hold(16) as waited:
        assert waited < 0.1


def test_a_model_served_elsewhere_takes_no_cores_and_never_waits():
    budget = CoreBudget(1)
    assert weight_of_model("openai/gpt-4o-mini", 2) == 0 and weight_of_model("local/qwen2.5-coder-1.5b", 2) == 2
    with budget.hold(1), budget.hold_if(weight_of_model("hosted_vllm/qwen", 2)) as waited:
        assert waited == 0.0


def test_a_core_budget_needs_a_core():
    with pytest.raises(ValueError):
        CoreBudget(0)


GOOD = ("```python\n# %%\nimport json, time\ntime.sleep(0.5)\ntotal = sum(record(n) for n in (1, 2, 3))\n# %%\n"
        "json.dump({'total': total}, open('results.json', 'w'))\n```")


class SlowLocal(CustomLLM):
    """Stands in for the embedded model (registered under the `local` provider): each answer takes 0.4 s."""

    def __init__(self):
        super().__init__()
        self.spans: list[tuple[float, float]] = []
        self.lock = threading.Lock()

    def completion(self, model, messages, *args, **kwargs):
        start = time.monotonic()
        time.sleep(0.4)
        with self.lock:
            self.spans.append((start, time.monotonic()))
        return litellm.ModelResponse(choices=[{"message": {"role": "assistant", "content": GOOD}}], model=model,
                                     usage={"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20})


def test_two_workers_with_a_local_student_never_run_a_notebook_beside_a_generation(tmp_path, monkeypatch):
    model = SlowLocal()
    saved = litellm.custom_provider_map
    litellm.custom_provider_map = [p for p in (saved or []) if p["provider"] != "local"] + \
        [{"provider": "local", "custom_handler": model}]
    litellm.utils.custom_llm_setup()
    notebooks: list[tuple[float, float]] = []
    real_evaluate = trial_module.evaluate

    def timed_evaluate(*args, **kwargs):
        start = time.monotonic()
        try:
            return real_evaluate(*args, **kwargs)
        finally:
            notebooks.append((start, time.monotonic()))

    monkeypatch.setattr(trial_module, "evaluate", timed_evaluate)
    try:
        goal, _ = load_goal(FIXTURES / "tiny_goals" / "count-to-three")
        client = ModelClient({"student": RoleSettings("local/scripted", max_tokens=256)},
                             CallPolicy(breaker_threshold=1, breaker_cooldown_s=0, max_outage_s=0),
                             sleep=lambda s: None)
        ctx = TrialContext(client=client, plugin=load_plugin(FIXTURES / "tiny_plugin"),
                           evaluation=EvaluationSettings(cell_timeout_s=30, notebook_timeout_s=60, memory_mb=2048),
                           weights=ScoreWeights(), settings=TrialSettings(max_turns=1, cache=False),
                           workroot=tmp_path, cores=CoreBudget(2), local_threads=2)
        done = []
        LocalExecutor(ctx, workers=2).run([TrialRequest(goal, None, seed) for seed in range(4)],
                                          lambda request, result: done.append(result))
    finally:
        litellm.custom_provider_map = saved
        litellm.utils.custom_llm_setup()
    assert sorted(r.score for r in done) == [1.0] * 4 and len(model.spans) == 4 and len(notebooks) == 4
    assert not any(intervals_overlap(g, n) for g in model.spans for n in notebooks)
    assert any((r.phases.queue_s or 0) > 0 for r in done)  # someone waited for cores, and it was recorded
