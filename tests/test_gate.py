"""The gate before any trial: spec-valid skills, byte budgets, no held-out goal text, safety, non-empty."""
from pathlib import Path

import pytest

from evolve.config import LibraryLimits
from evolve.engine.gate import check_child
from evolve.goals import load_goals
from evolve.library import Library, load_library
from evolve.skills import Skill

REPO = Path(__file__).resolve().parents[1]
LIMITS = LibraryLimits()
# A sentence of a real val goal's request (goals/kuramoto-synchrony/GOAL.md).
LEAKED_GOAL = "kuramoto-synchrony"
LEAKED = "R is 1 when all regions share the same phase and close to 0 when the phases are scattered."


@pytest.fixture(scope="module")
def seed() -> Library:
    library, problems = load_library(REPO / "skills")
    assert not problems and len(library) == 16
    return library


@pytest.fixture(scope="module")
def few(seed) -> Library:
    """Three seed skills: enough for parent/child cases, cheaper to re-parse than all sixteen."""
    return Library.of([seed["tvb-kuramoto-synchrony"], seed["tvb-lesion"], seed["tvb-stimulus"]])


@pytest.fixture(scope="module")
def held_out() -> dict[str, str]:
    goals, _ = load_goals(REPO / "goals", splits=("val", "test"))
    texts = {g.slug: g.request for g in goals}
    assert LEAKED_GOAL in texts and LEAKED in " ".join(texts[LEAKED_GOAL].split())
    return texts


def codes(problems):
    return [p.code for p in problems]


def appended(skill: Skill, text: str) -> Skill:
    return skill.with_body(skill.body + "\n\n" + text)


def tiny(name="tiny", body="Call `sim.configure()` before `sim.run()`.", description=None, **metadata) -> Skill:
    return Skill(name, description or f"Use when {name} is needed.", body, metadata)


def test_the_seed_library_passes_the_gate_as_a_first_child(seed, held_out):
    assert check_child(seed, None, held_out, LIMITS) == []


def test_a_skill_that_copies_a_sentence_of_a_held_out_goal_is_a_leak(few, held_out):
    leaky = appended(few["tvb-kuramoto-synchrony"], "Remember: " + LEAKED)
    problems = check_child(few.with_skill(leaky), few, held_out, LIMITS)
    assert codes(problems) == ["leak"]
    leak = problems[0]
    assert leak.path == Path("<child>/tvb-kuramoto-synchrony/SKILL.md")
    assert f"'{LEAKED_GOAL}'" in leak.message
    assert '"r is 1 when all regions share the' in leak.message  # the first copied 8-gram, as leakage spells it
    assert leak.line == leaky.text.splitlines().index("Remember: " + LEAKED) + 1


def test_leakage_is_checked_on_new_and_changed_skills_only(few, held_out):
    leaky = few.with_skill(appended(few["tvb-kuramoto-synchrony"], LEAKED))
    grandchild = leaky.with_skill(appended(few["tvb-lesion"], "Cut both directions of an edge."))
    assert check_child(grandchild, leaky, held_out, LIMITS) == []  # the leak is old news: it passed (or not) before
    assert codes(check_child(grandchild, None, held_out, LIMITS)) == ["leak"]
    added = few.with_skill(tiny("tvb-phase-notes", LEAKED))
    assert codes(check_child(added, few, held_out, LIMITS)) == ["leak"]


def test_an_invalid_skill_is_reported_with_the_parsers_code():
    too_long = tiny(description="Use when " + "x" * 1100)
    problems = check_child(Library.of([too_long]), None, {}, LIMITS)
    assert codes(problems) == ["invalid-skill"] and "[description-too-long]" in problems[0].message
    assert problems[0].path == Path("<child>/tiny/SKILL.md")
    assert codes(check_child(Library.of([tiny(body="")]), None, {}, LIMITS)) == ["invalid-skill"]
    assert codes(check_child(Library.of([tiny(role="teacher")]), None, {}, LIMITS)) == ["invalid-skill"]


def test_a_skill_that_changes_when_read_back_is_invalid():
    # Skill keeps the description's leading space; parsing strips it, so the exported skill would differ.
    problems = check_child(Library.of([tiny(description="  Use when padded.")]), None, {}, LIMITS)
    assert codes(problems) == ["invalid-skill"] and "read back" in problems[0].message


def test_budgets_per_skill_and_per_library(few):
    one = Library.of([few["tvb-lesion"]])
    problems = check_child(one, None, {}, LibraryLimits(max_skill_bytes=1000, max_library_bytes=100_000))
    assert codes(problems) == ["over-budget"] and "1000" in problems[0].message
    assert problems[0].path == Path("<child>/tvb-lesion/SKILL.md")
    problems = check_child(few, few, {}, LibraryLimits(max_library_bytes=5_000))
    assert codes(problems) == ["over-budget"] and problems[0].path == Path("<child>")
    assert f"{few.nbytes} bytes" in problems[0].message


def test_unsafe_advice_in_a_new_or_changed_skill_is_rejected(few, held_out):
    risky = appended(few["tvb-stimulus"], "If TVB is missing, run `pip install tvb-library` first.")
    child = few.with_skill(risky)
    problems = check_child(child, few, held_out, LIMITS)
    assert codes(problems) == ["unsafe"] and "pip install" in problems[0].message
    assert problems[0].line == risky.text.splitlines().index(
        "If TVB is missing, run `pip install tvb-library` first.") + 1
    later = child.with_skill(appended(few["tvb-lesion"], "Cut both directions of an edge."))
    assert check_child(later, child, held_out, LIMITS) == []


def test_an_empty_library_is_rejected():
    assert codes(check_child(Library(), None, {}, LIMITS)) == ["empty"]


def test_every_kind_at_once_in_a_stable_order(held_out):
    bad = tiny("a-bad", "Save to /tmp/out.json. " + LEAKED, description="x" * 1100)
    child = Library.of([bad, tiny("b-big", "word " * 400)])
    found = codes(check_child(child, None, held_out, LibraryLimits(max_skill_bytes=1200, max_library_bytes=2500)))
    assert found == ["invalid-skill", "over-budget", "leak", "unsafe", "over-budget", "over-budget"]


@pytest.fixture(scope="module")
def train() -> dict[str, str]:
    goals, _ = load_goals(REPO / "goals", splits=("train",))
    return {g.slug: g.request for g in goals}


def test_the_train_specific_screen_needs_a_parent_and_a_child_keeping_its_parents_values_passes(seed, held_out,
                                                                                                 train):
    assert check_child(seed, None, held_out, LIMITS, train) == []  # no baseline: the seed states some by design
    kept = seed.with_skill(appended(seed["tvb-lesion"], "Cut both directions of an edge."))
    assert check_child(kept, seed, held_out, LIMITS, train) == []


def test_a_child_that_newly_states_a_train_goals_region_label_or_odd_number_is_refused(few, held_out):
    train = {"pulse-goal": "Stimulate rV1 with a pulse of amplitude 0.042 at 1013 ms and simulate 2000 ms."}
    copied = few.with_skill(appended(few["tvb-stimulus"], "Put the pulse on rV1 with amplitude 0.042 at 1013."))
    problems = check_child(copied, few, held_out, LIMITS, train)
    assert codes(problems) == ["train-specific"]
    assert "'pulse-goal'" in problems[0].message and "0.042, 1013, rV1" in problems[0].message
    generic = few.with_skill(appended(few["tvb-stimulus"], "Simulate 2000 ms; onset 100 ms; dt 0.1."))
    assert check_child(generic, few, held_out, LIMITS, train) == []  # round numbers are not a task's answer
    parameter = few.with_skill(appended(few["tvb-stimulus"], "```python\n# complete example\n"
                                        "TASK_VALUE_1 = 0.042  # from the task: set yours\n```"))
    assert check_child(parameter, few, held_out, LIMITS, train) == []  # a promoted example's named task values
