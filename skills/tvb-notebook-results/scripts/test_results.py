import json
import os
import tempfile

import numpy as np

from skill_scripts.results import plain, save_results


def test_numpy_values_of_every_kind_become_plain_json():
    labels = np.array(["rV1", "lV1"])
    value = {"peak": np.float64(10.5), "n": np.int64(3), "ok": np.bool_(True), "series": np.arange(3) / 2,
             "labels": labels, "nested": {"x": np.float32(0.25)}, "first": labels[0], "grid": np.eye(2)}
    assert plain(value) == {"peak": 10.5, "n": 3, "ok": True, "series": [0.0, 0.5, 1.0], "labels": ["rV1", "lV1"],
                            "nested": {"x": 0.25}, "first": "rV1", "grid": [[1.0, 0.0], [0.0, 1.0]]}


def test_results_are_written_and_read_back():
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "results.json")
    save_results({"rate": np.float64(2.0), "counts": np.array([1, 2])}, path)
    with open(path) as f:
        assert json.load(f) == {"rate": 2.0, "counts": [1, 2]}


def test_a_nan_is_refused_by_name_and_nothing_is_written():
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "results.json")
    try:
        save_results({"fine": 1.0, "fc": {"mean": float("nan")}, "series": [1.0, np.inf]}, path)
        raise AssertionError("NaN should be refused")
    except ValueError as error:
        assert "fc.mean" in str(error) and "series[1]" in str(error)
    assert not os.path.exists(path)
