"""Shared by the archive tests: a generated archive, expected values computed independently in Python, and a
second process that holds an archive open for writing (as `evolve run` does). Its own tests check that the
generated archive is what synthetic.py promises, so the other tests can rely on it."""
from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from evolve.archive import Archive
from evolve.archive.synthetic import GOALS, generate

ROOT = Path(__file__).resolve().parent.parent

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

    def __enter__(self) -> "LiveWriter":
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
    for _, condition, result in generated.trials:
        if result.split == split and result.status == "scored":
            scores.setdefault(result.library_id, []).append(result.score)
    return {lib: (len(s), statistics.fmean(s)) for lib, s in scores.items()}


@pytest.fixture(scope="session")
def generated_file(tmp_path_factory):
    """(path, Generated): one generated run (3 generations × 2 children, 5 goals × 2 seeds), written once."""
    path = tmp_path_factory.mktemp("generated") / "evolve.duckdb"
    with Archive.open(path, snapshots=False) as archive:
        generated = generate(archive)
    return path, generated


@pytest.fixture
def generated(generated_file, tmp_path):
    """A private, writable copy of the generated archive: (path, Generated)."""
    path, record = generated_file
    copy = tmp_path / "evolve.duckdb"
    shutil.copyfile(path, copy)
    return copy, record


def test_the_generated_run_has_what_synthetic_promises(generated_file):
    path, g = generated_file
    with Archive.open(path, snapshots=False) as archive:
        counts = archive.rows("SELECT (SELECT count(*) FROM trials) AS trials, (SELECT count(*) FROM edges) AS edges, "
                              "(SELECT count(*) FROM evaluations) AS evaluations, "
                              "(SELECT count(*) FROM llm_calls) AS calls, (SELECT count(*) FROM libraries) AS libs")[0]
    libraries = 1 + 3 * 2
    assert counts == {"trials": (libraries + 1) * len(GOALS) * 2, "edges": libraries, "evaluations": counts["trials"],
                      "calls": counts["trials"] + 3 * 2, "libs": libraries}
    assert len(g.trials) == counts["trials"] and len(g.kept) == 4
    assert g.quality[g.kept[-1]] == pytest.approx(0.70)
