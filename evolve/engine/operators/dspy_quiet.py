"""DSPy's and GEPA's logging and progress bars silenced while an operator runs (they print whatever the log level
says otherwise), restored after: no global DSPy state outlives an operator.
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

_quiet_lock = threading.Lock()
_quiet_depth = 0
_quiet_saved: dict = {}


def _silent_bar_class():
    import tqdm

    class SilentBar(tqdm.tqdm):
        """tqdm with the bar disabled: dspy.GEPA passes display_progress_bar=True to gepa, and GEPA's
        bootstrap_trace_data display_progress=True to Evaluate, with no way to turn either off."""

        def __init__(self, *args, **kwargs):
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)

    return SilentBar


_SilentBar = _silent_bar_class()


class _TqdmModule:
    """The `tqdm` module as dspy.utils.parallelizer uses it (`tqdm.tqdm(...)`), with bars disabled."""

    def __init__(self, module):
        self._module = module
        self.tqdm = _SilentBar

    def __getattr__(self, name):
        return getattr(self._module, name)


def _swap(module, name: str, value):
    """Set `module.name` to `value` and return what it was: a patch of a name the module uses but does not export
    (gepa.core.engine's `tqdm`), by name so no private import is implied."""
    old = getattr(module, name)
    setattr(module, name, value)
    return old


@contextmanager
def quiet():
    """DSPy's and GEPA's loggers at ERROR and their progress bars off for the duration; restored after (counted,
    so overlapping operators restore only when the last one ends)."""
    global _quiet_depth
    import tqdm
    import dspy.utils.parallelizer as parallelizer

    try:
        import gepa.core.engine as gepa_engine
    except ImportError:  # gepa is an optional dependency of dspy
        gepa_engine = None
    with _quiet_lock:
        if _quiet_depth == 0:
            _quiet_saved["levels"] = {name: logging.getLogger(name).level for name in ("dspy", "gepa")}
            for name in _quiet_saved["levels"]:
                logging.getLogger(name).setLevel(logging.ERROR)
            _quiet_saved["parallelizer"] = parallelizer.tqdm
            parallelizer.tqdm = _TqdmModule(tqdm)
            if gepa_engine is not None and getattr(gepa_engine, "tqdm", None) is not None:
                _quiet_saved["gepa"] = (gepa_engine, _swap(gepa_engine, "tqdm", _SilentBar))
        _quiet_depth += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0:
                for name, level in _quiet_saved.pop("levels").items():
                    logging.getLogger(name).setLevel(level)
                parallelizer.tqdm = _quiet_saved.pop("parallelizer")
                if "gepa" in _quiet_saved:
                    module, bar = _quiet_saved.pop("gepa")
                    _swap(module, "tqdm", bar)
