"""A skill is its whole folder: SKILL.md plus references/, scripts/ and assets/ (evolve.bundle)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest
from skills_ref.validator import validate as spec_validate

from evolve import bundle
from evolve.archive import Archive
from evolve.archive import seed as seeding
from evolve.cli import main
from evolve.config import LibraryLimits
from evolve.engine.gate import check_child
from evolve.library import Library, load_library, write_library
from evolve.skills import Skill, load, sha256

ONSET = b'''"""Onset detection for a sampled signal."""
import numpy as np


def first_crossing(signal, threshold):
    """Index of the first sample above `threshold`, or -1."""
    above = np.flatnonzero(np.asarray(signal) > threshold)
    return int(above[0]) if above.size else -1
'''
ONSET_TEST = b'''from skill_scripts.onset import first_crossing


def test_first_crossing():
    assert first_crossing([0.0, 0.2, 1.5, 0.1], 1.0) == 2
    assert first_crossing([0.0], 1.0) == -1
'''
PACKAGED = {"references/method.md": b"# Method\n\nThreshold the smoothed trace.  \r\n",
            "scripts/onset.py": ONSET, "scripts/test_onset.py": ONSET_TEST,
            "assets/kernel.bin": bytes(range(256))}


def packaged(body: str = "# Onsets\n\nUse `first_crossing` from `skill_scripts.onset`.") -> Skill:
    return Skill("onsets", "Use when finding when a response starts.", body, {"role": "student"}, {}, PACKAGED)


def plain(name: str = "plain") -> Skill:
    return Skill(name, f"Use when {name} is needed.", f"# {name}\n\nText.")


def test_a_skill_without_bundled_files_keeps_the_hash_of_its_skill_md():
    skill = plain()
    assert skill.files == {} and skill.sha256 == sha256(skill.text) == skill.text_sha256


def test_identity_covers_every_bundled_file_text_normalised_and_binary_by_bytes():
    skill = packaged()
    assert skill.sha256 != skill.text_sha256
    assert skill.files["references/method.md"] == b"# Method\n\nThreshold the smoothed trace.\n"  # normalised
    assert skill.files["assets/kernel.bin"] == bytes(range(256))  # binary: byte for byte
    same = skill.with_files({**PACKAGED, "references/method.md": b"# Method\r\n\r\nThreshold the smoothed trace.\n"})
    assert same.sha256 == skill.sha256
    edited = skill.with_files({**PACKAGED, "references/method.md": b"# Method\n\nThreshold the raw trace.\n"})
    asset = skill.with_files({**PACKAGED, "assets/kernel.bin": bytes(range(255)) + b"\0"})
    renamed = skill.with_files({("references/other.md" if k == "references/method.md" else k): v
                                for k, v in PACKAGED.items()})
    assert len({skill.sha256, edited.sha256, asset.sha256, renamed.sha256}) == 4
    assert skill.nbytes == len(skill.text.encode()) < skill.package_bytes  # a prompt carries SKILL.md only


@pytest.mark.parametrize("path", ["/etc/passwd", "../x.md", "references/../../x", "references\\x.md", ".hidden",
                                  "SKILL.md", ""])
def test_a_skill_refuses_an_unsafe_bundled_path(path):
    with pytest.raises(ValueError, match="not allowed"):
        plain().with_files({path: b"x"})


def test_a_folder_loads_with_its_bundled_files_and_is_written_back_identically(tmp_path):
    library = Library.of([packaged(), plain()])
    write_library(library, tmp_path)
    assert (tmp_path / "onsets" / "assets" / "kernel.bin").read_bytes() == bytes(range(256))
    (tmp_path / "onsets" / "scripts" / "__pycache__").mkdir()
    (tmp_path / "onsets" / "scripts" / "__pycache__" / "onset.cpython-312.pyc").write_bytes(b"\0\1")
    loaded, problems = load_library(tmp_path)
    assert problems == [] and loaded.id == library.id and loaded["onsets"].files == packaged().files
    (tmp_path / "onsets" / "references" / "stale.md").write_text("left over\n")
    write_library(library, tmp_path)  # a stale file would make the folder load as another skill
    assert not (tmp_path / "onsets" / "references" / "stale.md").exists()


def test_validate_says_which_bundled_file_is_wrong(tmp_path, capsys):
    write_library(Library.of([packaged()]), tmp_path)
    scripts = tmp_path / "onsets" / "scripts"
    (scripts / "broken.py").write_text("def f(:\n")
    (scripts / "helper.py").write_text("X = 1\n")  # no test_helper.py
    (scripts / "run.sh").write_text("echo hi\n")
    (tmp_path / "onsets" / "references" / "huge.md").write_text("x" * 70_000)
    outside = tmp_path.parent / f"{tmp_path.name}-secret.txt"
    outside.write_text("secret\n")
    os.symlink(outside, tmp_path / "onsets" / "references" / "link.md")
    _, problems = load(tmp_path / "onsets")
    found = {(p.path.relative_to(tmp_path).as_posix(), p.code) for p in problems}
    assert found == {("onsets/scripts/broken.py", "script-syntax"), ("onsets/scripts/helper.py", "script-untested"),
                     ("onsets/scripts/run.sh", "script-not-python"), ("onsets/references/huge.md", "file-too-large"),
                     ("onsets/references/link.md", "file-symlink")}
    assert main(["validate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "scripts/broken.py:1: does not parse as Python" in err and "scripts/test_helper.py" in err


def test_a_diff_says_which_file_of_a_changed_skill_changed():
    before = Library.of([packaged(), plain()])
    after = before.with_skill(packaged().with_files({**PACKAGED, "references/method.md": b"# Method\n\nNew.\n"}))
    diff = before.diff(after)
    assert diff.changed == ("onsets",) and diff.changed_files == {"onsets": ("references/method.md",)}
    assert str(diff) == "~onsets (references/method.md)"
    body_only = before.with_skill(plain().with_body("# plain\n\nOther text."))
    assert str(before.diff(body_only)) == "~plain"  # a SKILL.md-only change reads as before


def test_a_library_with_bundled_files_round_trips_through_the_archive_export_and_seed(tmp_path, capsys):
    library = Library.of([packaged(), plain()])
    database = tmp_path / "run.duckdb"
    with Archive.open(database, snapshots=False) as archive:
        run_id = archive.start_run(seed=library)
        archive.add_library(library)  # stored once: the same contents again add nothing
        assert archive.library(library.id) == library and archive.library(library.id).id == library.id
        assert archive.rows("SELECT count(*) AS n FROM files")[0]["n"] == 4
        assert archive.rows("SELECT count(*) AS n FROM skill_files")[0]["n"] == 4
    out = tmp_path / "exported"
    assert main(["export", "--run", str(database), "--library", library.id[:12], "--to", str(out)]) == 0
    assert (out / "onsets" / "scripts" / "test_onset.py").read_bytes() == ONSET_TEST
    assert all(spec_validate(out / name) == [] for name in ("onsets", "plain"))  # the spec's own validator
    exported, problems = load_library(out)
    assert problems == [] and "lineage" in exported["onsets"].metadata
    prepared, problems = seeding.prepare(out, _config())
    assert problems == [] and prepared is not None and prepared.id == library.id  # export annotations dropped
    queued = seeding.queue(database, prepared, run_id, "edited", str(out))
    with Archive.open(database, snapshots=False) as archive:
        taken = seeding.take_queued(archive, run_id)
    assert not queued.exists() and [t.library_id for t in taken] == [library.id] and not taken[0].added


def test_the_committed_archives_still_rebuild_every_library_with_its_id(tmp_path):
    committed = sorted(Path("experiments").glob("*/*.duckdb"))
    committed = [p for p in committed if not p.name.endswith(".snapshot.duckdb")]
    assert committed
    for source in committed:
        copy = tmp_path / source.name
        shutil.copyfile(source, copy)
        with Archive.open(copy, snapshots=False) as archive:  # migrated (a copy: the committed file stays as is)
            ids = [r["library_id"] for r in archive.rows("SELECT library_id FROM libraries")]
            assert ids and all(archive.library(i).id == i for i in ids), source
        if source.parent.name in ("harness-v3", "2026-12-evidence"):  # written before bundles existed
            con = duckdb.connect(str(copy), read_only=True)
            assert con.execute("SELECT count(*) FROM skill_files").fetchone() == (0,)
            con.close()


def test_the_gate_screens_bundled_files_and_refuses_script_clashes():
    limits = LibraryLimits()
    parent = Library.of([plain()])
    leaky = packaged().with_files({**PACKAGED, "references/method.md":
                                   b"# Method\n\nsimulate the cortex for two seconds and report the peak frequency\n"})
    unsafe = packaged().with_files({**PACKAGED, "scripts/onset.py": ONSET + b"\nimport subprocess\n"})
    held_out = {"val-goal": "Please simulate the cortex for two seconds and report the peak frequency of it."}
    assert check_child(parent.with_skill(packaged()), parent, held_out, limits) == []
    problems = check_child(parent.with_skill(leaky), parent, held_out, limits)
    assert [(p.code, p.path.as_posix()) for p in problems] == [("leak", "<child>/onsets/references/method.md")]
    problems = check_child(parent.with_skill(unsafe), parent, held_out, limits)
    assert [(p.code, p.path.as_posix(), p.line) for p in problems] == [
        ("unsafe", "<child>/onsets/scripts/onset.py", 10)]
    twin = Skill("twin", "Use when twins.", "# Twin\n\nText.", {}, {}, {k: v for k, v in PACKAGED.items()
                                                                       if k.startswith("scripts/")})
    problems = check_child(parent.with_skill(packaged()).with_skill(twin), parent, {}, limits)
    assert {(p.code, p.path.as_posix()) for p in problems} == {
        ("script-clash", "<child>/twin/scripts/onset.py"), ("script-clash", "<child>/twin/scripts/test_onset.py")}
    untested = packaged().with_files({k: v for k, v in PACKAGED.items() if k != "scripts/test_onset.py"})
    problems = check_child(parent.with_skill(untested), parent, {}, limits)
    assert [(p.code, "[script-untested]" in p.message) for p in problems] == [("invalid-file", True)]


def test_bundle_clashes_name_every_later_owner():
    assert bundle.clashes({"a": {"x.py": b""}, "b": {"x.py": b""}, "c": {"y.py": b""}})[0][:2] == ("b", "x.py")


def _config():
    from evolve.config import load_config

    config, problems = load_config(Path("configs/default.toml"))
    assert not problems
    return config


def test_evolve_seed_refuses_a_skill_whose_script_test_fails_and_adds_nothing(tmp_path, capsys):
    repo = Path(__file__).resolve().parents[1]
    config = tmp_path / "seed.toml"
    config.write_text(f'[paths]\nstate = "{tmp_path / "state"}"\ngoals = "{repo / "goals"}"\n\n[evaluation]\n'
                      f'plugin = "{repo / "tests" / "fixtures" / "tiny_plugin"}"\nworkdir = "{tmp_path / "executions"}"\n')
    database = tmp_path / "run.duckdb"
    with Archive.open(database, snapshots=False) as archive:
        archive.start_run(seed=Library.of([plain()]))
    wrong = b"from skill_scripts.onset import first_crossing\n\n\ndef test_first_crossing():\n" \
            b"    assert first_crossing([0.0, 2.0], 1.0) == 0, 'the first sample is not above'\n"
    folder = tmp_path / "edited"
    write_library(Library.of([plain(), packaged().with_files({**PACKAGED, "scripts/test_onset.py": wrong})]), folder)
    assert main(["--config", str(config), "seed", str(folder), "--run", str(database)]) == 2
    err = capsys.readouterr().err
    assert "the example gate refused" in err and "[script-fails]" in err and "the first sample is not above" in err
    with Archive.open(database, snapshots=False) as archive:
        assert archive.rows("SELECT count(*) AS n FROM edges")[0]["n"] == 1  # the seed's root edge only
    write_library(Library.of([plain(), packaged()]), folder)
    assert main(["--config", str(config), "seed", str(folder), "--run", str(database)]) == 0
