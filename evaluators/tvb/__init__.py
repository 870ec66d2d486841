"""The Virtual Brain plugin: how a TVB notebook is traced and scanned for known pitfalls.

Loaded by path from the config ([evaluation] plugin = "evaluators/tvb"); the engine sees only `plugin`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from evolve.plugin import Pitfall

from . import pitfalls as _pitfalls
from . import trace as _trace

HERE = Path(__file__).resolve().parent


class TvbPlugin:
    name = "tvb"
    # Completes the student's role sentence "You write Jupyter notebooks that answer …".
    student_role = "computational neuroscience requests with The Virtual Brain (tvb-library 2.10, Python)"

    def startup_files(self) -> list[Path]:
        return [HERE / "trace_hook.py"]

    def preload_code(self) -> str:
        return "import tvb.simulator.lab\n"

    def read_trace(self, workdir: Path) -> list[dict[str, Any]]:
        return _trace.read_trace(workdir)

    def summarize_trace(self, trace: list[dict[str, Any]]) -> str:
        return _trace.summarize(trace)

    def pitfalls(self, code: str) -> list[Pitfall]:
        return _pitfalls.scan(code)


plugin = TvbPlugin()
