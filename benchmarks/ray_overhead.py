"""What Ray adds per trial: the same cells through the local executor and the Ray executor, in one run.

Each round runs the same trials (goal × seed, no skills, trial cache off) through `LocalExecutor` with
`--workers` threads and through `RayExecutor` with `--workers` trials in flight, alternating (local, ray, local,
ray, ...) so drift in the machine's load falls on both. The student is scripted (it answers each goal with the
goal's own reference solution, behind litellm's custom-provider hook, in this process and in every Ray worker),
so no model time is spent and what differs is the executor: sending a trial, a worker rebuilding its context,
bringing the result and the calls back. Before timing, one untimed batch warms both (a Ray worker process
imports evolve once and is then reused, as in a long run). Printed: per executor the trials, wall seconds,
seconds per trial, trials/hour and mean score; then the ratio ray/local of seconds per trial and the overhead.

    .venv/bin/python benchmarks/ray_overhead.py                        # the tiny test goals (overhead-dominated)
    .venv/bin/python benchmarks/ray_overhead.py --goals goals --plugin evaluators/tvb --goal jansen-rit-alpha
    .venv/bin/python benchmarks/ray_overhead.py --address 127.0.0.1:6379 --workers 4   # an existing cluster

`--address local` (default) starts a private one-machine Ray for the run (files under /tmp/evolve-ray). Measure
on an idle machine: both sides share its cores.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("TVB_USER_HOME", str(Path(tempfile.gettempdir()) / "evolve-bench-tvb"))
os.environ.setdefault("MPLCONFIGDIR", str(Path(tempfile.gettempdir()) / "evolve-bench-mpl"))
# a private Ray's workers inherit this process's environment: they import this module for the student
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(HERE), str(ROOT), os.environ.get("PYTHONPATH")) if p)

GOALS_ENV = "EVOLVE_BENCH_GOALS"


def setup_worker() -> None:
    """`[executor] worker_setup`: the scripted student in a Ray worker process."""
    install_student(Path(os.environ[GOALS_ENV]))


def install_student(goals_dir: Path) -> None:
    import litellm
    from litellm import CustomLLM

    from evolve.goals import load_goals

    goals, _ = load_goals(goals_dir)
    answers = {goal.request.strip(): goal.reference_path.read_text() for goal in goals}

    class ReferenceStudent(CustomLLM):
        def completion(self, model, messages, *args, **kwargs):
            text = "\n".join(str(m.get("content", "")) for m in messages)
            code = next((answer for request, answer in answers.items() if request in text), "print('?')")
            reply = f"```python\n{code}```"
            return litellm.ModelResponse(choices=[{"message": {"role": "assistant", "content": reply}}], model=model,
                                         usage={"prompt_tokens": len(text.split()),
                                                "completion_tokens": len(reply.split()),
                                                "total_tokens": len(text.split()) + len(reply.split())})

    others = [p for p in (litellm.custom_provider_map or []) if p["provider"] != "bench"]
    litellm.custom_provider_map = others + [{"provider": "bench", "custom_handler": ReferenceStudent()}]
    litellm.utils.custom_llm_setup()


def write_config(folder: Path, goals: Path, plugin: Path, workers: int, address: str) -> Path:
    path = folder / "bench.toml"
    path.write_text(f"""
[paths]
goals = {json.dumps(str(goals))}
state = {json.dumps(str(folder / "state"))}
archive = {json.dumps(str(folder / "bench.duckdb"))}

[evaluation]
plugin = {json.dumps(str(plugin))}
workdir = {json.dumps(str(folder / "executions"))}

[models.student]
model = "bench/student"
max_tokens = 2048

[models.mutator]
model = "bench/mutator"

[trial]
max_turns = 1
routing = "all"
cache = false

[run]
workers = {workers}

[executor]
kind = "ray"
address = {json.dumps(address)}
max_in_flight = {workers}
worker_setup = "ray_overhead.setup_worker"
forward_env = [{json.dumps(GOALS_ENV)}]
""")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goals", type=Path, default=ROOT / "tests" / "fixtures" / "engine_goals")
    parser.add_argument("--plugin", type=Path, default=ROOT / "tests" / "fixtures" / "tiny_plugin")
    parser.add_argument("--goal", action="append", help="goal slugs (default: every goal in --goals)")
    parser.add_argument("--seeds", type=int, default=2, help="seeds per goal in a round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1, help="local threads = Ray trials in flight")
    parser.add_argument("--address", default="local", help='Ray address ("local": a private Ray for this run)')
    args = parser.parse_args()

    from evolve.config import load_config
    from evolve.engine.executor import LocalExecutor, TrialRequest
    from evolve.engine.ray_executor import RayExecutor
    from evolve.goals import load_goals
    from evolve.session import open_session

    goals_dir, plugin = args.goals.resolve(), args.plugin.resolve()
    os.environ[GOALS_ENV] = str(goals_dir)
    install_student(goals_dir)
    goals, _ = load_goals(goals_dir)
    if args.goal:
        goals = [g for g in goals if g.slug in args.goal]
    if not goals:
        print("no goals", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="evolve-ray-bench-"))
    config, problems = load_config(write_config(folder, goals_dir, plugin, args.workers, args.address))
    assert config is not None, problems
    session = open_session(config)
    requests = [TrialRequest(goal, None, seed) for goal in goals for seed in range(args.seeds)]
    executors = {
        "local": LocalExecutor(session.trial_context(workroot=folder / "executions" / "local"), args.workers),
        "ray": RayExecutor(config, session.client, folder / "executions" / "ray"),
    }
    print(f"{len(requests)} trials per round ({len(goals)} goals × {args.seeds} seeds), {args.rounds} rounds, "
          f"{args.workers} at a time; Ray at {args.address}", file=sys.stderr)
    warm = requests[:max(1, args.workers)]
    for executor in executors.values():  # untimed: imports, worker processes, first kernels
        executor.run(warm, lambda request, result: None)
    totals = {name: {"trials": 0, "seconds": 0.0, "scores": []} for name in executors}
    for round_number in range(args.rounds):
        for name, executor in executors.items():
            got: list = []
            started = time.monotonic()
            executor.run(requests, lambda request, result, sink=got: sink.append(result))
            elapsed = time.monotonic() - started
            totals[name]["trials"] += len(got)
            totals[name]["seconds"] += elapsed
            totals[name]["scores"] += [r.score for r in got if r.score is not None]
            print(f"round {round_number + 1} {name}: {len(got)} trials in {elapsed:.1f} s", file=sys.stderr)
    print(f"{'executor':<9} {'trials':>6} {'wall s':>8} {'s/trial':>8} {'trials/h':>9} {'score':>6}")
    per_trial = {}
    for name, total in totals.items():
        per_trial[name] = total["seconds"] / max(1, total["trials"])
        mean = statistics.mean(total["scores"]) if total["scores"] else float("nan")
        print(f"{name:<9} {total['trials']:>6} {total['seconds']:>8.1f} {per_trial[name]:>8.2f} "
              f"{3600 / per_trial[name]:>9.0f} {mean:>6.2f}")
    ratio = per_trial["ray"] / per_trial["local"]
    print(f"ray/local seconds per trial: {ratio:.3f} ({(ratio - 1) * 100:+.1f}%, "
          f"{per_trial['ray'] - per_trial['local']:+.2f} s per trial)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
