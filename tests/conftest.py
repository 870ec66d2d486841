"""Shared test setup: keep every tool's state out of $HOME, and give TVB tests a loaded connectivity."""
import os
import tempfile

import pytest

# Set before any test module imports tvb, litellm, matplotlib or dspy: they read these at import time.
_STATE = tempfile.mkdtemp(prefix="evolve-test-state-")
for _var, _sub in {
    "TVB_USER_HOME": "tvb",
    "MPLCONFIGDIR": "matplotlib",
    "IPYTHONDIR": "ipython",
    "DSPY_CACHEDIR": "dspy",
}.items():
    os.environ.setdefault(_var, os.path.join(_STATE, _sub))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("MPLBACKEND", "Agg")

# Engine tests import the scripted model helper as a plain module.
import sys  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
