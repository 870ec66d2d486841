"""move-to-reference and inline-reference (evolve.engine.operators.references): detail moves from a skill's body into a
reference file the student reads on request, and back, with no model call; the gate accepts what they make.
rewrite-reference: the mutator rewrites the reference file most implicated in the train failures."""
from __future__ import annotations

import pytest

from evolve.engine.gate import check_child
from evolve.engine.operators.base import OperatorDeclined
from evolve.engine.operators.references import InlineReference, MoveToReference, pointer
from evolve.engine.toolbox import build
from evolve.library import Library
from evolve.skills import Skill
from helpers.operator_data import LIMITS, NOISE, given

COUPLING = "## Coupling\n\n" + "".join(f"- Coupling fact {i}: `coupling.Linear(a=np.array([0.0{i}]))` scales the "
                                        "sum of delayed inputs.\n" for i in range(1, 8))
EXAMPLE = "## Example\n\n```python\n# complete example\n" + "x = 1\n" * 80 + "```"
RECIPE = Skill("recipe", "Use when building a simulation.",
               f"# Recipe\n\n## Build\n\nBuild the simulator, configure it, run it.\n\n{COUPLING}\n{EXAMPLE}",
               {"role": "student"}, {}, {"scripts/helper.py": b"X = 1\n", "scripts/test_helper.py":
                                         b"from skill_scripts.helper import X\n\n\ndef test_x():\n    assert X == 1\n"})


def test_move_to_reference_moves_the_largest_section_without_a_complete_example_and_points_to_it():
    parent = Library.of([RECIPE, NOISE])
    proposal = MoveToReference().propose(given(parents=(parent,)), None)  # type: ignore[arg-type]
    moved = proposal.child["recipe"]
    assert sorted(moved.files) == ["references/coupling.md", "scripts/helper.py", "scripts/test_helper.py"]
    reference = moved.files["references/coupling.md"].decode()
    assert reference.startswith("# Coupling\n\n- Coupling fact 1") and "Coupling fact 7" not in moved.body
    assert pointer("recipe", "references/coupling.md") in moved.body and "# complete example" in moved.body
    assert moved.nbytes < RECIPE.nbytes and "moved section 'Coupling' of recipe" in proposal.note
    assert check_child(proposal.child, parent, {}, LIMITS) == []
    assert str(parent.diff(proposal.child)) == "~recipe (SKILL.md, references/coupling.md)"


def test_inline_reference_puts_the_file_back_where_its_pointer_was():
    moved = MoveToReference().propose(given(parents=(Library.of([RECIPE]),)), None).child  # type: ignore[arg-type]
    back = InlineReference().propose(given(parents=(moved,)), None)  # type: ignore[arg-type]
    restored = back.child["recipe"]
    assert "references/coupling.md" not in restored.files and "scripts/helper.py" in restored.files
    assert "Coupling fact 7" in restored.body and "READ:" not in restored.body
    assert restored.body.index("## Coupling") < restored.body.index("## Example")  # in its place again
    assert "inlined recipe/references/coupling.md" in back.note


def test_both_decline_when_there_is_nothing_to_move():
    small = Library.of([NOISE])
    with pytest.raises(OperatorDeclined, match="section"):
        MoveToReference().propose(given(parents=(small,)), None)  # type: ignore[arg-type]
    with pytest.raises(OperatorDeclined, match="no reference file"):
        InlineReference().propose(given(parents=(small,)), None)  # type: ignore[arg-type]


def test_the_toolbox_builds_both_by_name():
    names = ("move-to-reference", "inline-reference", "rewrite-reference")
    assert [build(n).name for n in names] == list(names)


def mutator(replies):
    import itertools

    from evolve.config import CallPolicy, RoleSettings
    from evolve.models import ModelClient
    from helpers.scripted_llm import install

    handler = install("scriptedref", replies)
    ticks = itertools.count()
    return ModelClient({"mutator": RoleSettings("scriptedref/mutator")},
                       CallPolicy(breaker_threshold=1, breaker_cooldown_s=0, max_outage_s=0),
                       sleep=lambda s: None, clock=lambda: float(next(ticks))), handler


def test_rewrite_reference_rewrites_the_file_of_the_skill_in_the_failures_and_nothing_else():
    from evolve.engine.operators.rewrite_reference import RewriteReference
    from helpers.operator_data import FAILURES, RUN

    run = RUN.with_files({"references/unpacking.md": b"# Unpacking\n\nUse `t, y = sim.run()`.\n"})
    other = NOISE.with_files({"references/noise.md": b"# Noise\n\nnsig sets the noise.\n"})
    parent = Library.of([run, other])
    new = "# Unpacking\n\nOne monitor: `(t, y), = sim.run()`; `t, y = sim.run()` raises ValueError.\n"
    client, handler = mutator([f"Here it is:\n\n```markdown\n{new}```\n"])
    proposal = RewriteReference().propose(given(parents=(parent,), failures=FAILURES), client)
    child = proposal.child["run-output"]
    assert child.files["references/unpacking.md"].decode() == new and child.text == run.text
    assert proposal.child["noise"] == other and "rewrote run-output/references/unpacking.md" in proposal.note
    assert "Use `t, y = sim.run()`." in handler.calls[0][1]["content"] and len(proposal.calls) == 1
    client, _ = mutator(["```markdown\n# Unpacking\n\nUse `t, y = sim.run()`.\n```"])
    with pytest.raises(OperatorDeclined, match="unchanged"):
        RewriteReference().propose(given(parents=(parent,), failures=FAILURES), client)
    with pytest.raises(OperatorDeclined, match="no text reference"):
        RewriteReference().propose(given(parents=(Library.of([RUN]),), failures=FAILURES), client)


def test_a_rewritten_or_compressed_skill_keeps_its_files_and_the_mutator_is_told_they_stay():
    from evolve.engine.operators.compress import Compress
    from evolve.engine.operators.reflective_rewrite import ReflectiveRewrite
    from helpers.operator_data import FAILURES, REWRITTEN_RUN, RUN, fence

    files = {"references/unpacking.md": b"# Unpacking\n\nDetail.\n"}
    parent = Library.of([RUN.with_files(files), NOISE])
    client, handler = mutator([fence(REWRITTEN_RUN.text)])
    child = ReflectiveRewrite().propose(given(parents=(parent,), failures=FAILURES), client).child["run-output"]
    assert child.files == files and child.body == REWRITTEN_RUN.body
    assert "also holds these files, which stay as they are: references/unpacking.md" in handler.calls[0][1]["content"]
    shorter = ("# Run output\n\nOne monitor: `(t, y), = sim.run()`; data is `y[:, 0, region, 0]`.\n\n"
               "```python\n(t, y), = sim.run(simulation_length=1000.0)\n```")
    client, handler = mutator([fence(RUN.with_body(shorter).text)])
    compressed = Compress().propose(given(parents=(parent,), failures=FAILURES), client).child["run-output"]
    assert compressed.files == files and "references/unpacking.md" in handler.calls[0][1]["content"]


def test_a_merge_keeps_both_folders_files_and_a_split_gives_them_to_its_first_part():
    from evolve.engine.operators.merge_skills import MergeSkills
    from evolve.engine.operators.split_skill import SplitSkill
    from evolve.skills import load
    from helpers.operator_data import RUN, SKILLS, fence

    monitors = Skill("monitors", "Use when unpacking sim.run() results of several monitors.", "# M\n\nText.", {}, {},
                     {"references/monitors.md": b"# Monitors\n\nTwo.\n"})
    run = RUN.with_files({"references/unpacking.md": b"# Unpacking\n\nOne.\n"})
    merged = Skill("run-output", "Use when unpacking sim.run() results of one or several monitors.",
                   "# Run output\n\n`(t, y), = sim.run()`")
    client, _ = mutator([fence(merged.text)])
    child = MergeSkills().propose(given(parents=(Library.of([run, NOISE, monitors]),)), client).child
    assert sorted(child["run-output"].files) == ["references/monitors.md", "references/unpacking.md"]
    stimulus, _ = load(SKILLS / "tvb-stimulus")
    assert stimulus is not None and stimulus.files  # the packaged seed ships its onset script
    parts = [Skill(name, f"Use when {topic}.", f"# {topic}\n\n" + "".join(f"- fact {i} about `{topic}`.\n"
                                                                          for i in range(3)))
             for name, topic in (("stimulus-timing", "pulse timing"), ("stimulus-where", "stimulus weights"))]
    client, _ = mutator([fence(parts[0].text) + fence(parts[1].text)])
    child = SplitSkill().propose(given(parents=(Library.of([stimulus, NOISE]),)), client).child
    assert child["stimulus-timing"].files == stimulus.files and child["stimulus-where"].files == {}
