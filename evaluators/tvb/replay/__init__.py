"""Trusted replay: re-run the TVB simulations a notebook's trace (format v2) describes, outside the sandbox,
check them against what the trace claims, and recompute the goal's numbers from the re-run.

Why: a notebook under optimization pressure can write results.json without simulating, or simulate something
else and report memorised numbers. The trace is written by the hook inside the sandbox, so it is hostile input
too: everything here treats it as data (no eval, class names looked up only in TVB's own modules, sidecars
loaded without pickle, sizes capped).

Entry points:
- `run_replay(evidence_dir, goal_dir, timeout_s, memory_mb) -> ReplayReport` (evaluator side, standard library
  only at import): runs `__main__.py` in a subprocess (`python -I`, an allowlisted environment without
  secrets, HOME and tool state dirs in a fresh temp dir, RLIMIT_AS = memory_mb + REPLAY_HEADROOM_MB, its own
  session), waits at most `timeout_s` (then kills the whole process group: "unconfirmed: replay exceeded N s"),
  and reads one JSON report (at most MAX_REPORT_BYTES) from its stdout. A goal without `replay.py` is
  `not-declared` and no process starts. Never raises.
- `replay_evidence(evidence_dir, goal_dir, budget_s) -> dict` (inside that subprocess): the report as JSON data.

What the replay decides (first matching rule wins):
- `forged`: the evidence contradicts itself or the re-run. A run/configure record that is not format v2; two
  records with the same (pid, seq); a run whose simulator has no configure record in any process; an encoded
  array whose values do not hash to its sha256 or lie outside its min/max; a sidecar whose content does not
  match the name or hash the record gives; outputs whose number, sample shape or sample count the described
  monitors cannot produce, or a `simulated_ms` above what its samples cover; stimulus labels that are not the
  connectivity's labels at the weighted regions; a run starting at another time than the replayed simulator;
  and, after the re-run, any monitor whose sample count, times, mean, std, min or max differ from the claim
  (beyond RTOL), or a different `steps` / `simulated_ms`. The reason names the run and the statistic.
- `unconfirmed`: what the replay cannot rebuild, with the reason: a truncated array (the hook keeps 4096
  values), a surface simulation, a model/coupling/integrator/noise/monitor/stimulus class it does not support
  or that is not TVB's own (module outside tvb.simulator), Simulator methods replaced (`simulator.overrides`),
  a run in a forked worker of a simulator configured in another process, components changed between configure
  and run other than parameter values, a missing sidecar, an initial history or state that does not reproduce
  (it depends on something the trace does not record), a run that raised (its simulator's
  later runs), a Bold monitor whose output differs (its HRF is not in the trace), the replay's time budget, a
  crash of the replay process, a goal's recompute that raised. Sensor monitors (EEG, MEG, iEEG): sensors,
  projection or region mapping that are none of the files tvb_data ships, a gain after configure() that is not the
  traced one, an observation-noise stream not saved, and a sensor monitor configured before (reused by another
  simulator or reconfigured: TVB keeps its earlier set-up, the replay builds it afresh) whose output differs.
- `confirmed`: every run was re-run and matched; `recomputed` is the goal's `recompute(runs)` (may be `{}`:
  the reason then says that no run fits what the goal needs).

Policy: every traced run is re-run, not only those the goal's recompute uses, because the goal's trace checks
(`simulated_at_least`, `used_model`, `stimulated_regions`, ...) read every run record: a forged record the
recompute ignores could still earn a check. The cost is bounded by the time budget: an honest notebook's
simulations took at most its own time limit (3x the goal's budget_s), and the replay takes about as long as
the notebook's own simulations (measured below), so a `timeout_s` of 3x budget_s (+ ~10 s start-up) covers any
notebook that stayed inside its limit; beyond that the remaining runs are not re-run and the report is
`unconfirmed: replay budget exhausted after k of n runs`.

Supported: region simulations of any model class in `tvb.simulator.models` (every numeric trait set from the
trace: params + defaults, full arrays; state_variable_range; variables_of_interest), connectivity from its
`conn-*.npz` sidecar (weights, tract_lengths, centres, region_labels, speed, areas, orientations, cortical,
hemispheres; its labels must be TVB's when its weights are the default connectome's), any coupling class in
`tvb.simulator.coupling` (all numeric traits), any integrator in `tvb.simulator.integrators` with dt, noise
`Additive` (and `Multiplicative` with its default `b`) with nsig, ntau, noise_seed and the noise stream state
from the rng sidecars, monitors Raw, RawVoi, SubSample, TemporalAverage, GlobalAverage, AfferentCoupling,
AfferentCouplingTemporalAverage, Bold (default HRF), and EEG, MEG and iEEG rebuilt from the files tvb_data ships
(sensors, projection matrix or TVB's analytic gain, region mapping: identified by the content hashes the trace
records, `rebuild.PROJECTION_MONITORS`), with reference, sigma and observation noise as configured (`obsnoise=None`,
or the noise class, nsig, ntau and seed with its random stream restored from the rng sidecars at configure() and at
each run, so a noisy sensor output is reproduced bitwise and compared as strictly as any other), a `StimuliRegion` stimulus with any temporal equation
class of `tvb.datatypes.equations` (its parameters; the equation string is assumed to be the class default)
and the full weight array, random initial conditions (numpy's global RandomState restored from `rng-*.npz`
right before configure()) or given ones (`given-*.npz`), several configure() calls, run() and generator runs
(an early-stopped generator is stepped to exactly the traced integration step), continuation runs.

Tolerance: RTOL = 1e-6 on mean/std/min/max (relative to the larger of the value and the data's range); the
measurement behind it, and why re-runs on the same machine are bitwise identical, is in `compare.py`.

Measured replay cost, one measurement each (2 cores shared with other work, load ~2): wall time of the whole
replay through the plugin (subprocess start, TVB import, rebuild, re-run, recompute) vs the reference script's
own wall time; in brackets the simulation alone (the trace's wall_s vs the re-run's).
    jansen-rit-alpha           replay 5.7 s vs reference 5.1 s   (run 3.3 s vs 2.9 s)
    stimulus-evoked-response   replay 2.5 s vs reference 2.5 s   (run 0.8 s vs 0.8 s)
    epileptor-focus            replay 9.1 s vs reference 11.3 s  (run 6.7 s vs 8.6 s)
So a replay costs about one more run of the notebook's simulations plus ~2 s of start-up.

Contract for goal authors — `goals/<slug>/replay.py`:
    def recompute(runs: list[ReplayedRun]) -> dict
`runs` holds every confirmed, completed run in trace order (see `ReplayedRun`). Return the results.json keys
you can recompute from the re-run outputs, mirroring the reference's analysis (factor it into a function of
(times, data, labels) so reference and replay read alike); omit keys you cannot recompute; return {} when no
run fits what the goal needs (e.g. no Jansen-Rit run). A key set to None says more: the notebook's simulations
*cannot* give this number (e.g. the only Jansen-Rit run produced one sample, too few for any spectrum); a
reported value that a check credited is then forged. Use None only where no honest analysis of those runs could
produce the number; where you merely cannot tell, omit the key. Pick runs by what was simulated (model class, monitor,
length), never by what the notebook says. Values must be JSON-serialisable (convert numpy numbers). The
function runs in the trusted replay process; if it raises, the report is `unconfirmed` with the traceback.
Helpers: `find_outputs(...)`, `series(...)`, `ReplayedRun.output(...)`, `.voi(...)`, `.label_index(...)`;
for telling conditions apart, `setup.py` (trace_number, close, uniform, stimulus_onset, stimulated_labels,
default_weights, structural_weights, zeroed).

Modules (each with its own contract):
    runs.py      ReplayedRun, find_outputs, series: what a goal's recompute(runs) receives (goal authors' side)
    setup.py     reading a replayed run's set-up (parameters, stimulus, connectome): goal authors' helpers
    process.py   run_replay: the evaluator side (child process, environment, limits, kill, reading the report)
    __main__.py  the child's entry script (`python -I .../replay/__main__.py`)
    verdict.py   replay_evidence: the replay of one evidence folder, the goal's recompute, the report
    evidence.py  reading the trace and its sidecars safely, decoding encoded arrays
    rebuild.py   building TVB components from the trace's descriptions (_Builder, supported monitors)
    rerun.py     configure() and run one traced simulator as the notebook did (RNG state restored)
    compare.py   a run's claims against themselves and against the re-run (RTOL)
    errors.py    Forged, Unconfirmed
Importing the package needs the standard library only (numpy and TVB are imported where used): the evaluator
imports it for `run_replay`.
"""
from __future__ import annotations

from .compare import RTOL, TIME_RTOL
from .errors import Forged, Unconfirmed
from .evidence import (MAX_LINE_BYTES, MAX_SIDECAR_BYTES, MAX_TRACE_BYTES, SIDECAR_NAME, TRACE_FILE, decode_array,
                       read_records)
from .process import (MAX_REPORT_BYTES, REPLAY_HEADROOM_MB, STARTUP_S, apply_limits, child_environment,
                      run_replay)
from .rebuild import ASSUMED_DEFAULTS, NO_PERIOD, PROJECTION_MONITORS, SUPPORTED_MONITORS
from .runs import REPLAY_FILE, ReplayedRun, find_outputs, series
from .verdict import replay_evidence

__all__ = ["ASSUMED_DEFAULTS", "Forged", "MAX_LINE_BYTES", "MAX_REPORT_BYTES",
           "MAX_SIDECAR_BYTES", "MAX_TRACE_BYTES", "NO_PERIOD", "PROJECTION_MONITORS", "REPLAY_FILE", "REPLAY_HEADROOM_MB", "RTOL",
           "ReplayedRun", "SIDECAR_NAME", "STARTUP_S", "SUPPORTED_MONITORS", "TIME_RTOL", "TRACE_FILE", "Unconfirmed",
           "apply_limits", "child_environment", "decode_array", "find_outputs", "read_records", "replay_evidence",
           "run_replay", "series"]
