"""The Virtual Brain plugin: how a TVB notebook is traced and scanned for known pitfalls.

Loaded by path from the config ([evaluation] plugin = "evaluators/tvb"); the engine sees only `plugin`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from evolve.plugin import Pitfall
from evolve.replay_report import ReplayReport

from . import pitfalls as _pitfalls
from . import trace as _trace

HERE = Path(__file__).resolve().parent
# TVB keeps its settings, logs and caches under $TVB_USER_HOME (~/.tvb-temp without it); the engine and every
# sandbox kernel point it into their state dirs (evolve.plugin.DomainPlugin.state_env), the replay child too.
STATE_ENV = {"TVB_USER_HOME": "tvb"}


class TvbPlugin:
    name = "tvb"
    # Completes the student's role sentence "You write Jupyter notebooks that answer …".
    student_role = "computational neuroscience requests with The Virtual Brain (tvb-library 2.10, Python)"
    state_env = STATE_ENV

    def startup_files(self) -> list[Path]:
        return [HERE / "trace_hook.py"]

    def preload_code(self) -> str:
        return "import tvb.simulator.lab\n"

    def seed_prelude(self, seed: int) -> str:
        """Code run before a notebook so that its randomness depends on `seed` (evolve goals spread): numpy's and
        Python's global generators, and every TVB noise built afterwards — `Noise.__init__` makes its
        `random_stream` from `noise_seed` (tests/test_tvb_facts.py), so the seed is added to each noise's own."""
        return (f"import random as _random\nimport numpy as _np\n_random.seed({seed})\n_np.random.seed({seed})\n"
                "import tvb.simulator.noise as _noise\n_noise_init = _noise.Noise.__init__\n"
                "def _seeded_noise_init(self, *args, **kwargs):\n"
                "    _noise_init(self, *args, **kwargs)\n"
                f"    self.noise_seed = int(self.noise_seed) + {seed}\n"
                "    self.random_stream = _np.random.RandomState(self.noise_seed)\n"
                "_noise.Noise.__init__ = _seeded_noise_init\n")

    def read_trace(self, evidence_dir: Path) -> list[dict[str, Any]]:
        return _trace.read_trace(evidence_dir)

    def did_work(self, trace: list[dict[str, Any]]) -> bool:
        """Some completed run produced monitor samples (v1-style records without outputs: it did not raise)."""
        if hasattr(_trace, "did_work"):
            return _trace.did_work(trace)
        for record in _trace.completed_runs(trace):
            outputs = record.get("outputs")
            if not isinstance(outputs, list) and "v" not in record:
                return True
            if isinstance(outputs, list) and any(isinstance(o, dict) and isinstance(o.get("samples"), int)
                                                 and o["samples"] > 0 for o in outputs):
                return True
        return False

    def replay(self, evidence_dir: Path, goal_dir: Path, timeout_s: float, memory_mb: int) -> ReplayReport:
        """Trusted re-run of the traced simulations in a subprocess (see evaluators/tvb/replay/)."""
        from . import replay as _replay

        return _replay.run_replay(evidence_dir, goal_dir, timeout_s, memory_mb)

    def summarize_trace(self, trace: list[dict[str, Any]]) -> str:
        return _trace.summarize(trace)

    def pitfalls(self, code: str) -> list[Pitfall]:
        return _pitfalls.scan(code)


plugin = TvbPlugin()
