"""Level three of disclosure (evolve.references): the student asks for a routed skill's reference file by name; what
it is given counts against the skill byte budget and every request, with what it returned, is in the transcript."""
from __future__ import annotations

from evolve import references
from evolve.archive import Archive
from evolve.library import Library
from evolve.skills import Skill
from evolve.trial import run_trial
from helpers.trial_data import GOOD, context

METHOD = "# Counting method\n\nSum `record(n)` over n = 1, 2, 3 and save the total as `total`.\n"
COUNTING = Skill("counting", "Use when counting with record().", "# Counting\n\nSee the method reference.",
                 {"keywords": "count, record, total"}, {}, {"references/method.md": METHOD.encode(),
                                                            "references/history.md": b"# History\n\nLong ago.\n"})
ASK = "READ: counting/references/method.md"


def test_a_reply_asks_for_files_by_label_or_by_file_name_and_code_is_never_a_request():
    assert references.requested("I need more.\nREAD: counting/references/method.md\n`READ: history.md`") == (
        "counting/references/method.md", "history.md")
    assert references.requested("```python\nprint(1)\n```") == ()
    offered = references.offered([COUNTING])
    assert list(offered) == ["counting/references/history.md", "counting/references/method.md"]
    assert references.resolve("method.md", offered) == "counting/references/method.md"


def test_grant_gives_what_fits_the_remaining_budget_and_says_why_not_for_the_rest():
    offered = references.offered([COUNTING])
    size = len(METHOD.encode())
    granted = references.grant(["method.md", "nope.md", "history.md"], offered, size + 5)
    assert granted.labels == ("counting/references/method.md",) and granted.nbytes == size
    assert [(r.label, r.reason.split(" (")[0]) for r in granted.refused] == [
        ("nope.md", "no such reference file"), ("counting/references/history.md", "21 bytes; only 5 bytes of the "
                                                "skill budget are left")]
    again = references.grant(["method.md"], offered, 10_000, already=["counting/references/method.md"])
    assert again.given == () and again.refused[0].reason == "already given above"


def test_a_reference_requested_in_a_scripted_trial_is_given_recorded_and_archived(tmp_path, goal):
    ctx, handler = context(tmp_path, [ASK, GOOD])
    result = run_trial(goal, Library.of([COUNTING]), seed=1, ctx=ctx)
    assert (result.score, result.stop_reason) == (1.0, "solved")
    system = handler.calls[0][0]["content"]
    assert "Reference files: counting/references/history.md, counting/references/method.md" in system
    assert METHOD.strip() not in handler.calls[0][1]["content"]  # level three: only when asked
    asked, solved = result.turns
    assert (asked.outcome, asked.reply, asked.hints) == ("disclosure", ASK, ["counting/references/method.md"])
    assert "Added to the task: counting/references/method.md." in asked.feedback and METHOD.strip() in asked.feedback
    assert '<reference name="counting/references/method.md">' in handler.calls[1][1]["content"]
    assert solved.outcome == "evaluated"
    with Archive.open(tmp_path / "a.duckdb", snapshots=False) as archive:
        run_id = archive.start_run()
        archive.record_trials(run_id, 0, [result])
        (row,) = archive.rows("SELECT e.transcript[1].reply AS reply, e.transcript[1].feedback AS feedback, "
                              "e.turn_details[1].hints AS hints FROM evaluations e")
        (outcome,) = archive.rows("SELECT turns, first_ran FROM turn_outcomes")
    assert row["reply"] == ASK and METHOD.strip() in row["feedback"]
    assert row["hints"] == ["counting/references/method.md"]
    assert outcome == {"turns": 1, "first_ran": True}  # a request is not a notebook turn


def test_a_reference_over_the_skill_budget_is_refused_and_the_student_told_why(tmp_path, goal):
    big = COUNTING.with_files({**COUNTING.files, "references/method.md": (METHOD + "More detail. " * 300).encode()})
    budget = big.nbytes + 300  # the body fits; the reference is larger than the quarter held back for reading
    ctx, handler = context(tmp_path, [ASK, GOOD], skill_budget_bytes=budget)
    result = run_trial(goal, Library.of([big]), seed=1, ctx=ctx)
    asked = result.turns[0]
    assert asked.outcome == "disclosure" and asked.hints == [] and "only 300 bytes" in asked.feedback
    assert "Not given: counting/references/method.md" in handler.calls[1][-1]["content"]
    assert result.score == 1.0


def test_routing_holds_back_room_to_read_a_reference_so_level_three_is_reachable(tmp_path, goal):
    filler = Skill("counting-notes", "Use when counting and recording totals.", "# Notes\n\n" + "Count well. " * 40,
                   {"keywords": "count, record, total"})
    budget = COUNTING.nbytes + filler.nbytes  # both bodies would fill the budget: no room to read anything
    assert references.reserve([COUNTING], budget) == len(METHOD.encode())
    assert references.reserve([filler], budget) == 0 and references.reserve([COUNTING], 100) == 25
    ctx, handler = context(tmp_path, [ASK, GOOD], skill_budget_bytes=budget)
    result = run_trial(goal, Library.of([COUNTING, filler]), seed=1, ctx=ctx)
    assert result.injected == ["counting"] and result.over_budget == ["counting-notes"]
    assert result.turns[0].hints == ["counting/references/method.md"] and result.score == 1.0


def test_a_changed_reference_makes_a_new_trial_and_a_library_without_references_sees_no_offer(tmp_path, goal):
    ctx, handler = context(tmp_path, [GOOD, GOOD, GOOD])
    first = run_trial(goal, Library.of([COUNTING]), seed=1, ctx=ctx)
    edited = COUNTING.with_files({**COUNTING.files, "references/history.md": b"# History\n\nRecently.\n"})
    second = run_trial(goal, Library.of([edited]), seed=1, ctx=ctx)
    assert second.key != first.key and not second.cached
    run_trial(goal, Library.of([COUNTING.with_files({})]), seed=1, ctx=ctx)
    assert "READ:" not in handler.calls[-1][0]["content"] and "Reference files" not in handler.calls[-1][0]["content"]
