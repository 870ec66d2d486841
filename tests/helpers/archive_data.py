"""For the archive tests: expected values computed independently in Python, a second process that holds an
archive open for writing (as `evolve run` does), and an archive as schema version 1 left it. The generated archive
itself is a fixture (tests/conftest.py: `generated_file`, `generated`)."""
from __future__ import annotations

import datetime as dt
import statistics
import subprocess
import sys
from pathlib import Path

import duckdb

from evolve.archive import schema


ROOT = Path(__file__).resolve().parents[2]

# A writer in another process, driven line by line over stdin. Its trials are plain objects with TrialResult's
# fields (the archive reads fields only), so the process starts without importing the model stack.
LIVE_WRITER = r"""
import sys
from types import SimpleNamespace
from evolve.archive import Archive
from evolve.archive.synthetic import seed_library

def trial(lib, goal, seed, score):
    return SimpleNamespace(key=f"{lib[:8]}-{goal}-{seed}", goal=goal, split="val", library_id=lib, model="m",
                           seed=seed, status="scored", score=score, executed=True, stop_reason="solved",
                           injected=[], used=[], over_budget=[], turns=[], checks=[], feedback="",
                           missing_reason=None, wall_s=1.0, cached=False, prompt_tokens=0, completion_tokens=0)

archive = Archive.open(sys.argv[1])
library = seed_library()
run = archive.start_run({"live": True}, seed=library)
generation = 0
print("ready", run, flush=True)
for line in sys.stdin:
    command = line.strip()
    if command == "trials":
        with archive.transaction():
            archive.record_trials(run, generation, [trial(library.id, "goal-c", 10 * generation + s, 0.5)
                                                    for s in range(5)])
        generation += 1
        print("ok", flush=True)
    elif command == "seeds":
        print("seeds", " ".join(l.id for l in archive.pending_seeds(run)) or "-", flush=True)
    elif command == "quit":
        break
archive.close()
print("closed", flush=True)
"""


class LiveWriter:
    """`with LiveWriter(path) as w:` — a second process holding `path` for writing until the block ends."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def __enter__(self) -> LiveWriter:
        self.process = subprocess.Popen([sys.executable, "-c", LIVE_WRITER, str(self.path)], cwd=ROOT, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        first = self.process.stdout.readline().split()
        assert first and first[0] == "ready", first
        self.run_id = first[1]
        return self

    def ask(self, command: str) -> str:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def __exit__(self, *exc) -> None:
        self.goodbye = None
        if self.process.poll() is None:
            self.goodbye = self.ask("quit")  # "closed" once the writer has closed the archive
            self.process.stdin.close()
            self.process.wait(timeout=60)


def val_means(generated, split: str = "val") -> dict:
    """library id (None: no skills) -> (n, mean) over scored trials of `split`, from what the generator wrote."""
    scores: dict = {}
    for _, _condition, result in generated.trials:
        if result.split == split and result.status == "scored":
            scores.setdefault(result.library_id, []).append(result.score)
    return {lib: (len(s), statistics.fmean(s)) for lib, s in scores.items()}


def hand_built_v1(path):
    """An archive as evolve with schema version 1 left it: v1 tables, no views, a little data."""
    now = dt.datetime(2026, 1, 2, 3, 4, 5)
    con = duckdb.connect(str(path))
    con.execute(schema.MIGRATIONS[0][1])
    con.execute("INSERT INTO schema_version VALUES (1, ?, 'core tables')", [now])
    con.execute("INSERT INTO runs VALUES ('run-old', ?, '{}', 'lib-a', '')", [now])
    con.execute("INSERT INTO skills VALUES ('sha-a', 'recipe', 'text', 4, ?)", [now])
    con.execute("INSERT INTO libraries VALUES ('lib-a', MAP(['recipe'], ['sha-a']), 1, 4, ?)", [now])
    con.execute("INSERT INTO edges VALUES (1, 'run-old', 'lib-a', [], 'seed', '', NULL, 0, true, true, ?)", [now])
    con.execute("INSERT INTO trials VALUES (1, 'run-old', 0, 'lib-a', 'population', 'goal-c', 'val', 'm', 0, 'k', 7, "
                "[], [], [], 'scored', 0.5, true, 1, 'solved', NULL, 1, 1, NULL, 1.0, false, ?)", [now])
    con.execute("INSERT INTO score_totals VALUES ('run-old', 'lib-a', 'val', 1, 0.5, 0)")
    con.execute("INSERT INTO evaluations VALUES (1, 'run-old', [{'name': 'c', 'passed': true, 'message': 'ok'}], "
                "'fine', [])")
    con.close()
