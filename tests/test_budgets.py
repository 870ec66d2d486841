"""Budgets that survive a resume: the stopper reads the run's state, the call journal survives a kill, and a
changed configuration is seen as a diff (the engine-level versions are in test_engine.py)."""
import json
import os
import signal
import subprocess
import sys
import textwrap
from types import SimpleNamespace

from evolve.engine.budget import Stopper
from evolve.engine.call_journal import IN_FLIGHT, CallJournal
from evolve.engine.config_diff import compare
from evolve.models import CallRecord


def test_patience_reads_the_state_the_stopper_is_given():
    stopper = Stopper(patience=2)
    assert stopper.reason(SimpleNamespace(stale=1)) is None
    assert "patience 2" in stopper.reason(SimpleNamespace(stale=2))
    assert stopper.reason() is None  # no state: nothing to be patient about


def test_the_cost_budget_adds_this_invocations_spend_to_what_the_run_spent_before():
    stopper = Stopper(max_cost_usd={"mutator": 2.0}, spent_before={"mutator": 1.5},
                      cost_by_role=lambda: {"mutator": 0.25, "student": 9.0})
    assert stopper.reason() is None and stopper.spent() == {"mutator": 1.75, "student": 9.0}
    stopper.cost_by_role = lambda: {"mutator": 0.5}
    assert "cost budget of role mutator reached ($2.00 of $2.00)" in stopper.reason()


def test_the_journal_returns_calls_the_archive_lacks_ended_as_they_ended_and_in_flight_as_failed(tmp_path):
    journal = CallJournal(tmp_path / "run" / "calls.jsonl")
    done = CallRecord("student", "m", "m", True, prompt_tokens=10, completion_tokens=5, cost_usd=0.25)
    flying = CallRecord("mutator", "m", None, False, prompt_tokens=0)
    archived = CallRecord("student", "m", "m", True)
    for record in (done, flying, archived):
        journal.started(record)
    journal.ended(done)
    journal.ended(archived)
    with open(journal.path, "a") as handle:
        handle.write('{"event": "started", "record": {"uid": "cut sho')  # the kill's half line
    found = {r.uid: r for r in journal.recover({archived.uid})}
    assert set(found) == {done.uid, flying.uid}
    assert found[done.uid].ok and found[done.uid].cost_usd == 0.25 and found[done.uid].completion_tokens == 5
    assert not found[flying.uid].ok and found[flying.uid].error == IN_FLIGHT and found[flying.uid].cost_usd is None
    assert journal.recover({done.uid, flying.uid, archived.uid}) == []
    assert CallJournal(tmp_path / "none.jsonl").recover(set()) == []


def test_a_journal_line_is_on_disk_before_the_call_goes_on_even_under_kill_9(tmp_path):
    path = tmp_path / "calls.jsonl"
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(os.getcwd())!r})
        from evolve.engine.call_journal import CallJournal
        from evolve.models import CallRecord
        journal = CallJournal({str(path)!r})
        journal.started(CallRecord("student", "m", None, False))
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    assert subprocess.run([sys.executable, "-c", script]).returncode == -signal.SIGKILL
    (lost,) = CallJournal(path).recover(set())
    assert lost.error == IN_FLIGHT and lost.role == "student"


def test_a_configuration_diff_names_each_changed_leaf_and_lets_budgets_change():
    old = {"run": {"population": 4, "max_trials": 10, "operators": ["a", "b"], "max_cost_usd": {"student": 1.0}},
           "trial": {"max_turns": 3}}
    new = json.loads(json.dumps({"run": {"population": 6, "max_trials": 50, "operators": ["a"],
                                         "max_cost_usd": {"student": 2.0}},
                                 "trial": {"max_turns": 3, "repair": "cells"}}))
    change = compare(old, new)
    assert change.changed and change.changes == ('run.operators: ["a", "b"] → ["a"]', "run.population: 4 → 6",
                                                 'trial.repair: (absent) → "cells"')
    assert change.budgets == ("run.max_cost_usd.student: 1.0 → 2.0", "run.max_trials: 10 → 50")
    assert not compare(old, old).changed


def test_an_option_added_to_evolve_since_the_run_started_is_not_a_change_while_it_holds_its_default():
    recorded = {"run": {"population": 4}, "judge": None}
    defaults = {"run": {"population": 4, "workers": 1}, "race": {"k": 1.0}, "judge": None}
    at_default = compare(recorded, defaults, defaults)
    assert not at_default.changed
    assert at_default.new_defaults == ("race.k: (absent) → 1.0", "run.workers: (absent) → 1")
    # a value the user chose is a change, and so is filling a section the run recorded as a value of its own
    chosen = compare(recorded, {"run": {"population": 4, "workers": 2}, "race": {"k": 1.0},
                                "judge": {"model": "x"}}, {**defaults, "judge": {"model": "x"}})
    assert chosen.changes == ('judge: null → (absent)', 'judge.model: (absent) → "x"', "run.workers: (absent) → 2")
    assert chosen.new_defaults == ("race.k: (absent) → 1.0",)
    assert compare(recorded, defaults).changed  # without the defaults, every added option is a change
