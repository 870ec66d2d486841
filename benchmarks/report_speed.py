"""Report speed: the wall time and page size of `evolve report` on a generated run of ~100,000 trials.

    .venv/bin/python benchmarks/report_speed.py [--generations 1000] [--children 10] [--seeds 2] [--keep FILE]

Target (issue 19): ≤ 10 s on 2 cores for 100,000 trials. The run is evolve.archive.synthetic's: every
generation `children` children of the last kept library, each scored on 5 goals × `seeds` seeds, so the
default makes 10,001 libraries and 100,020 trials. Building it is not timed; `--keep FILE` keeps it (and reuses
it when it exists). What is timed is `evolve.visual.build.write_report` on a read-only reader, as `evolve report`
calls it: every canned query, every figure, the page, the file.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generations", type=int, default=1000)
    parser.add_argument("--children", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the archive here (reused when it exists)")
    args = parser.parse_args()

    from evolve.archive import Archive, open_for_reading
    from evolve.archive.synthetic import generate
    from evolve.visual.build import write_report

    folder = Path(tempfile.mkdtemp(prefix="report-speed-"))
    path = args.keep or folder / "evolve.duckdb"
    if not path.exists():
        started = time.perf_counter()
        with Archive.open(path, snapshots=False) as archive:
            generate(archive, generations=args.generations, children=args.children, seeds=args.seeds)
        print(f"built {path} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    with open_for_reading(path) as reader:
        trials = reader.rows("SELECT count(*) AS n FROM trials")[0]["n"]  # (benchmark: not the report's code)
        run_id = reader.latest_run()
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            page = write_report(reader, run_id, folder / "out", ROOT / "archive" / "queries", str(path))
            times.append(time.perf_counter() - started)
    print(f"{trials} trials: report in {', '.join(f'{t:.1f}' for t in times)} s (target ≤ 10 s); "
          f"page {page.stat().st_size / 1e6:.2f} MB ({page})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
