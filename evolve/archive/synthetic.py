"""A generated run, for tests and benchmarks: libraries with edges, trials over goals × splits × seeds, calls.

Deterministic, with scores from a formula so every view and query has known answers:
- generation 0: the seed library (quality 0.40) and the no-skills baseline (quality 0.20);
- generation g ≥ 1: `children` children of the previous generation's kept library P; child k appends the
  sentence "Sentence g<g>k<k>." to P's `recipe` skill. Child 0 is kept (quality P + 0.10); the others are
  rejected (quality P − 0.05). In generation 2, child 1 (if any) is a crossover of P and the seed.
- score(library, goal, seed) = clip(quality + SPLIT_OFFSET[split] + 0.01 × seed, 0, 1);
- one trial per library × goal × seed; the last seed's val trials of rejected children are missing;
- checks: 'ran' always passes; 'rate' passes when the score is ≥ 0.5, else says the rate is out of range;
- calls: one mutator call per child, one student call per trial.
`Generated` returns everything written, so a test can compute its own expectations.

Trials and calls are the real records (evolve.records: standard library only, so this module stays light).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..library import Library
from ..records import CallRecord, TrialResult, Turn
from ..skills import Skill

GOALS = (("goal-a", "train"), ("goal-b", "train"), ("goal-c", "val"), ("goal-d", "val"), ("goal-e", "test"))
SPLIT_OFFSET = {"train": 0.10, "val": 0.0, "test": -0.05}
OPERATORS = ("reflective", "compress", "add-skill")
MODEL = "local/tiny"


@dataclass
class Generated:
    run_id: str
    seed: Library
    libraries: dict[str, Library] = field(default_factory=dict)  # id -> library
    quality: dict[str | None, float] = field(default_factory=dict)  # library id (None: no skills) -> quality
    kept: list[str] = field(default_factory=list)  # the kept library of each generation (0: the seed)
    trials: list = field(default_factory=list)  # (generation, condition, TrialResult)
    edges: list[dict] = field(default_factory=list)


def seed_library() -> Library:
    return Library.of([
        Skill("recipe", "Use when writing any simulation: the build, configure, run pattern.",
              "# Recipe\n\nBuild the model, configure it, then run it.\n\n```python\nsim = build()\nsim.run()\n```"),
        Skill("pitfalls", "Use when a simulation misbehaves: the known pitfalls.",
              "# Pitfalls\n\nCall configure before run.", {"keywords": "errors, nan"}),
    ])


def score_of(quality: float, split: str, seed: int) -> float:
    return round(min(1.0, max(0.0, quality + SPLIT_OFFSET[split] + 0.01 * seed)), 6)


def trial_result(library_id: str | None, goal: str, split: str, seed: int, score: float | None,
                 key: str | None = None, model: str = MODEL, real: bool = True, integrity: str | None = None
                 ) -> TrialResult:
    """A trial result as the trial runner makes it (missing when `score` is None; caught forging, with score 0,
    when `integrity` gives a reason). `real` is accepted for older callers: every record is the real one now."""
    passed = score is not None and score >= 0.5
    checks = [{"name": "ran", "passed": True, "message": "the notebook ran"},
              {"name": "rate", "passed": passed,
               "message": "rate within range" if passed else
               f"'rate' = {10 * (score or 0):.1f} Hz is outside the expected range [5, 12] Hz"}]
    turn = Turn(reply="```python\nsim.run()\n```", outcome="evaluated", score=score, executed=True,
                error=None if passed else "ValueError: rate out of range", feedback="feedback",
                prompt_tokens=900, completion_tokens=300, model_s=2.0, exec_s=1.0, conversion="fences")
    return TrialResult(
        key=key or f"k-{(library_id or 'none')[:16]}-{goal}-{seed}", goal=goal, split=split,
        library_id=library_id, model=model, seed=seed, status="scored" if score is not None else "missing",
        score=score, executed=score is not None, stop_reason="solved" if passed else "max-turns",
        injected=["recipe"] if library_id else [], used=["recipe"] if passed and library_id else [],
        turns=[turn] if score is not None else [], checks=checks if score is not None else [],
        feedback="" if passed else "rate out of range", missing_reason=None if score is not None else "provider down",
        wall_s=3.0, isolation=["fresh-folder", "net-namespace"] if score is not None else [],
        replay_status=None if score is None else "forged" if integrity else "confirmed" if passed else None,
        integrity=integrity)


def generate(archive, generations: int = 3, children: int = 2, seeds: int = 2, calls: bool = True) -> Generated:
    """Write one generated run into `archive` (an open Archive), a transaction per generation."""
    seed = seed_library()
    run_id = archive.start_run({"synthetic": True, "generations": generations}, seed=seed)
    out = Generated(run_id, seed, {seed.id: seed}, {seed.id: 0.40, None: 0.20}, [seed.id])

    def trials_for(generation, library_id, condition, missing_last_val=False):
        results = []
        for goal, split in GOALS:
            for s in range(seeds):
                missing = missing_last_val and split == "val" and s == seeds - 1
                score = None if missing else score_of(out.quality[library_id], split, s)
                results.append(trial_result(library_id, goal, split, s, score))
        out.trials += [(generation, condition, r) for r in results]
        archive.record_trials(run_id, generation, results, condition=condition)
        if calls:
            archive.record_calls(run_id, [CallRecord("student", MODEL, MODEL, r.status == "scored", 900, 300, 2.0,
                                                     None if r.status == "missing" else 0.0, 1,
                                                     "provider down" if r.status == "missing" else None)
                                          for r in results], generation)

    with archive.transaction():
        trials_for(0, seed.id, "population")
        trials_for(0, None, "none")
    parent = seed
    for g in range(1, generations + 1):
        with archive.transaction():
            kept: Library | None = None
            for k in range(children):
                sentence = f"Sentence g{g}k{k}."
                child = parent.with_skill(parent["recipe"].with_body(parent["recipe"].body + f"\n\n{sentence}"))
                parents = [parent.id] + ([seed.id] if g == 2 and k == 1 and parent.id != seed.id else [])
                operator = "crossover" if len(parents) > 1 else OPERATORS[(g + k) % len(OPERATORS)]
                call_ids = archive.record_calls(run_id, [CallRecord(
                    "mutator", "strong/model", "strong/model-1", True, 2000, 500, 10.0, 0.01)], g) if calls else [None]
                archive.add_edge(run_id, child, parents, operator, note=f"g{g}: added '{sentence}'",
                                 generation=g, mutator_call=call_ids[0], accepted=(k == 0))
                out.edges.append({"child": child.id, "parents": parents, "operator": operator, "generation": g,
                                  "accepted": k == 0, "sentence": sentence})
                out.libraries[child.id] = child
                out.quality[child.id] = round(out.quality[parent.id] + (0.10 if k == 0 else -0.05), 6)
                trials_for(g, child.id, "population", missing_last_val=(k != 0))
                kept = kept or child
            assert kept is not None, "children >= 1: the first child is kept"
            out.kept.append(kept.id)
            parent = kept
    return out
