import numpy as np

from skill_scripts.onset import baseline, first_crossing


def test_a_step_after_the_onset_is_found_at_its_first_sample():
    t = np.arange(0.0, 1000.0, 1.0)
    x = np.where(t >= 520.0, 1.0, 0.0) + 0.01 * np.sin(t)
    mean, sd = baseline(t, x, before_ms=500.0, after_ms=100.0)
    assert abs(mean) < 0.02 and sd < 0.02
    assert first_crossing(t, x, mean + 5 * sd + 0.1, after_ms=500.0) == 520.0
    assert first_crossing(t, -x, -0.5, after_ms=500.0, direction="down") == 520.0


def test_no_crossing_is_none_and_a_bad_window_is_a_clear_error():
    t = np.arange(0.0, 100.0, 1.0)
    assert first_crossing(t, np.zeros(100), 1.0) is None
    try:
        baseline(t, np.zeros(100), before_ms=1.0)
        raise AssertionError("an empty window should be refused")
    except ValueError as error:
        assert "widen" in str(error)
