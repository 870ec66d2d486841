"""Trace check helpers for sensor monitors and stimulus equations (evaluators/tvb/checks.py: sensor_monitor,
stimulus_equation), on hand-made traces shaped like trace_hook.py's v2 records."""
import copy

from test_tvb_checks import RUN, checks, ctx


def run(monitors=None, stimulus=None):
    record = copy.deepcopy(RUN)
    if monitors is not None:
        record["monitors"] = monitors
    if stimulus is not None:
        record["stimulus"] = stimulus
    return record


SENSORS = [{"class": "TemporalAverage", "period": 1.0},
           {"class": "EEG", "period": 1.0, "sensors": {"class": "SensorsEEG", "number_of_sensors": 65}},
           {"class": "iEEG", "period": 1.0, "sensors": {"class": "SensorsInternal", "number_of_sensors": 588}}]


def test_sensor_monitor_passes_on_class_and_count():
    assert checks.sensor_monitor("s", ctx(run(monitors=SENSORS)), "EEG", 65).passed
    assert checks.sensor_monitor("s", ctx(run(monitors=SENSORS)), "iEEG").passed


def test_sensor_monitor_fails_with_what_was_seen():
    result = checks.sensor_monitor("s", ctx(run(monitors=SENSORS)), "MEG", 276)
    assert not result.passed and "MEG" in result.message and "EEG (SensorsEEG, 65 sensors)" in result.message
    assert not checks.sensor_monitor("s", ctx(run(monitors=SENSORS)), "iEEG", 103).passed


def sinusoid(labels, frequency=0.01, cls="Sinusoid"):
    return {"class": "StimuliRegion", "temporal": {"class": cls, "parameters": {"amp": 0.1, "frequency": frequency}},
            "regions": [35], "region_weights": [1.0], "labels": labels}


def test_stimulus_equation_passes_on_label_class_and_parameters():
    result = checks.stimulus_equation("e", ctx(run(stimulus=sinusoid(["rV1"]))), "rV1", "Sinusoid", {"frequency": 0.01})
    assert result.passed, result.message


def test_stimulus_equation_fails_on_wrong_parameter_class_or_extra_region():
    assert not checks.stimulus_equation("e", ctx(run(stimulus=sinusoid(["rV1"], 10.0))), "rV1", "Sinusoid",
                                        {"frequency": 0.01}).passed
    assert not checks.stimulus_equation("e", ctx(run(stimulus=sinusoid(["rV1"], cls="Cosine"))), "rV1",
                                        "Sinusoid").passed
    result = checks.stimulus_equation("e", ctx(run(stimulus=sinusoid(["rV1", "rV2"]))), "rV1", "Sinusoid")
    assert not result.passed and "Sinusoid(amp=0.1, frequency=0.01) on rV1, rV2" in result.message
