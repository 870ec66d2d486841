"""A registry of operators, like DEAP's toolbox: register with a weight, choose one at random by weight.

Contract:
- `Toolbox.register(operator, weight=1.0)` adds (or re-weights) an operator under its `name`; weights must be
  finite and ≥ 0 (0 keeps it registered but never chosen). `choose(rng, max_arity=None)` picks by weight among
  operators whose arity fits the parents available; it raises LookupError when none can be chosen.
- `default_toolbox(names, weights)` builds operators by name from `OPERATORS` (name → "module:Class", or
  just "module" to use its one class whose `name` matches), importing each module only when requested, so
  the DSPy operators (and dspy itself) cost nothing unless asked for. `names=None` means the default of
  `[run] operators` (evolve.config.RunSettings): the defaults live in one place. An unknown name, or an
  operator whose module is not there (yet), is a ValueError that says which.
"""
from __future__ import annotations

import importlib
import math
import random
from collections.abc import Iterable, Mapping

from ..config import RunSettings
from .operators.base import Operator

OPERATORS: dict[str, str] = {
    "reflective-rewrite": "evolve.engine.operators.reflective_rewrite:ReflectiveRewrite",
    "add-skill": "evolve.engine.operators.add_skill:AddSkill",
    "split-skill": "evolve.engine.operators.split_skill:SplitSkill",
    "merge-skills": "evolve.engine.operators.merge_skills:MergeSkills",
    "delete-skill": "evolve.engine.operators.delete_skill:DeleteSkill",
    "crossover": "evolve.engine.operators.crossover:Crossover",
    "compress": "evolve.engine.operators.compress:Compress",
    "promote-example": "evolve.engine.operators.promote_example:PromoteExample",
    "error-fact": "evolve.engine.operators.error_fact:ErrorFact",
    "move-to-reference": "evolve.engine.operators.references:MoveToReference",
    "inline-reference": "evolve.engine.operators.references:InlineReference",
    "extract-script": "evolve.engine.operators.extract_script:ExtractScript",
    "rewrite-reference": "evolve.engine.operators.rewrite_reference:RewriteReference",
    # The DSPy operators score candidates themselves (a trial budget) and import dspy: built only on request.
    "dspy-copro": "evolve.engine.operators.dspy_copro:DspyCopro",
    "dspy-gepa": "evolve.engine.operators.dspy_gepa:DspyGepa",
}


class Toolbox:
    def __init__(self) -> None:
        self._operators: dict[str, Operator] = {}
        self._weights: dict[str, float] = {}

    def register(self, operator: Operator, weight: float = 1.0) -> None:
        if not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight < 0:
            raise ValueError(f"operator '{operator.name}': weight must be a finite number ≥ 0, not {weight!r}")
        self._operators[operator.name] = operator
        self._weights[operator.name] = float(weight)

    def unregister(self, name: str) -> None:
        self._operators.pop(name)
        self._weights.pop(name)

    def names(self) -> list[str]:
        return list(self._operators)

    def weights(self) -> dict[str, float]:
        return dict(self._weights)

    def get(self, name: str) -> Operator:
        return self._operators[name]

    def __contains__(self, name: str) -> bool:
        return name in self._operators

    def __len__(self) -> int:
        return len(self._operators)

    def choose(self, rng: random.Random, max_arity: int | None = None) -> Operator:
        """One operator, drawn with probability proportional to its weight (registration order is fixed)."""
        names = [n for n in self._operators
                 if self._weights[n] > 0 and (max_arity is None or self._operators[n].arity <= max_arity)]
        if not names:
            raise LookupError("no operator can be chosen (none registered with weight > 0"
                              + (f" and arity ≤ {max_arity})" if max_arity is not None else ")"))
        return self._operators[rng.choices(names, weights=[self._weights[n] for n in names])[0]]


def build(name: str) -> Operator:
    """A new operator by its `name`, importing its module now."""
    if name not in OPERATORS:
        raise ValueError(f"unknown operator '{name}'; known: {', '.join(OPERATORS)}")
    module_path, _, class_name = OPERATORS[name].partition(":")
    try:
        module = importlib.import_module(module_path)
    except ModuleNotFoundError as error:
        if error.name and module_path.startswith(error.name):
            raise ValueError(f"operator '{name}' is not available: its module {module_path} does not exist") from error
        raise  # the module exists but one of its imports is missing: that is a real error
    if class_name:
        return getattr(module, class_name)()
    found = [obj for obj in vars(module).values()
             if isinstance(obj, type) and getattr(obj, "name", None) == name and hasattr(obj, "propose")]
    if len(found) != 1:
        raise ValueError(f"operator '{name}': expected one class with name = '{name}' in {module_path}, "
                         f"found {len(found)}")
    return found[0]()


def default_toolbox(names: Iterable[str] | None = None, weights: Mapping[str, float] | None = None) -> Toolbox:
    """A toolbox with the named operators (default: [run] operators' default), each weighted 1 unless `weights` says.

    A weight for a known operator that is not chosen is ignored (a config may keep weights for operators it
    switched off); a weight for an unknown name is a ValueError (a typo would otherwise pass silently)."""
    weights = dict(weights or {})
    chosen = list(RunSettings().operators if names is None else names)  # one default: [run] operators
    unknown = sorted(set(weights) - set(OPERATORS))
    if unknown:
        raise ValueError(f"weights given for unknown operator(s) {', '.join(unknown)}; known: {', '.join(OPERATORS)}")
    toolbox = Toolbox()
    for name in chosen:
        toolbox.register(build(name), weights.get(name, 1.0))
    return toolbox
