"""Recompute lesion-effect's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations. Conditions are recognised from the simulated
connectivity: the intact run has the default connectome's weights and tract lengths; the lesioned run has them
with one region's row and/or column of weights set to zero (that region is the lesioned one). A ReplayedRun
carries no connectivity arrays, so both are identified by the record's connectivity sha256 (which the replay
verified against the connectivity it re-simulated: sha256 of the float64 bytes of weights, then tract_lengths)
among the default connectome and its single-region lesions (row and column, row only, column only; tract
lengths kept or zeroed alike). The latest ReducedWongWang lesioned run recording S (1 ms TemporalAverage
preferred) is paired with the latest intact one, one with the same model and coupling preferred.

Analysis as in reference.py: per region, the mean S over the last 1000 ms of each run (before the run's
simulated end: t > 1000 ms for the reference's 2000 ms); change = 100 (lesioned / intact - 1); neighbours: the
other regions with a non-zero intact weight to or from the lesioned region; others: the rest but the lesioned
region. n_connections_removed: the entries non-zero in the intact weights and zero in the lesioned ones (the
reference's row + column count, the diagonal once). lesioned_region_index: the region the lesioned run cut (the
reference's index of lM1, which is what it cuts).
"""
import hashlib

import numpy as np

from evaluators.tvb.replay import find_outputs, series

LAST_MS = 1000.0


def mean_activity(times, s, end_ms):
    """The reference's per-region activity: mean of s (time x regions) over the last 1000 ms before end_ms."""
    return s[times > end_ms - LAST_MS].mean(axis=0)


def lesion_summary(w, lesioned_w, m1, s_intact, s_lesion):
    """The reference's numbers from the intact weights, the lesioned weights, the lesioned index and activities."""
    n = w.shape[0]
    neighbours = np.array([j for j in range(n) if j != m1 and (w[m1, j] > 0 or w[j, m1] > 0)], dtype=int)
    others = np.array([j for j in range(n) if j != m1 and j not in neighbours], dtype=int)
    change = 100.0 * (s_lesion / s_intact - 1.0)
    out = {"lesioned_region_index": int(m1),
           "n_connections_removed": int(np.count_nonzero((w != 0) & (lesioned_w == 0)))}
    if neighbours.size:
        out["neighbour_activity_change_pct"] = float(change[neighbours].mean())
    if others.size:
        out["other_activity_change_pct"] = float(change[others].mean())
    return out


def _digest(weights, tract_lengths):
    d = hashlib.sha256()
    d.update(np.ascontiguousarray(weights, dtype=np.float64).tobytes())
    d.update(np.ascontiguousarray(tract_lengths, dtype=np.float64).tobytes())
    return d.hexdigest()


def _known_connectivities():
    """{sha256: (lesioned index or None for intact, weights)} for the default connectome and its lesions."""
    from tvb.datatypes.connectivity import Connectivity

    conn = Connectivity.from_file()
    w = np.asarray(conn.weights, dtype=np.float64)
    tl = np.asarray(conn.tract_lengths, dtype=np.float64)
    known = {_digest(w, tl): (None, w)}
    for i in range(w.shape[0]):
        for rows, cols in ((True, True), (True, False), (False, True)):
            lw, ltl = w.copy(), tl.copy()
            for arr in (lw, ltl):
                if rows:
                    arr[i, :] = 0.0
                if cols:
                    arr[:, i] = 0.0
            if not np.array_equal(lw, w):
                known.setdefault(_digest(lw, tl), (i, lw))
                known.setdefault(_digest(lw, ltl), (i, lw))
    return w, known


def _same_setup(a, b):
    if a.model != b.model or a.coupling != b.coupling or a.dt != b.dt or set(a.model_params) != set(b.model_params):
        return False
    return all(np.array_equal(np.asarray(a.model_params[k]), np.asarray(b.model_params[k])) for k in a.model_params)


def recompute(runs):
    usable = []
    for run, k in find_outputs(runs, model="ReducedWongWang", monitor_classes=("TemporalAverage",), voi="S"):
        digest = ((run.record.get("connectivity") or {}) if isinstance(run.record, dict) else {}).get("sha256")
        if isinstance(digest, str):
            usable.append((run, k, digest))
    if not usable:
        return {}
    w, known = _known_connectivities()
    intact = [(run, k) for run, k, digest in usable if digest in known and known[digest][0] is None]
    lesioned = [(run, k, known[digest]) for run, k, digest in usable if digest in known and known[digest][0] is not None]
    if not intact or not lesioned:
        return {}
    run_l, k_l, (m1, lesioned_w) = lesioned[0]                      # latest first
    run_i, k_i = next(((r, k) for r, k in intact if _same_setup(r, run_l)), intact[0])
    t_i, d_i, _ = series(runs, run_i, k_i)
    t_l, d_l, _ = series(runs, run_l, k_l)
    end_i, end_l = run_i.start_ms + run_i.simulated_ms, run_l.start_ms + run_l.simulated_ms
    if not ((t_i > end_i - LAST_MS).any() and (t_l > end_l - LAST_MS).any()):
        return {}
    s_intact = mean_activity(t_i, d_i[:, run_i.voi(k_i, "S"), :, 0], end_i)
    s_lesion = mean_activity(t_l, d_l[:, run_l.voi(k_l, "S"), :, 0], end_l)
    if not (np.isfinite(s_intact).all() and np.isfinite(s_lesion).all()) or s_intact.shape != s_lesion.shape:
        return {}
    return lesion_summary(w, lesioned_w, m1, s_intact, s_lesion)
