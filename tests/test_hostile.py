"""Hostile notebooks (tests/hostile/*.py): each is evaluated through the real sandbox, the real TVB plugin and
the real trusted replay, and must end as its header declares (see tests/hostile/README.md). None may crash the
evaluator, leak what the notebook must not see, earn credit it did not compute, or change the host."""
from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from evolve import notebook as nb_io
from evolve.config import EvaluationSettings, ScoreWeights
from evolve.evaluation import evaluate
from evolve.goals import load_goal
from evolve.plugin import load_plugin

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).resolve().parent / "hostile"
# Small limits: every attack must be stopped by them, and honest work in these notebooks fits easily.
SETTINGS = EvaluationSettings(cell_timeout_s=60, notebook_timeout_s=120, memory_mb=1536, disk_mb=256,
                              max_tasks=128, replay_timeout_s=300, assess_timeout_s=60)
WEIGHTS = ScoreWeights()
OUTCOMES = {"no-credit", "flagged", "missing", "notebook-error", "contained"}


def header(path: Path) -> dict[str, list[str]]:
    """The `# key: value` lines before the first cell marker."""
    found: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if line.startswith("# %%"):
            break
        match = re.match(r"# (goal|expect|absent|error|limits): (.*)$", line)
        if match:
            found.setdefault(match.group(1), []).append(match.group(2).strip())
    return found


CASES = sorted(HOSTILE.glob("*.py"))


def test_the_suite_has_at_least_25_cases_each_with_a_goal_and_an_outcome():
    assert len(CASES) >= 25
    for path in CASES:
        meta = header(path)
        assert meta.get("goal") and meta.get("expect") and meta["expect"][0] in OUTCOMES, path.name
        assert (ROOT / "goals" / meta["goal"][0]).is_dir(), path.name


@pytest.fixture(scope="module")
def plugin():
    return load_plugin(ROOT / "evaluators" / "tvb")


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    """What the notebooks aim at on the host: a file inside the project, a Unix socket outside /tmp, a TCP
    server on loopback. Yields the substitutions for the notebooks' placeholders."""
    probe_dir = ROOT / ".evolve" / f"hostile-{os.getpid()}"
    probe_dir.mkdir(parents=True, exist_ok=True)
    project_file = probe_dir / "project-file.txt"
    project_file.write_text("untouched\n")
    sock_path = probe_dir / "host.sock"
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind(str(sock_path))
    unix.listen(4)
    tcp = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def answer(server, text):
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.sendall(text)

    threads = [threading.Thread(target=answer, args=(unix, b"HOSTILE_SOCKET_ANSWER"), daemon=True),
               threading.Thread(target=answer, args=(tcp, b"HOSTILE_TCP_ANSWER"), daemon=True)]
    for t in threads:
        t.start()
    readme = hashlib.sha256((ROOT / "README.md").read_bytes()).hexdigest()
    os.environ["HOSTILE_TEST_SECRET"] = "HOSTILE_TEST_SECRET_VALUE"  # the sandbox's allowlist must drop it
    yield {"HOSTILE_SOCKET_PATH": str(sock_path), "HOSTILE_PROJECT_FILE": str(project_file),
           "HOSTILE_TCP_PORT": str(tcp.getsockname()[1]), "_readme": readme, "_project_file": project_file}
    stop.set()
    for t in threads:
        t.join()
    unix.close()
    tcp.close()
    os.environ.pop("HOSTILE_TEST_SECRET", None)
    for leftover in probe_dir.iterdir():
        leftover.unlink()
    probe_dir.rmdir()


def _settings(meta) -> EvaluationSettings:
    changes = {}
    for limits in meta.get("limits", []):
        for item in limits.split():
            key, value = item.split("=")
            changes[key] = type(getattr(SETTINGS, key))(value)
    return replace(SETTINGS, **changes)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_a_hostile_notebook_ends_as_declared(path, plugin, host, tmp_path):
    meta = header(path)
    goal, problems = load_goal(ROOT / "goals" / meta["goal"][0])
    assert not problems
    source = path.read_text()
    for placeholder, value in host.items():
        if not placeholder.startswith("_"):
            source = source.replace(placeholder, value)
    folder = tmp_path / "execution"
    evaluation = evaluate(nb_io.from_reply(source).notebook, goal, plugin, _settings(meta), WEIGHTS, folder)
    # What evolve does next with an execution (as run_trial does): save the executed notebook beside work/.
    nb_io.write(evaluation.notebook, folder / "notebook.ipynb")

    # What the evaluation holds besides the notebook's own source (which names what it looks for).
    outputs = [cell.get("outputs", []) for cell in (evaluation.notebook or {}).get("cells", [])]
    everything = json.dumps(evaluation.to_json(), default=str) + json.dumps(outputs, default=str)
    for text in meta.get("absent", []):
        assert text not in everything, f"{path.name}: {text!r} leaked into the evaluation"
    expect = meta["expect"][0]
    passed = [c.name for c in evaluation.checks if c.passed]
    if expect == "no-credit":
        assert evaluation.status == "scored" and evaluation.score == 0.0, (evaluation.score, passed, evaluation.error)
    elif expect == "flagged":
        assert evaluation.status == "scored" and evaluation.score == 0.0 and evaluation.integrity, (
            evaluation.score, evaluation.integrity, evaluation.replay)
    elif expect == "missing":
        assert evaluation.status == "error" and evaluation.score is None
    elif expect == "notebook-error":
        assert evaluation.status == "scored" and not evaluation.executed, evaluation.error
        assert re.search(meta["error"][0], evaluation.error or ""), evaluation.error
        assert evaluation.score == 0.0
    else:
        assert evaluation.status in ("scored", "error")

    # The host is as it was.
    assert host["_project_file"].read_text() == "untouched\n"
    assert hashlib.sha256((ROOT / "README.md").read_bytes()).hexdigest() == host["_readme"]
    assert not Path("/tmp/hostile-was-here").exists() and not Path("/var/tmp/hostile-was-here").exists()
    assert not (folder / "notebook.ipynb").is_symlink()
