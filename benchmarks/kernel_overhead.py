"""Per-notebook overhead of the sandbox: a cold kernel versus a pre-started one from `KernelPool`.

(a) cold: `execute_notebook` on a notebook that imports `tvb.simulator.lab` and runs a trivial cell
    (kernel start-up + sandbox + import + cell + clean-up);
(b) warm: the same notebook through a `KernelPool` whose kernels preloaded the import, timed from handing
    the notebook to the pool to the record, with a kernel already waiting (the steady state when trials
    take longer than a kernel start, as they do with a model writing the notebook);
(c) back-to-back: the pool (size 1) fed without pause, so each notebook also waits for the refill.

Run: .venv/bin/python benchmarks/kernel_overhead.py [--repeat 5]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nbformat.v4 as v4  # noqa: E402

from evolve.sandbox import KernelPool, Limits, detect_isolation, execute_notebook  # noqa: E402

PRELOAD = "import tvb.simulator.lab"
LIMITS = Limits(cell_timeout_s=120, total_timeout_s=300, memory_mb=4096)


def notebook():
    return v4.new_notebook(cells=[v4.new_code_cell(PRELOAD), v4.new_code_cell("x = 1 + 1\nprint(x)")])


def summary(label: str, times: list[float]) -> str:
    return (f"{label:<34} median {statistics.median(times):6.2f} s   range {min(times):6.2f} – {max(times):6.2f} s"
            f"   ({', '.join(f'{t:.2f}' for t in times)})")


def check(record) -> None:
    if not record.executed:
        raise SystemExit(f"benchmark notebook failed: {record.error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="evolve-bench-"))
    try:
        print(f"isolation: {', '.join(detect_isolation())}")
        print(f"cpus: {os.cpu_count()}   python: {sys.executable}")
        # Warm the page cache once so (a) measures a cold *kernel*, not a cold disk.
        check(execute_notebook(notebook(), root / "warmup", LIMITS))

        cold = []
        for i in range(args.repeat):
            start = time.perf_counter()
            check(execute_notebook(notebook(), root / f"cold-{i}", LIMITS))
            cold.append(time.perf_counter() - start)

        warm, back_to_back = [], []
        with KernelPool(size=1, preload_code=PRELOAD, limits=LIMITS, root=root / "pool") as pool:
            for _ in range(args.repeat):
                pool.wait_ready()
                start = time.perf_counter()
                check(pool.execute(notebook()))
                warm.append(time.perf_counter() - start)
            for _ in range(args.repeat):
                start = time.perf_counter()
                check(pool.execute(notebook()))
                back_to_back.append(time.perf_counter() - start)

        print(summary("(a) cold kernel + import + cell", cold))
        print(summary("(b) pool, preloaded, kernel ready", warm))
        print(summary("(c) pool size 1, back-to-back", back_to_back))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
