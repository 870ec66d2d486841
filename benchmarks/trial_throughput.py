"""Trials per hour, and where a trial's time goes, for two configurations measured side by side in one run.

The same fixed cells (goal × seed) run under configuration A and under configuration B, in alternating rounds
(A, B, A, B, ...) so that drift in the machine's load falls on both; each configuration's trials go through the
real `LocalExecutor` with its `[run] workers`, real sandboxed kernels and real TVB notebooks. Printed per
configuration: trials, wall time, trials/hour, mean seconds per phase (evolve.phases: queue, model, kernel
start, imports, execution, checks, replay), mean score and the share of prompt tokens the model served from its
KV cache (providers that report it: the embedded model does); then the ratio B/A of trials/hour.

The student:
- `--student reference` (default): a scripted model behind litellm's custom-provider hook that answers each
  goal with its own reference solution, so no model time is spent and the harness + notebook overhead is
  what is measured (every trial should score 1.0: a lower score means the harness broke something);
- `--student local`: the embedded local model (slow: minutes per trial; run it on an idle machine only);
- `--student NAME`: any litellm model name configured in --config.

Configurations are the config file plus overrides `SECTION.KEY=VALUE` (VALUE parsed as JSON when it can be, else
a string). Defaults compare cold kernels with warm ones:

    .venv/bin/python benchmarks/trial_throughput.py                       # A: warm_kernels=0, B: warm_kernels=1
    .venv/bin/python benchmarks/trial_throughput.py --a run.workers=1 --b run.workers=2 --rounds 2
    .venv/bin/python benchmarks/trial_throughput.py --goal jansen-rit-alpha --seeds 3

Measure on an idle machine: anything else busy on the 2 cores changes both sides, and the local model most.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("TVB_USER_HOME", str(Path(tempfile.gettempdir()) / "evolve-bench-tvb"))
os.environ.setdefault("MPLCONFIGDIR", str(Path(tempfile.gettempdir()) / "evolve-bench-mpl"))

import litellm  # noqa: E402
from litellm import CustomLLM  # noqa: E402

from evolve.config import load_config  # noqa: E402
from evolve.engine.executor import LocalExecutor, TrialRequest  # noqa: E402
from evolve.goals import load_goal  # noqa: E402
from evolve.library import load_library  # noqa: E402
from evolve.phases import NAMES, Phases  # noqa: E402
from evolve.session import open_session  # noqa: E402

DEFAULT_GOALS = ("jansen-rit-alpha", "wilson-cowan-coupling", "connectivity-normalisation")


class ReferenceStudent(CustomLLM):
    """Answers with the reference solution of the goal whose request is in the prompt."""

    def __init__(self, goals):
        super().__init__()
        self.goals = goals

    def completion(self, model, messages, *args, **kwargs):
        text = "\n".join(str(m.get("content", "")) for m in messages)
        goal = next((g for g in self.goals if g.request.strip()[:200] in text), None)
        reply = "```python\n" + (goal.reference_path.read_text() if goal else "print('no goal found')") + "\n```"
        return litellm.ModelResponse(choices=[{"message": {"role": "assistant", "content": reply}}], model=model,
                                     usage={"prompt_tokens": len(text.split()), "completion_tokens": len(reply.split()),
                                            "total_tokens": len(text.split()) + len(reply.split())})


def override(config, assignments: list[str]):
    """`config` with SECTION.KEY=VALUE assignments applied (dataclasses.replace, so types are the config's)."""
    for assignment in assignments:
        path, _, raw = assignment.partition("=")
        section, _, key = path.partition(".")
        if not key or not hasattr(config, section) or not hasattr(getattr(config, section), key):
            raise SystemExit(f"trial_throughput: unknown setting '{path}' (SECTION.KEY, e.g. evaluation.warm_kernels)")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        config = replace(config, **{section: replace(getattr(config, section), **{key: value})})
    return config


def run_round(config, requests, workroot: Path) -> tuple[float, list, list]:
    """(wall seconds, trial results, the student's call records) of one configuration's pass over the cells."""
    session = open_session(config)
    try:
        ctx = session.trial_context(workroot=workroot)
        if ctx.kernels is not None:
            ctx.kernels.wait_ready(timeout=120)  # a run's pool is warm after its first trial: start it so
        results = []
        started = time.monotonic()
        LocalExecutor(ctx, config.run.workers).run(requests, lambda request, result: results.append(result))
        return time.monotonic() - started, results, session.client.drain()
    finally:
        session.close()


def summary(name: str, assignments: list[str], wall: float, results: list, calls: list) -> dict:
    total = Phases()
    for result in results:
        total = total.add(result.phases)
    n = max(1, len(results))
    scores = [r.score for r in results if r.score is not None]
    reporting = [c for c in calls if c.ok and c.cached_tokens is not None]
    prompt = sum(c.prompt_tokens for c in reporting)
    return {"name": name, "settings": " ".join(assignments) or "(config as is)", "trials": len(results),
            "kv_cache_hit": (sum(c.cached_tokens for c in reporting) / prompt) if prompt else None,
            "wall_s": wall, "per_hour": 3600 * len(results) / wall if wall else 0.0,
            "score": statistics.mean(scores) if scores else None,
            "missing": sum(r.score is None for r in results),
            "phases": {k: (None if v is None else v / n) for k, v in total.as_dict().items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=None, help="the config file (default: configs/default.toml)")
    parser.add_argument("--student", default="reference", help="reference (scripted), local, or a litellm name")
    parser.add_argument("--goal", action="append", dest="goals", help=f"a goal slug (repeatable; default: "
                                                                       f"{', '.join(DEFAULT_GOALS)})")
    parser.add_argument("--seeds", type=int, default=2, help="seeds per goal (default 2)")
    parser.add_argument("--rounds", type=int, default=1, help="alternating rounds of A then B (default 1)")
    parser.add_argument("--skills", choices=("seed", "none"), default="seed", help="the seed skills or none")
    parser.add_argument("--a", action="append", default=None, help="an override for configuration A (repeatable)")
    parser.add_argument("--b", action="append", default=None, help="an override for configuration B (repeatable)")
    parser.add_argument("--json", type=Path, help="also write the two summaries here")
    args = parser.parse_args()
    a_set = args.a if args.a is not None else ["evaluation.warm_kernels=0"]
    b_set = args.b if args.b is not None else ["evaluation.warm_kernels=1"]

    config, problems = load_config(args.config)
    if config is None:
        raise SystemExit("trial_throughput: " + "; ".join(map(str, problems)))
    goals = []
    for slug in args.goals or DEFAULT_GOALS:
        goal, goal_problems = load_goal(ROOT / config.paths.goals / slug)
        if goal is None:
            raise SystemExit(f"trial_throughput: goal '{slug}': " + "; ".join(map(str, goal_problems)))
        goals.append(goal)
    student = {"reference": "bench/reference", "local": config.models["student"].model}.get(args.student,
                                                                                           args.student)
    if student == "bench/reference":
        litellm.custom_provider_map = [{"provider": "bench", "custom_handler": ReferenceStudent(goals)}]
        litellm.utils.custom_llm_setup()
    config = replace(config, models={**config.models, "student": replace(config.models["student"], model=student)},
                     trial=replace(config.trial, cache=False, max_turns=1))
    library = None
    if args.skills == "seed":
        library, _ = load_library(ROOT / config.paths.skills, max_skill_bytes=config.library.max_skill_bytes)
    requests = [TrialRequest(goal, library, seed) for goal in goals for seed in range(args.seeds)]

    sides = {"A": (override(config, a_set), a_set), "B": (override(config, b_set), b_set)}
    walls = {"A": 0.0, "B": 0.0}
    results: dict[str, list] = {"A": [], "B": []}
    calls: dict[str, list] = {"A": [], "B": []}
    with tempfile.TemporaryDirectory(prefix="evolve-throughput-") as scratch:
        for round_number in range(args.rounds):
            for side, (side_config, _) in sides.items():
                print(f"round {round_number + 1}/{args.rounds}, configuration {side}: {len(requests)} trials",
                      file=sys.stderr, flush=True)
                wall, got, made = run_round(side_config, requests, Path(scratch) / f"{side}-{round_number}")
                walls[side] += wall
                results[side] += got
                calls[side] += made
    rows = [summary(side, sides[side][1], walls[side], results[side], calls[side]) for side in sides]
    print(f"student {student}; {len(goals)} goal(s) × {args.seeds} seed(s) × {args.rounds} round(s) per side")
    header = ["", *[f"{r['name']}: {r['settings']}" for r in rows]]
    lines = [("trials (missing)", *[f"{r['trials']} ({r['missing']})" for r in rows]),
             ("wall s", *[f"{r['wall_s']:.1f}" for r in rows]),
             ("trials/hour", *[f"{r['per_hour']:.1f}" for r in rows]),
             ("mean score", *["-" if r["score"] is None else f"{r['score']:.3f}" for r in rows]),
             ("KV-cache hit", *["-" if r["kv_cache_hit"] is None else f"{r['kv_cache_hit']:.0%}" for r in rows])]
    lines += [(f"mean {name}", *["-" if r["phases"][name] is None else f"{r['phases'][name]:.2f}" for r in rows])
              for name in NAMES]
    width = max(len(str(c)) for line in [header, *lines] for c in line) + 2
    for line in [header, *lines]:
        print("".join(str(c).ljust(width) for c in line))
    ratio = rows[1]["per_hour"] / rows[0]["per_hour"] if rows[0]["per_hour"] else float("nan")
    print(f"B/A trials per hour: {ratio:.2f}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "ratio": ratio}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
