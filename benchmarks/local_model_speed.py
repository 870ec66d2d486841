"""Speed of the embedded student model (Qwen2.5-Coder-1.5B Q4_K_M on xllamacpp) on a real-sized prompt.

Prints: assembly (or cache check) time, load time, RSS after load; then for each of --runs answers to a
~650-token prompt (system + a runnable TVB example + a task), computed cold (prompt cache off): prompt
tokens, prompt tok/s, generated tokens, generation tok/s, wall time; then one answer to a *different* task
after the same system + example, with the prompt cache on, to show the shared prefix being reused; and
the process's peak RSS. Numbers depend heavily on other load: llama.cpp's threads synchronise at every
step, so on a busy 2-core machine 2 threads can be far slower than 1 (try --threads 1).

Run: .venv/bin/python benchmarks/local_model_speed.py [--threads 2] [--runs 3] [--max-tokens 400]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evolve.local_model import registry, runtime  # noqa: E402

SYSTEM = ("You are a careful scientific Python programmer. You write code for The Virtual Brain (tvb-library 2.10). "
          "Reply with ONLY one ```python fenced code block and nothing else.")

EXAMPLE = '''Here is a complete, runnable example of a TVB region simulation:

```python
from tvb.simulator.lab import *
import numpy as np
import matplotlib.pyplot as plt

# The default structural connectivity (76 regions) shipped with tvb-data.
conn = connectivity.Connectivity.from_file()
conn.configure()

sim = simulator.Simulator(
    model=models.JansenRit(mu=np.array([0.22]), v0=np.array([6.0])),
    connectivity=conn,
    coupling=coupling.SigmoidalJansenRit(a=np.array([10.0])),
    integrator=integrators.HeunDeterministic(dt=2 ** -4),
    monitors=(monitors.Raw(),),
    simulation_length=500.0,
)
sim.configure()

# run() returns one (time, data) pair per monitor; data has shape (time, state variables, regions, modes).
(time_raw, data_raw), = sim.run()
np.save("jansen_rit_raw.npy", data_raw)

plt.figure(figsize=(10, 4))
plt.plot(time_raw, data_raw[:, 0, :, 0], linewidth=0.5)
plt.xlabel("time (ms)")
plt.ylabel("y0 (mV)")
plt.title("Jansen-Rit, raw monitor, all regions")
plt.savefig("jansen_rit_raw.png", dpi=100)
```

API notes:
- Models live in `models`: `models.Generic2dOscillator()`, `models.JansenRit()`, `models.ReducedWongWang()`.
- Couplings live in `coupling`: `coupling.Linear(a=np.array([0.0152]))`, `coupling.Sigmoidal()`, `coupling.Difference()`.
- Integrators: `integrators.HeunDeterministic(dt=0.1)`, `integrators.HeunStochastic(dt=0.1, noise=noise.Additive(nsig=np.array([1e-5])))`.
- Monitors: `monitors.Raw()`, `monitors.TemporalAverage(period=1.0)`, `monitors.SubSample(period=1.0)`, `monitors.Bold(period=2000.0)`.
- Always call `conn.configure()` and `sim.configure()` before `sim.run()`.
- Parameters are numpy arrays, not plain floats.
- `simulation_length` is in milliseconds.
- With several monitors, `sim.run()` returns one `(time, data)` pair per monitor, in the order given.
- Save arrays with `np.save(name, array)`; save figures with `plt.savefig(name)`; never call `plt.show()`.
'''

TASKS = [
    "Write a short Python snippet that runs a 1-second TVB simulation of the Generic2dOscillator model on the "
    "default connectivity with linear coupling, records it with a TemporalAverage monitor, saves the result "
    "with numpy and plots the region time series with matplotlib.",
    "Write a short Python snippet that runs a 2-second TVB simulation of the ReducedWongWang model on the default "
    "connectivity with linear coupling and additive noise, records it with a SubSample monitor and saves the "
    "mean activity per region with numpy.",
]

SAMPLING = dict(temperature=0.7, top_p=0.8, top_k=20, repeat_penalty=1.05)  # Qwen's recommended settings


def messages(task: str) -> list[dict]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": EXAMPLE + "\n" + task}]


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def row(label: str, r: runtime.ChatResult, wall: float) -> str:
    return (f"{label:<10} prompt {r.prompt_tokens:4d} tok ({r.cached_tokens:4d} cached) {r.prompt_tok_s:7.1f} tok/s | "
            f"gen {r.completion_tokens:4d} tok {r.gen_tok_s:6.1f} tok/s ({r.finish_reason}) | wall {wall:6.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--n-ctx", type=int, default=8192)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=400)
    parser.add_argument("--models-dir", type=Path, default=Path(__file__).resolve().parents[1] / ".evolve" / "models")
    parser.add_argument("--model", default="qwen2.5-coder-1.5b", choices=registry.known_names())
    args = parser.parse_args()
    print(f"cpus {os.cpu_count()}  load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}  "
          f"threads {args.threads}  n_ctx {args.n_ctx}")

    start = time.perf_counter()
    path = registry.gguf_path(args.model, args.models_dir)
    print(f"weights    {path} ({path.stat().st_size / 1e9:.2f} GB) ready in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    model = runtime.get_model(path, n_ctx=args.n_ctx, threads=args.threads)
    print(f"load       {time.perf_counter() - start:.2f} s, RSS after load {rss_mb():.0f} MB, "
          f"listening on {model.listening_address}")

    results = []
    for seed in range(1, args.runs + 1):
        start = time.perf_counter()
        # cache_prompt off: every run computes the whole prompt, so prompt tok/s is the cold speed.
        r = model.chat(messages(TASKS[0]), max_tokens=args.max_tokens, seed=seed, extra={"cache_prompt": False},
                       **SAMPLING)
        wall = time.perf_counter() - start
        results.append((r, wall))
        print(row(f"run {seed}", r, wall))
    if results:
        print(f"median     prompt {statistics.median(r.prompt_tok_s for r, _ in results):.1f} tok/s, "
              f"gen {statistics.median(r.gen_tok_s for r, _ in results):.1f} tok/s, "
              f"wall {statistics.median(w for _, w in results):.1f} s per answer")

    # Prefix reuse: the slot still holds the last prompt; a new task after the same system + example
    # should compute only the tokens after the shared prefix.
    model.chat(messages(TASKS[0]), max_tokens=1, seed=1, **SAMPLING)  # put the prefix in the cache
    start = time.perf_counter()
    r = model.chat(messages(TASKS[1]), max_tokens=args.max_tokens, seed=1, **SAMPLING)
    print(row("prefix", r, time.perf_counter() - start)
          + f" | prompt part {r.prompt_ms / 1000:.1f} s for {r.prompt_tokens - r.cached_tokens} new tokens")

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS   {peak:.0f} MB")
    model.close()


if __name__ == "__main__":
    main()
