"""The Library value: manifest, content-addressed id, immutability, diff, load/write."""
import pytest

from evolve.library import Library, load_library, write_library
from evolve.skills import Skill


def skill(name, body="body"):
    return Skill(name, f"Use when {name} is needed.", body)


def test_id_is_the_hash_of_the_manifest_independent_of_order():
    a = Library.of([skill("a"), skill("b")])
    b = Library.of([skill("b"), skill("a")])
    assert a.id == b.id and len(a.id) == 64
    assert list(a.manifest) == ["a", "b"]
    assert a.id != Library.of([skill("a"), skill("b", "other body")]).id


def test_mutations_return_new_libraries_and_leave_the_old_one_alone():
    base = Library.of([skill("a"), skill("b")])
    child = base.with_skill(skill("b", "changed")).with_skill(skill("c")).without("a")
    assert sorted(base.manifest) == ["a", "b"]
    diff = base.diff(child)
    assert diff.added == ("c",) and diff.removed == ("a",) and diff.changed == ("b",)
    assert str(diff) == "+c -a ~b"
    assert base.diff(base).empty
    with pytest.raises(TypeError):
        base.skills["z"] = skill("z")


def test_duplicate_names_and_missing_skills_are_errors():
    with pytest.raises(ValueError, match="share the name"):
        Library.of([skill("a"), skill("a", "x")])
    with pytest.raises(KeyError, match="no skill named"):
        Library.of([skill("a")]).without("b")


def test_write_then_load_gives_the_same_library(tmp_path):
    library = Library.of([skill("a"), skill("b-c", "# Heading\n\ntext")])
    write_library(library, tmp_path)
    loaded, problems = load_library(tmp_path)
    assert problems == []
    assert loaded.id == library.id
    assert loaded.nbytes == library.nbytes > 0


def test_invalid_skills_are_left_out_and_reported(tmp_path):
    write_library(Library.of([skill("good")]), tmp_path)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "SKILL.md").write_text("no frontmatter")
    loaded, problems = load_library(tmp_path)
    assert list(loaded.manifest) == ["good"]
    assert [p.code for p in problems] == ["missing-frontmatter"]
