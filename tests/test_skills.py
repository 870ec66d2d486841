"""SKILL.md parsing, validation (one test per kind of malformed skill), normalisation and hashing."""
from pathlib import Path

import pytest

from evolve import skills
from evolve.skills import Skill

GOOD = """---
name: tvb-recipe
description: "Use when: assembling and running a TVB region simulation."
metadata:
  role: student
  keywords: simulator, run, monitor
  always-load: "true"
---

# Recipe

Build the simulator, configure it, run it.
"""


def write(tmp_path: Path, folder: str, text: str | bytes) -> Path:
    skill_dir = tmp_path / folder
    skill_dir.mkdir()
    path = skill_dir / "SKILL.md"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return skill_dir


def codes(tmp_path, folder, text):
    _, problems = skills.load(write(tmp_path, folder, text))
    return [p.code for p in problems], problems


def test_good_skill_loads_with_our_metadata(tmp_path):
    skill, problems = skills.load(write(tmp_path, "tvb-recipe", GOOD))
    assert problems == []
    assert skill.name == "tvb-recipe"
    assert skill.role == "student"
    assert skill.keywords == ("simulator", "run", "monitor")
    assert skill.always_load is True
    assert skill.body.startswith("# Recipe")


MALFORMED = [
    ("missing-frontmatter", "x", "# no frontmatter\n"),
    ("unclosed-frontmatter", "x", "---\nname: x\ndescription: d\n"),
    ("invalid-yaml", "x", "---\nname: x\ndescription: a: b: c\n---\nbody\n"),
    ("missing-name", "x", "---\ndescription: d\n---\nbody\n"),
    ("missing-description", "x", "---\nname: x\n---\nbody\n"),
    ("name-invalid", "Bad_Name", "---\nname: Bad_Name\ndescription: d\n---\nbody\n"),
    ("name-invalid", "caf\u00e9", "---\nname: caf\u00e9\ndescription: d\n---\nbody\n"),  # spec allows, we don't
    ("name-hyphen", "a--b", "---\nname: a--b\ndescription: d\n---\nbody\n"),
    ("name-hyphen", "-ab", "---\nname: -ab\ndescription: d\n---\nbody\n"),
    ("name-too-long", "a" * 65, "---\nname: " + "a" * 65 + "\ndescription: d\n---\nbody\n"),
    ("name-folder-mismatch", "other", "---\nname: x\ndescription: d\n---\nbody\n"),
    ("description-too-long", "x", "---\nname: x\ndescription: " + "d" * 1025 + "\n---\nbody\n"),
    ("unknown-field", "x", "---\nname: x\ndescription: d\nkeywords: a, b\n---\nbody\n"),
    ("metadata-invalid", "x", "---\nname: x\ndescription: d\nmetadata:\n  keywords:\n    - a\n---\nbody\n"),
    ("metadata-unknown", "x", "---\nname: x\ndescription: d\nmetadata:\n  always_load: 'true'\n---\nbody\n"),
    ("metadata-role", "x", "---\nname: x\ndescription: d\nmetadata:\n  role: teacher\n---\nbody\n"),
    ("metadata-flag", "x", "---\nname: x\ndescription: d\nmetadata:\n  always-load: yes\n---\nbody\n"),
    ("metadata-keywords", "x", "---\nname: x\ndescription: d\nmetadata:\n  keywords: a,,b\n---\nbody\n"),
    ("empty-body", "x", "---\nname: x\ndescription: d\n---\n\n"),
    ("body-too-long", "x", "---\nname: x\ndescription: d\n---\n" + "line\n" * 501),
    ("too-large", "x", "---\nname: x\ndescription: d\n---\n" + ("word " * 20 + "\n") * 200),
    ("empty-file", "x", ""),
    ("not-utf8", "x", b"---\nname: x\ndescription: \xff\xfe\n---\nbody\n"),
]


@pytest.mark.parametrize("code,folder,text", MALFORMED, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(MALFORMED)])
def test_each_malformed_skill_is_rejected_with_its_own_code(tmp_path, code, folder, text):
    found, problems = codes(tmp_path, folder, text)
    assert code in found, problems
    problem = next(p for p in problems if p.code == code)
    assert str(problem).startswith(str(tmp_path / folder))  # names the file
    assert problem.message  # says what is wrong


def test_problem_points_at_the_offending_line(tmp_path):
    text = "---\nname: x\ndescription: d\nrole: student\n---\nbody\n"
    _, problems = codes(tmp_path, "x", text)
    (problem,) = problems
    assert problem.line == 4
    assert "metadata: role" in problem.message  # says what to change


def test_missing_skill_file(tmp_path):
    (tmp_path / "x").mkdir()
    skill, problems = skills.load(tmp_path / "x")
    assert skill is None and [p.code for p in problems] == ["missing-skill-file"]


def test_render_parse_round_trip_keeps_content_and_hash():
    skill = Skill("tvb-recipe", "Use when: a value has a colon # and a hash, 'quotes' too", "# T\n\nbody\n",
                  {"role": "student", "keywords": "a, b", "always-load": "true"})
    parsed, problems = skills.parse(skill.text, Path("tvb-recipe/SKILL.md"), "tvb-recipe")
    assert problems == []
    assert parsed == skill
    assert parsed.sha256 == skill.sha256


def test_hash_ignores_line_endings_and_trailing_space_but_not_content():
    a, _ = skills.parse(GOOD, Path("tvb-recipe/SKILL.md"), "tvb-recipe")
    b, _ = skills.parse(GOOD.replace("\n", "  \r\n"), Path("tvb-recipe/SKILL.md"), "tvb-recipe")
    c, _ = skills.parse(GOOD.replace("configure it", "configure it twice"), Path("tvb-recipe/SKILL.md"), "tvb-recipe")
    assert a.sha256 == b.sha256
    assert a.sha256 != c.sha256
    assert len(a.sha256) == 64


def test_write_creates_a_valid_skill_folder(tmp_path):
    skill, _ = skills.parse(GOOD, Path("tvb-recipe/SKILL.md"), "tvb-recipe")
    path = skills.write(skill, tmp_path)
    assert path == tmp_path / "tvb-recipe" / "SKILL.md"
    again, problems = skills.load(path.parent)
    assert problems == [] and again == skill


def test_foreign_metadata_keys_are_allowed(tmp_path):
    text = GOOD.replace("  role: student\n", "  role: student\n  author: someone\n")
    assert codes(tmp_path, "tvb-recipe", text)[0] == []
