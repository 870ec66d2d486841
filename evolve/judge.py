"""An optional LLM judge: a rubric score of an executed notebook, blind to the condition that produced it.

The judge is shown the request, the code and the execution evidence (error, results, check outcomes, trace
summary: `evidence_of`) — never which model or skills wrote the notebook. In runs and ablations
(`[judge] enabled`), `trial_judge` gives each trial's final notebook a verdict through the model client's
`judge` role, stored beside — never instead of — the objective score. It must answer one JSON object with an integer
1–5 per rubric dimension. A call that fails or an answer that never parses after the allowed attempts is
*missing data* (`Verdict.status == "missing"`), never a low score. The judge refuses to be the student's model.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Callable

from .templates import render

DIMENSIONS = ("correctness", "code_quality", "scientific_validity", "efficiency")
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


class JudgeConfigError(Exception):
    pass


@dataclass
class Verdict:
    status: str  # "judged" or "missing"
    scores: dict[str, int] = field(default_factory=dict)
    rationale: str = ""
    reason: str | None = None  # why it is missing
    attempts: int = 0
    model: str = ""

    @property
    def mean(self) -> float | None:
        return sum(self.scores.values()) / len(self.scores) if self.status == "judged" else None


def same_model(a: str, b: str) -> bool:
    """True when two model names denote the same model, ignoring provider prefixes, case and tags."""
    def core(name: str) -> str:
        name = name.strip().lower().rsplit("/", 1)[-1].replace(":latest", "").replace(":", "-")
        name = re.sub(r"-(instruct|gguf|q\d\w*)\b", "", name)  # ollama tags and quantisation suffixes
        return re.sub(r"[^a-z0-9.]", "", name)
    return core(a) == core(b)


def parse_verdict(text: str) -> tuple[dict[str, int], str]:
    """The scores and rationale from a judge's answer; ValueError says what was wrong (fed back on retry)."""
    match = _JSON_OBJECT.search(text or "")
    if not match:
        raise ValueError("the answer contained no JSON object")
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError as error:
        raise ValueError(f"the JSON object did not parse: {error}") from error
    scores = {}
    for dimension in DIMENSIONS:
        value = data.get(dimension)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise ValueError(f"'{dimension}' must be an integer from 1 to 5, got {value!r}")
        scores[dimension] = value
    return scores, str(data.get("rationale", ""))


def judge(*, model: str, student_model: str, template: Path, evidence: dict[str, Any],
          complete: Callable[..., Any], max_attempts: int = 3, backoff_s: float = 2.0) -> Verdict:
    """Ask `model` for a rubric verdict on `evidence` (the values the template expects).

    `complete(model=..., messages=...)` is a litellm-compatible completion function."""
    if not model:
        raise JudgeConfigError("no judge model configured ([judge] model)")
    if same_model(model, student_model):
        raise JudgeConfigError(f"the judge model '{model}' is the student model '{student_model}': a model must not "
                               "grade its own work; configure a different [judge] model")
    prompt = render(Path(template).name, folder=Path(template).parent, dimensions=DIMENSIONS, **evidence)
    messages = [{"role": "user", "content": prompt}]
    reason = "no attempt made"
    for attempt in range(1, max_attempts + 1):
        try:
            response = complete(model=model, messages=messages, temperature=0.0)
            text = response.choices[0].message.content or ""
        except Exception as error:  # any provider failure is missing data, retried with backoff
            reason = f"judge call failed: {type(error).__name__}: {str(error).splitlines()[0][:200]}"
            if attempt < max_attempts:
                time.sleep(backoff_s * 2 ** (attempt - 1))
            continue
        try:
            scores, rationale = parse_verdict(text)
        except ValueError as error:
            reason = f"judge answer unusable: {error}"
            messages = messages[:1] + [{"role": "assistant", "content": text},
                                       {"role": "user", "content": f"Your answer was unusable: {error}. Answer again "
                                        "with only the JSON object."}]
            continue
        return Verdict("judged", scores, rationale, None, attempt, model)
    return Verdict("missing", reason=reason, attempts=max_attempts, model=model)


def evidence_of(goal, evaluation, notebook, plugin) -> dict[str, Any]:
    """What the judge template is shown about an executed notebook (blind: nothing about who wrote it)."""
    from . import notebook as nb_io

    try:
        trace_summary = plugin.summarize_trace(evaluation.trace)
    except Exception as error:  # the plugin's fault, not a reason to lose the verdict
        trace_summary = f"(no summary: {type(error).__name__})"
    return dict(request=goal.request, code=nb_io.code_text(notebook), executed=evaluation.executed,
                error=evaluation.error, results=json.dumps(evaluation.results), checks=evaluation.checks,
                trace_summary=trace_summary)


def trial_judge(settings, student_model: str, client, plugin) -> Callable[..., Verdict] | None:
    """For runs and ablations: `verdict(goal, evaluation, notebook)` through `client`'s `judge` role (so its
    calls are shaped, recorded and costed like any other), or None when `settings.enabled` is false.
    Raises JudgeConfigError when the judge would be the student's model."""
    if not settings.enabled:
        return None
    if not settings.model:
        raise JudgeConfigError("[judge] enabled needs [judge] model")
    if same_model(settings.model, student_model):
        raise JudgeConfigError(f"the judge model '{settings.model}' is the student model '{student_model}': a "
                               "model must not grade its own work")

    def complete(model: str, messages: list, temperature: float = 0.0):
        return client.complete("judge", messages, model=model, temperature=temperature).raw

    def verdict(goal, evaluation, notebook) -> Verdict:
        return judge(model=settings.model, student_model=student_model, template=Path(settings.template),
                     evidence=evidence_of(goal, evaluation, notebook, plugin), complete=complete,
                     max_attempts=settings.max_attempts)
    return verdict
