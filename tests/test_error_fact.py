"""error-fact: an error that recurs in train failures becomes one verified fact (from the facts index, whose every
row a TVB fact test confirms) in the skill the student was shown; never a sentence of its own; declines cleanly."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from evolve.config import LibraryLimits
from evolve.engine.operators.base import Failure, OperatorDeclined, OperatorInput
from evolve.engine.operators.error_fact import HEADING, ErrorFact, matching_facts, with_fact
from evolve.engine.toolbox import default_toolbox
from evolve.facts import Fact, read_index
from evolve.library import Library
from evolve.skills import Skill

ROOT = Path(__file__).resolve().parents[1]
FACTS = tuple(read_index(ROOT / "docs" / "tvb-facts.md"))  # the real index: the operator's own source
PARAMETERS = Skill("tvb-parameters", "Use when setting model, coupling or noise parameters of a simulation.",
                   "Set parameters as arrays.", {"role": "student", "keywords": "parameter, array, NArray"})
MONITORS = Skill("tvb-monitors", "Use when recording a simulation with monitors (BOLD, EEG, averages).",
                 "Pick monitors.", {"role": "student", "keywords": "monitor, Bold, period"})
PARENT = Library.of([PARAMETERS, MONITORS])
TRAIT = ("Traceback (most recent call last):\n---> 86 raise TraitTypeError(...)\n"
         "TraitTypeError: Attribute can't be set to an instance of <class '{kind}'>")


def failure(goal, feedback, injected=("tvb-monitors", "tvb-parameters")):
    return Failure(goal, f"Simulate the {goal} network and report its rate.", 0.0, feedback, injected, "")


def given(failures, facts=FACTS, parents=(PARENT,)):
    return OperatorInput(parents=tuple(parents), failures=tuple(failures), limits=LibraryLimits(),
                         rng=random.Random(0), facts=facts)


def test_a_recurring_trait_error_adds_the_tested_fact_about_array_parameters():
    failures = [failure("a-goal", TRAIT.format(kind="float")), failure("b-goal", TRAIT.format(kind="numpy.float64")),
                failure("c-goal", "NameError: name 'np' is not defined")]
    proposal = ErrorFact().propose(given(failures), client=None)
    body = proposal.child["tvb-parameters"].body
    assert PARENT.diff(proposal.child).changed == ("tvb-parameters",) and not proposal.calls
    (added,) = [f for f in FACTS if f"- {f.text}" in body]
    assert HEADING in body and "TraitTypeError" in added.text and added.test in proposal.note
    assert "recurred in 2 train failures" in proposal.note


def test_a_monitor_name_that_does_not_exist_adds_the_fact_that_names_it():
    error = "AttributeError: module 'tvb.simulator.monitors' has no attribute 'BOLD'"
    proposal = ErrorFact().propose(given([failure("a", error), failure("b", error)]), client=None)
    body = proposal.child["tvb-monitors"].body
    assert "`monitors.BOLD` (use `monitors.Bold`)" in body


def test_an_error_seen_once_or_matching_no_fact_is_declined_with_the_reason():
    with pytest.raises(OperatorDeclined, match="no error recurs"):
        ErrorFact().propose(given([failure("a", TRAIT.format(kind="int"))]), client=None)
    unknown = "ModuleNotFoundError: No module named 'tvb.basic.simulator'"
    with pytest.raises(OperatorDeclined, match="no verified fact speaks to.*ModuleNotFoundError"):
        ErrorFact().propose(given([failure("a", unknown), failure("b", unknown)]), client=None)
    with pytest.raises(OperatorDeclined, match="facts_index is empty"):
        ErrorFact().propose(given([failure("a", unknown), failure("b", unknown)], facts=()), client=None)


def test_a_fact_the_library_already_states_is_not_added_twice():
    failures = [failure("a", TRAIT.format(kind="float")), failure("b", TRAIT.format(kind="int"))]
    first = ErrorFact().propose(given(failures), client=None).child
    (stated,) = [f for f in FACTS if f"- {f.text}" in first["tvb-parameters"].body]
    second = ErrorFact().propose(given(failures, parents=(first,)), client=None).child
    assert second["tvb-parameters"].body.count(f"- {stated.text}") == 1  # the next fact, if any, not this one again
    assert second.id != first.id


def test_vague_overlap_is_not_enough_the_fact_must_name_the_error_or_what_it_quotes():
    facts = (Fact("a monitor records every period of the simulation", "test_one"),
             Fact("a Python float raises TraitTypeError for NArray traits", "test_two"))
    trait = [failure("a", TRAIT.format(kind="float"))]
    assert [f.test for f in matching_facts(trait, facts)] == ["test_two"]
    vague = [failure("a", "ValueError: the monitor period of the simulation is wrong")]
    assert matching_facts(vague, facts) == []
    # the exception's name alone, or a quoted English word in a fact about something else, is not enough
    index = [failure("a", "AttributeError: 'numpy.ndarray' object has no attribute 'index'")]
    assert matching_facts(index, (Fact("monitors.SEEG does not exist: AttributeError", "test_three"),
                                  Fact("left index = right index + 38", "test_four"))) == []


def test_facts_go_into_one_section_which_keeps_what_follows_it():
    fact = Fact("an unknown keyword raises TraitTypeError", "test_x")
    body = with_fact("Intro.\n\n## Verified facts\n\n- one fact.\n\n## Later\n\nMore.", fact)
    assert body == "Intro.\n\n## Verified facts\n\n- one fact.\n- an unknown keyword raises TraitTypeError\n\n" \
                   "## Later\n\nMore."
    assert with_fact("Intro.", fact) == "Intro.\n\n## Verified facts\n\n- an unknown keyword raises TraitTypeError\n"


def test_error_fact_is_a_default_operator():
    assert "error-fact" in default_toolbox(None, {}).names()


def test_evolve_run_refuses_a_facts_index_it_cannot_read(tmp_path, capsys):
    from evolve.cli import main

    config = tmp_path / "c.toml"
    config.write_text(f'[paths]\narchive = "{tmp_path / "a.duckdb"}"\n\n[library]\n'
                      f'facts_index = "{tmp_path / "nowhere.md"}"\n')
    assert main(["--config", str(config), "run"]) == 2
    err = capsys.readouterr().err
    assert "[library] facts_index: cannot read" in err and "nowhere.md" in err
    assert not (tmp_path / "a.duckdb").exists()  # nothing was run
