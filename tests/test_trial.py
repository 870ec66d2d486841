"""The trial harness on a scripted student and the tiny plugin: turns, early stops, cache, missing data."""

import litellm
import pytest

from evolve.config import TrialSettings
from evolve.library import Library
from evolve.skills import Skill
from evolve.trial import TrialResult, answer_lines, answer_tokens, run_trial
from helpers.trial_data import BROKEN, GOOD, PROSE, SKILL, context


def test_solved_on_the_first_turn(tmp_path, goal):
    ctx, handler = context(tmp_path, [GOOD])
    result = run_trial(goal, Library.of([SKILL]), seed=1, ctx=ctx)
    assert (result.status, result.score, result.stop_reason) == ("scored", 1.0, "solved")
    assert result.injected == ["counting"] and result.used == ["counting"]
    assert result.prompt_tokens > 0 and result.completion_tokens > 0
    system = handler.calls[0][0]["content"]
    assert "counting requests" in system and '<skill name="counting">' in system
    assert "Count to three" in handler.calls[0][1]["content"]
    assert (tmp_path / "trials" / result.key[:16] / "turn-1" / "notebook.ipynb").is_file()


def test_the_same_prompt_run_twice_without_the_cache_gets_two_execution_folders(tmp_path, goal):
    # What crashed a real run: a child that changed only skills not routed to a val goal has the seed's prompt
    # there, so the same trial key; with the cache off its notebook went to the seed's folder.
    ctx, _ = context(tmp_path, [GOOD, GOOD], cache=False)
    first = run_trial(goal, Library.of([SKILL]), seed=1, ctx=ctx)
    again = run_trial(goal, Library.of([SKILL]), seed=1, ctx=ctx)
    assert first.key == again.key and (first.score, again.score) == (1.0, 1.0)
    folders = sorted(p.name for p in (tmp_path / "trials").iterdir())
    assert folders == [first.key[:16], f"{first.key[:16]}-2"]


def test_no_skills_means_no_skill_text(tmp_path, goal):
    ctx, handler = context(tmp_path, [GOOD])
    result = run_trial(goal, None, seed=1, ctx=ctx)
    assert result.library_id is None and result.injected == []
    assert "<skill" not in handler.calls[0][0]["content"]


def test_feedback_turn_fixes_a_broken_notebook(tmp_path, goal):
    ctx, handler = context(tmp_path, [BROKEN, GOOD])
    result = run_trial(goal, None, seed=1, ctx=ctx)
    assert result.score == 1.0 and [t.outcome for t in result.turns] == ["evaluated", "evaluated"]
    assert result.turns[0].error.startswith("NameError")
    feedback = handler.calls[1][-1]["content"]
    assert "FAILED in cell 1, line 1" in feedback and "NameError" in feedback and "recrd" in feedback
    # focused on the crash: no traceback shown twice, no checks that only say results.json is missing
    assert "Traceback" not in feedback and "Checks:" not in feedback and "no results.json was written" in feedback
    assert "What was simulated before it failed:" in feedback


def test_prose_is_rejected_then_twice_stops_with_score_zero(tmp_path, goal):
    ctx, handler = context(tmp_path, [PROSE, PROSE])
    result = run_trial(goal, None, seed=1, ctx=ctx)
    assert (result.status, result.score, result.stop_reason) == ("scored", 0.0, "prose")
    assert "no Python code" in handler.calls[1][-1]["content"]


def test_a_reply_cut_off_inside_its_code_block_is_told_so(tmp_path, goal):
    cut = "```python\n# %% [markdown]\n" + "# We will count.\n" * 40  # the fence never closes; no code yet
    ctx, handler = context(tmp_path, [(cut, "length"), GOOD])
    result = run_trial(goal, None, seed=1, ctx=ctx)
    assert result.score == 1.0 and [t.outcome for t in result.turns] == ["rejected", "evaluated"]
    told = handler.calls[1][-1]["content"]
    assert "cut off after" in told and "shorter notebook" in told and "no Python code" not in told


def test_a_repeated_reply_is_not_run_again_but_resampled_with_another_seed_and_a_higher_temperature(tmp_path, goal):
    ctx, handler = context(tmp_path, [BROKEN, BROKEN, GOOD], repair="whole")  # (cells: see the focused resample)
    result = run_trial(goal, None, seed=1, ctx=ctx)
    assert [t.outcome for t in result.turns] == ["evaluated", "repeated", "evaluated"]
    assert [t.resample for t in result.turns] == [0, 0, 1] and result.score == 1.0
    first, again = handler.params[1], handler.params[2]
    assert first["seed"] == 1 and again["seed"] != 1
    assert again["temperature"] == pytest.approx(first["temperature"] + 0.3)
    assert handler.calls[2] == handler.calls[1]  # the same request, sampled differently


def test_a_trial_whose_replies_keep_repeating_stops_as_repeated_after_its_turns(tmp_path, goal):
    ctx, _ = context(tmp_path, [BROKEN, BROKEN, BROKEN])
    result = run_trial(goal, None, seed=1, ctx=ctx)
    assert result.stop_reason == "repeated" and result.score == 0.0
    assert [t.resample for t in result.turns] == [0, 0, 1]


TWO_CELLS = ("```python\n# %%\nimport json\nbase = 0\n# %%\ntotal = base + sum(recrd(n) for n in (1, 2, 3))\n"
             "json.dump({'total': total}, open('results.json', 'w'))\n```")
FIXED_CELL = ("```python\n# %%\ntotal = base + sum(record(n) for n in (1, 2, 3))\n"
              "json.dump({'total': total}, open('results.json', 'w'))\n```")


def test_a_failing_cell_is_named_with_its_line_and_what_ran_before_it_and_an_unlabelled_reply_continues_the_rest(
        tmp_path, goal):
    ctx, handler = context(tmp_path, [TWO_CELLS, FIXED_CELL])
    result = run_trial(goal, None, seed=1, ctx=ctx)
    feedback = handler.calls[1][-1]["content"]
    assert "FAILED in cell 2, line 1," in feedback and "--> " in feedback and "recrd" in feedback
    assert "they defined: json, base" in feedback and "only the cells you change" in feedback
    assert result.score == 1.0 and [t.kept_cells for t in result.turns] == [0, 1]


THREE_CELLS = ("```python\n# %%\nimport json\nbase = 0\n# %%\ntotal = base + sum(recrd(n) for n in (1, 2, 3))\n"
               "# %%\njson.dump({'total': total}, open('results.json', 'w'))\n```")


def test_a_reply_of_labelled_cells_patches_the_last_notebook_and_keeps_every_other_cell(tmp_path, goal):
    only_cell_2 = "```python\n# %% cell 2\ntotal = base + sum(record(n) for n in (1, 2, 3))\n```"
    ctx, handler = context(tmp_path, [THREE_CELLS, only_cell_2])
    result = run_trial(goal, None, seed=1, ctx=ctx)
    assert result.score == 1.0 and [t.kept_cells for t in result.turns] == [0, 2]
    shown = handler.calls[1][2]["content"]  # the last notebook, numbered as the patch refers to it
    assert "# %% cell 2\ntotal = base + sum(recrd" in shown and "# %% cell 3\njson.dump" in shown


def test_a_repair_reply_that_repeats_the_earlier_cells_is_run_as_the_whole_notebook(tmp_path, goal):
    whole = TWO_CELLS.replace("recrd", "record")
    ctx, _ = context(tmp_path, [TWO_CELLS, whole])
    result = run_trial(goal, None, seed=1, ctx=ctx)
    assert result.score == 1.0 and [t.kept_cells for t in result.turns] == [0, 0]


ONE_CELL = ("```python\nimport json\nbase = 0\nfor n in (1, 2):\n    base += 0\n"
            "total = base + sum(recrd(n) for n in (1, 2, 3))\njson.dump({'total': total}, open('results.json', 'w'))\n```")
TAIL_FIXED = ("```python\n# %% cell 2\ntotal = base + sum(record(n) for n in (1, 2, 3))\n"
              "json.dump({'total': total}, open('results.json', 'w'))\n```")


def test_a_one_cell_notebook_is_cut_before_its_failing_statement_and_the_lines_that_ran_are_kept(tmp_path, goal):
    ctx, handler = context(tmp_path, [ONE_CELL, TAIL_FIXED])
    result = run_trial(goal, None, seed=1, ctx=ctx)
    shown, feedback = handler.calls[1][2]["content"], handler.calls[1][-1]["content"]
    assert "# %% cell 1\nimport json\nbase = 0\nfor n in (1, 2):\n    base += 0\n\n# %% cell 2\ntotal" in shown
    assert "FAILED in cell 2, line 1" in feedback and "they are cell 1 now" in feedback
    assert "they defined: json, base, n" in feedback and "Fix cell 2 (line 1 raised the error)" in feedback
    assert result.score == 1.0 and [t.kept_cells for t in result.turns] == [0, 1]


def test_a_repeat_after_a_crash_is_resampled_with_the_failing_statement_alone_and_its_answer_takes_its_place(
        tmp_path, goal):
    fixed_alone = "```python\ntotal = base + sum(record(n) for n in (1, 2, 3))\n```"
    ctx, handler = context(tmp_path, [ONE_CELL, ONE_CELL, fixed_alone])
    result = run_trial(goal, None, seed=1, ctx=ctx)
    assert [t.outcome for t in result.turns] == ["evaluated", "repeated", "evaluated"]
    shown, asked = handler.calls[2][2]["content"], handler.calls[2][-1]["content"]
    assert shown == "```python\ntotal = base + sum(recrd(n) for n in (1, 2, 3))\n```"  # nothing else to copy
    assert "would run the same code again" in asked and "only the new code for this statement" in asked
    assert "NameError" in asked and "defined: json, base, n" in asked
    assert handler.params[2]["seed"] != 1  # still a resample
    assert result.score == 1.0 and result.turns[2].kept_cells == 1  # json.dump after the statement was kept


def test_a_reply_that_only_recuts_the_cells_of_code_already_run_is_a_repeat(tmp_path, goal):
    recut = "```python\n# %% cell 2\ntotal = base + sum(recrd(n) for n in (1, 2, 3))\n" \
            "json.dump({'total': total}, open('results.json', 'w'))\n```"
    ctx, _ = context(tmp_path, [ONE_CELL, recut, TAIL_FIXED])
    result = run_trial(goal, None, seed=1, ctx=ctx)
    assert [t.outcome for t in result.turns] == ["evaluated", "repeated", "evaluated"] and result.score == 1.0


def test_with_repair_whole_the_student_is_asked_for_the_complete_notebook(tmp_path, goal):
    ctx, handler = context(tmp_path, [TWO_CELLS, FIXED_CELL], repair="whole", max_turns=2)
    result = run_trial(goal, None, seed=1, ctx=ctx)
    assert "complete corrected notebook" in handler.calls[1][-1]["content"]
    assert result.turns[1].kept_cells == 0 and result.score < 1.0  # the lone cell lacks `base` and `json`


ERRORS = Skill("counting-errors", "Use when a counting notebook fails.",
               "# Errors\n\nNameError for recrd: the function is spelled record(n).\n\n"
               "Plotting needs matplotlib.\n", {"keywords": "errors"})


def test_the_library_passage_matching_the_error_goes_into_the_feedback_and_is_recorded(tmp_path, goal):
    ctx, handler = context(tmp_path, [BROKEN, GOOD])
    result = run_trial(goal, Library.of([SKILL, ERRORS]), seed=1, ctx=ctx)
    feedback = handler.calls[1][-1]["content"]
    assert "Your skills say about this:" in feedback and "spelled record(n)" in feedback
    assert "matplotlib" not in feedback
    assert result.turns[0].hints[0] == "counting-errors: Errors"  # best first; the counting example may follow


def test_a_reference_files_list_item_matching_the_error_goes_into_the_feedback(tmp_path, goal):
    packaged = SKILL.with_files({"references/errors.md": b"# Known errors\n\n- NameError for recrd: the function is "
                                 b"spelled record(n).\n- Plotting needs matplotlib.\n"})
    ctx, handler = context(tmp_path, [BROKEN, GOOD])
    result = run_trial(goal, Library.of([packaged]), seed=1, ctx=ctx)
    feedback = handler.calls[1][-1]["content"]
    assert "spelled record(n)" in feedback and "matplotlib" not in feedback
    assert result.turns[0].hints[0] == "counting/references/errors.md: Known errors" and result.score == 1.0


def test_what_feedback_could_quote_from_an_unrouted_skill_is_part_of_the_key_when_turns_give_feedback(tmp_path, goal):
    unrouted = Skill("plot-colours", "Use when choosing plot colours.", "# Colours\n\nUse viridis.\n",
                     {"keywords": "colour, palette"})
    edited = Skill(unrouted.name, unrouted.description, unrouted.body + "\n\nNameError for recrd: spelled record(n).\n",
                   unrouted.metadata)
    for turns, differs in ((3, True), (1, False)):
        ctx, _ = context(tmp_path / str(turns), [BROKEN, GOOD, BROKEN, GOOD], max_turns=turns)
        first = run_trial(goal, Library.of([SKILL, unrouted]), seed=1, ctx=ctx)
        second = run_trial(goal, Library.of([SKILL, edited]), seed=1, ctx=ctx)
        assert first.injected == second.injected == ["counting"]
        assert (first.key != second.key) is differs and second.cached is not differs
    # A trial that ended on its first answer got no feedback: a library differing only in what feedback could
    # quote reuses it.
    ctx, handler = context(tmp_path / "first", [GOOD])
    first = run_trial(goal, Library.of([SKILL, unrouted]), seed=1, ctx=ctx)
    again = run_trial(goal, Library.of([SKILL, edited]), seed=1, ctx=ctx)
    assert again.cached and again.key == first.key and len(handler.calls) == 1


def test_without_skills_or_with_hint_bytes_0_the_feedback_has_no_skill_passages(tmp_path, goal):
    for library, settings in ((None, {}), (Library.of([SKILL, ERRORS]), {"hint_bytes": 0})):
        ctx, handler = context(tmp_path / str(len(settings)), [BROKEN, GOOD], **settings)
        result = run_trial(goal, library, seed=1, ctx=ctx)
        assert "Your skills say" not in handler.calls[1][-1]["content"] and result.turns[0].hints == []


def test_each_call_sees_the_task_and_only_the_last_notebook_and_its_feedback(tmp_path, goal):
    ctx, handler = context(tmp_path, [BROKEN, BROKEN.replace("recrd", "rcd"), GOOD])
    run_trial(goal, None, seed=1, ctx=ctx)
    third = handler.calls[2]
    assert [m["role"] for m in third] == ["system", "user", "assistant", "user"]
    assert "rcd(n)" in third[2]["content"] and "recrd" not in third[2]["content"]
    assert third[2]["content"].startswith("```python\n# %% cell 1\n")


def test_the_answer_budget_is_sized_to_the_goal_within_its_floor_and_the_role_cap(tmp_path, goal):
    size = len(goal.reference_path.read_text())
    assert answer_tokens(goal, TrialSettings(answer_margin=35, answer_min_tokens=1), 10_000) == int(35 * size / 3.5)
    assert answer_tokens(goal, TrialSettings(answer_margin=3, answer_min_tokens=700), 10_000) == 700
    assert answer_tokens(goal, TrialSettings(answer_margin=35, answer_min_tokens=1), 50) == 50
    assert answer_tokens(goal, TrialSettings(answer_margin=0), 333) == 333
    ctx, handler = context(tmp_path, [GOOD], answer_margin=20, answer_min_tokens=1)
    result = run_trial(goal, None, seed=1, ctx=ctx)
    assert handler.params[0]["max_tokens"] == result.turns[0].max_tokens == int(20 * size / 3.5) < 1024


def test_max_turns_keeps_the_last_score(tmp_path, goal):
    ctx, _ = context(tmp_path, [BROKEN, BROKEN.replace("recrd", "rcd")], max_turns=2)
    result = run_trial(goal, None, seed=1, ctx=ctx)
    assert result.stop_reason == "max-turns" and result.score == 0.0 and not result.executed


PARTIAL = GOOD.replace("(1, 2, 3)", "(1, 2)")  # runs, writes a wrong total: partly passes its checks


def test_a_revision_that_crashes_never_replaces_a_notebook_that_ran(tmp_path, goal):
    ctx, _ = context(tmp_path, [PARTIAL, BROKEN], max_turns=2, repair="whole")
    result = run_trial(goal, None, seed=1, ctx=ctx)
    ran = result.turns[0]
    assert ran.executed and 0 < ran.score < 1 and not result.turns[1].executed
    assert result.executed and result.score == ran.score  # the notebook that ran stands
    assert result.stop_reason == "max-turns"


def test_a_revision_that_runs_replaces_the_last_one_even_when_it_scores_lower(tmp_path, goal):
    worse = GOOD.replace("(1, 2, 3)", "(7,)").replace("record(n)", "n")  # runs, records nothing, wrong total
    ctx, _ = context(tmp_path, [PARTIAL, worse], max_turns=2, repair="whole")
    result = run_trial(goal, None, seed=1, ctx=ctx)
    assert [t.executed for t in result.turns] == [True, True]
    assert result.score == result.turns[1].score < result.turns[0].score  # no oracle picks the best turn


def test_a_provider_outage_is_missing_data_and_not_cached(tmp_path, goal):
    down = litellm.ServiceUnavailableError("down", llm_provider="scriptedstudent", model="small")
    ctx, _ = context(tmp_path, [down, down, down])
    result = run_trial(goal, None, seed=1, ctx=ctx)
    assert result.status == "missing" and result.score is None and "provider" in result.missing_reason
    assert list(tmp_path.glob("cache/*.json")) == []


def test_the_same_prompt_is_served_from_the_cache(tmp_path, goal):
    ctx, handler = context(tmp_path, [GOOD])
    first = run_trial(goal, Library.of([SKILL]), seed=1, ctx=ctx)
    # A new skill the router does not pick for this goal leaves the prompt unchanged: no new trial.
    unrelated = Skill("bold", "Use when recording fMRI.", "BOLD notes.", {"keywords": "fmri, hemodynamics"})
    second = run_trial(goal, Library.of([SKILL, unrelated]), seed=1, ctx=ctx)
    assert second.cached and second.key == first.key and second.score == first.score
    assert len(handler.calls) == 1
    handler.replies.append(GOOD)
    third = run_trial(goal, Library.of([SKILL]), seed=2, ctx=ctx)  # another seed is another trial
    assert not third.cached and len(handler.calls) == 2


def test_disclosure_lets_the_model_choose_skills(tmp_path, goal):
    other = Skill("plotting", "Use when plotting.", "Plot notes.", {"keywords": "plot"})
    ctx, handler = context(tmp_path, ["SKILLS: counting", GOOD], routing="disclosure")
    result = run_trial(goal, Library.of([SKILL, other]), seed=1, ctx=ctx)
    assert result.injected == ["counting"] and result.turns[0].outcome == "disclosure"
    assert "- plotting: Use when plotting." in handler.calls[0][0]["content"]
    assert result.score == 1.0


def test_an_evaluation_that_fails_on_our_side_makes_the_trial_missing_not_zero(tmp_path, goal):
    ctx, _ = context(tmp_path, [GOOD])
    hook = tmp_path / "broken_hook.py"
    hook.write_text("raise RuntimeError('the hook is broken')\n")
    real = ctx.plugin

    class BrokenHook:
        def __getattr__(self, name):
            return (lambda: [hook]) if name == "startup_files" else getattr(real, name)

    ctx.plugin = BrokenHook()
    result = run_trial(goal, None, seed=1, ctx=ctx)
    assert result.status == "missing" and result.score is None and "the hook is broken" in result.missing_reason
    assert list(tmp_path.glob("cache/*.json")) == []


def test_each_turn_reports_the_replay_and_keeps_its_notebook_beside_its_work_folder(tmp_path, goal):
    ctx, _ = context(tmp_path, [GOOD])
    said = []
    ctx.progress = said.append
    result = run_trial(goal, None, seed=1, ctx=ctx)
    assert any("score 1.00; replay not-declared" in line for line in said)
    turn = tmp_path / "trials" / result.key[:16] / "turn-1"
    assert sorted(p.name for p in turn.iterdir()) == ["evidence", "notebook.ipynb", "work"]


def test_each_turn_records_how_its_reply_was_read_and_kept_but_unrun_parts_are_told_to_the_student(tmp_path, goal):
    with_shell = BROKEN + "\n```bash\nls results\n```\n"
    ctx, handler = context(tmp_path, [with_shell, GOOD])
    result = run_trial(goal, None, seed=1, ctx=ctx)
    assert [t.conversion for t in result.turns] == ["fences", "fences"]
    feedback = handler.calls[1][-1]["content"]
    assert "Note: a ```bash block was kept as text and not run" in feedback


def test_a_reply_cut_off_after_its_code_began_is_not_executed_and_the_student_is_asked_for_a_shorter_one(
        tmp_path, goal):
    cut = "```python\n# %%\nimport json\ntotal = sum(record(n) for n in (1, 2, 3))\n# %%\njson.dump({'total': tot"
    ctx, handler = context(tmp_path, [(cut, "length"), GOOD])
    result = run_trial(goal, None, seed=1, ctx=ctx)
    assert [t.outcome for t in result.turns] == ["cut", "evaluated"] and result.score == 1.0
    assert result.turns[0].finish_reason == "length"
    assert result.turns[0].executed is None and result.turns[0].exec_s == 0.0  # never run
    told = handler.calls[1][-1]["content"]
    assert "cut off after" in told and "not run" in told and "Count to three" in told
    assert [m["role"] for m in handler.calls[1]] == ["system", "user"]  # the rambling reply is not shown again
    assert not (tmp_path / "trials" / result.key[:16] / "turn-1").exists()


def test_a_trial_whose_last_reply_is_cut_off_stops_as_cut(tmp_path, goal):
    cut = ("```python\n# %%\nx = 1\n", "length")
    ctx, _ = context(tmp_path, [cut, cut], max_turns=2)
    result = run_trial(goal, None, seed=1, ctx=ctx)
    assert result.stop_reason == "cut" and result.score == 0.0


def test_the_student_is_told_about_how_many_lines_the_goal_needs(tmp_path, goal):
    ctx, handler = context(tmp_path, [GOOD])
    run_trial(goal, None, seed=1, ctx=ctx)
    assert answer_lines(goal) == 30  # the floor: the reference has 4 code lines
    assert "about 30 lines of code" in handler.calls[0][1]["content"]
    long = tmp_path / "long"
    long.mkdir()
    (long / "reference.py").write_text("# %%\n" + "x = 1\n" * 41 + "# a comment\n\n")
    assert answer_lines(type("G", (), {"reference_path": long / "reference.py"})()) == 70  # 1.5 × 41, up to 10


def test_a_trial_records_where_its_time_went(tmp_path, goal):
    ctx, _ = context(tmp_path, [BROKEN, GOOD])
    result = run_trial(goal, None, seed=1, ctx=ctx)
    phases = result.phases
    assert phases.kernel_start_s > 0 and phases.execution_s > 0 and phases.checks_s > 0
    assert phases.generation_s > 0 and phases.prompt_s is None  # the scripted model reports no timings
    assert phases.replay_s >= 0 and phases.total_s <= result.wall_s + 0.5
    again = TrialResult.from_json(result.to_json())
    assert again.phases == phases  # survives the trial cache
