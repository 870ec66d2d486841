"""A scripted world for engine tests: a rule-based student and mutator behind litellm's custom-provider hook,
the tiny plugin, four tiny goals (two train, one val, one test) and a seed library of one skill.

The rules make evolution measurable: the student writes a correct notebook only when its skills contain the
marker MAGIC-SUM, and the mutator's rewrite adds that marker. So the seed scores 0 (it runs, but records no work
and its checks fail), a rewritten child scores 1.0, and the engine must find, gate, accept and report it.
"""
from __future__ import annotations

import json
import os
import re
import threading
import time
from pathlib import Path

import litellm
from litellm import CustomLLM

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ROOT = Path(__file__).resolve().parents[2]
MARKER = "MAGIC-SUM"

GOOD = ("```python\n# %%\nimport json\ntotal = sum(record(n) for n in range(1, {k} + 1))\n# %%\n"
        "json.dump({{'total': total}}, open('results.json', 'w'))\n```")
WRONG = ("```python\n# %%\nimport json\ntotal = sum(range(1, {k}))\n# %%\n"
         "json.dump({{'total': total}}, open('results.json', 'w'))\n```")
REWRITE = """```markdown
---
name: counting
description: Use when a request asks to call record() for a range of numbers and write a total.
metadata:
  keywords: count, record, total, sum
  role: student
---

# Counting with record() ({marker})

`record(n)` is predefined and returns n. Call it for every n and sum what it returns:

```python
total = sum(record(n) for n in range(1, K + 1))
```
```"""


class RuleModel(CustomLLM):
    """Replies computed from the request: the student by the marker, the mutator with a fixed rewrite.
    Each student call appends a line to `log` (when set) so a test can see progress from another process."""

    def __init__(self, log: Path | None = None, malformed_first: bool = False, helpful: bool = True,
                 example_imports: list[str] | None = None):
        super().__init__()
        self.log = log
        self.helpful = helpful  # False: the rewrite changes the skill without the marker (a child no better)
        # per mutator call, the module its rewrite's '# complete example' imports (none left: no example)
        self.example_imports = list(example_imports or [])
        self.mutator_prompts: list[str] = []
        # The first student reply also sends a display message whose text/plain is not text (public IPython API):
        # a notebook's malformed output must be its own failure, never the run's.
        self.malformed_first = malformed_first
        self.calls: list[tuple[str, list[dict]]] = []
        self.threads: list[bool] = []  # per call: was it made on the main thread?

    def completion(self, model, messages, *args, **kwargs):
        self.calls.append((model, [dict(m) for m in messages]))
        self.threads.append(threading.current_thread() is threading.main_thread())
        text = "\n".join(str(m.get("content", "")) for m in messages)
        if model.endswith("mutator"):
            reply = REWRITE.format(marker=MARKER if self.helpful else "no marker")
            self.mutator_prompts.append(text)
            if self.example_imports:
                module = self.example_imports.pop(0)
                example = f"\n```python\n# complete example\nimport {module}\nprint('runs')\n```\n```"
                reply = reply[: -len("```")] + example
        elif model.endswith("judge"):  # a rubric verdict: higher for a notebook that ran its record() calls
            good = 5 if "record(" in text else 2
            reply = json.dumps({"correctness": good, "code_quality": 4, "scientific_validity": good,
                                "efficiency": 4, "rationale": "scripted"})
        else:
            if self.log is not None and os.environ.get("EVOLVE_TEST_STUDENT_SLEEP_S"):
                with open(self.log, "a") as sink:
                    sink.write(f"{os.getpid()} sleeping\n")
                time.sleep(float(os.environ["EVOLVE_TEST_STUDENT_SLEEP_S"]))  # a long model call
            found = re.search(r"# Sum to (\d+)", text)
            k = int(found.group(1)) if found else 3
            reply = (GOOD if MARKER in text else WRONG).format(k=k)
            if self.malformed_first:
                self.malformed_first = False
                reply = reply.replace("```python\n", "```python\n# %%\nfrom IPython.display import display\n"
                                      "display({'text/plain': 5}, raw=True)\n", 1)
            if self.log is not None:
                with open(self.log, "a") as sink:
                    sink.write(f"{os.getpid()}\n")
        words = len(text.split())
        return litellm.ModelResponse(choices=[{"message": {"role": "assistant", "content": reply}}], model=model,
                                     usage={"prompt_tokens": words, "completion_tokens": len(reply.split()),
                                            "total_tokens": words + len(reply.split())})


def install(log: Path | None = None, malformed_first: bool = False, helpful: bool = True,
            example_imports: list[str] | None = None) -> RuleModel:
    handler = RuleModel(log, malformed_first, helpful, example_imports)
    others = [p for p in (litellm.custom_provider_map or []) if p["provider"] != "rules"]
    litellm.custom_provider_map = others + [{"provider": "rules", "custom_handler": handler}]
    litellm.utils.custom_llm_setup()
    return handler


def write_config(folder: Path, judge: bool = False, race: dict | None = None, verify_examples: bool = False,
                 **run) -> Path:
    """A complete config file for a tiny run in `folder` (its archive, state and stop file live there). Decisions
    are single-sample unless `race` gives [race] settings (racing adds trials; its own tests turn it on)."""
    settings = {"generations": 2, "children": 1, "population": 2, "train_seeds": 1, "val_seeds": 1,
                "rescore_seeds": 1, "best_of_n": 1, "operators": ["reflective-rewrite"], "seed": 7,
                "stop_file": str(folder / "STOP"), "train_goals": [], "val_goals": [], "test_goals": [],
                "report_every": 0, **run}  # (the HTML report at the end only: each one costs a second or two)
    lines = [f"{k} = {_toml(v)}" for k, v in settings.items()]
    text = f"""
[library]
verify_examples = {_toml(verify_examples)}
example_timeout_s = 60.0

[paths]
skills = "{FIXTURES / 'engine_seed'}"
goals = "{FIXTURES / 'engine_goals'}"
archive = "{folder / 'evolve.duckdb'}"
state = "{folder / 'state'}"

[evaluation]
plugin = "{FIXTURES / 'tiny_plugin'}"
cell_timeout_s = 30.0
notebook_timeout_s = 60.0
memory_mb = 2048
workdir = "{folder / 'executions'}"

[models.student]
model = "rules/student"
max_tokens = 256

[models.mutator]
model = "rules/mutator"
max_tokens = 512

[model_policy]
breaker_threshold = 1
breaker_cooldown_s = 0.0
max_outage_s = 0.0

[judge]
enabled = {_toml(judge)}
model = "rules/judge"

[trial]
max_turns = 1
routing = "all"
cache = false

[race]
{chr(10).join(f"{k} = {_toml(v)}" for k, v in {"enabled": False, **(race or {})}.items())}

[run]
{chr(10).join(lines)}
"""
    path = folder / "run.toml"
    path.write_text(text)
    return path


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}" = {_toml(v)}' for k, v in value.items()) + "}"
    return str(value)
