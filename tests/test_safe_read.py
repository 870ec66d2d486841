"""Reading files a hostile process controlled: no links, no FIFOs or devices, bounded size and nesting."""
import json
import os
import tracemalloc

import pytest

from evolve.safe_read import MissingFile, UnsafeFile, json_depth, load_json, read_bounded, read_json


def test_a_regular_file_is_read_whole(tmp_path):
    (tmp_path / "a.json").write_bytes(b'{"x": 1}')
    assert read_bounded(tmp_path / "a.json", 100) == b'{"x": 1}'
    assert read_json(tmp_path / "a.json", 100) == {"x": 1}


def test_a_missing_file_is_its_own_error(tmp_path):
    with pytest.raises(MissingFile, match="does not exist"):
        read_bounded(tmp_path / "nothing.json", 100)
    with pytest.raises(MissingFile):
        read_bounded(tmp_path / "no-folder" / "nothing.json", 100)


def test_a_symlink_to_a_host_file_is_refused_without_reading_it(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text('{"token": "TOPSECRET"}')
    (tmp_path / "results.json").symlink_to(secret)
    with pytest.raises(UnsafeFile, match="results.json is a symbolic link") as caught:
        read_bounded(tmp_path / "results.json", 1000)
    assert "TOPSECRET" not in str(caught.value)


def test_a_file_inside_a_symlinked_folder_is_refused(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "results.json").write_text("{}")
    (tmp_path / "linked").symlink_to(real)
    with pytest.raises(UnsafeFile, match="folder"):
        read_bounded(tmp_path / "linked" / "results.json", 100)


def test_a_fifo_does_not_block_and_is_named(tmp_path):
    os.mkfifo(tmp_path / "trace.jsonl")
    with pytest.raises(UnsafeFile, match="FIFO"):
        read_bounded(tmp_path / "trace.jsonl", 100)


def test_a_link_to_dev_zero_is_refused(tmp_path):
    (tmp_path / "results.json").symlink_to("/dev/zero")
    with pytest.raises(UnsafeFile, match="symbolic link"):
        read_bounded(tmp_path / "results.json", 100)


def test_a_device_or_directory_is_named(tmp_path):
    with pytest.raises(UnsafeFile, match="character device"):
        read_bounded("/dev/null", 100)
    (tmp_path / "results.json").mkdir()
    with pytest.raises(UnsafeFile, match="directory"):
        read_bounded(tmp_path / "results.json", 100)


def test_a_hard_link_to_another_file_is_refused(tmp_path):
    (tmp_path / "other.txt").write_text("{}")
    os.link(tmp_path / "other.txt", tmp_path / "results.json")
    with pytest.raises(UnsafeFile, match="hard link"):
        read_bounded(tmp_path / "results.json", 100)


def test_a_file_over_the_cap_is_refused_with_the_limit_and_without_reading_it(tmp_path):
    big = tmp_path / "results.json"
    with open(big, "wb") as handle:
        handle.truncate(50 << 20)  # a sparse 50 MB file
    tracemalloc.start()
    try:
        with pytest.raises(UnsafeFile, match="over the 1.0 MB size limit"):
            read_bounded(big, 1 << 20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


def test_exactly_the_cap_is_allowed(tmp_path):
    (tmp_path / "f").write_bytes(b"x" * 10)
    assert read_bounded(tmp_path / "f", 10) == b"x" * 10
    with pytest.raises(UnsafeFile, match="size limit"):
        read_bounded(tmp_path / "f", 9)


def test_nesting_is_measured_on_the_text_ignoring_brackets_in_strings():
    assert json_depth(b'{"a": [1, {"b": "[[[{{"}]}') == 3
    assert json_depth(b'"\\"[["') == 0
    assert json_depth(b"42") == 0


def test_a_hundred_thousand_deep_document_is_a_clear_error_not_a_recursion_error():
    with pytest.raises(UnsafeFile, match="100000 levels deep, over the limit of 64"):
        load_json(b"[" * 100_000 + b"]" * 100_000)
    assert load_json(b"[" * 64 + b"]" * 64) is not None


@pytest.mark.parametrize("text, why", [(b'{"x": NaN}', "NaN"), (b'{"x": -Infinity}', "Infinity"),
                                       (b'{"x": 1e999}', "infinity"), (b'{"x": ', "not valid JSON"),
                                       (b'\xff\xfe{', "not valid JSON"), (b"1" * 5000, "not valid JSON")])
def test_json_that_is_not_strict_finite_json_is_refused(text, why):
    with pytest.raises(UnsafeFile, match=why):
        load_json(text, label="results.json")


def test_errors_name_the_file(tmp_path):
    (tmp_path / "results.json").write_text('{"x": NaN}')
    with pytest.raises(UnsafeFile, match="^results.json is not valid JSON"):
        read_json(tmp_path / "results.json", 100)
    assert json.loads("[1]") == load_json(b"[1]")
