"""move-to-reference and inline-reference (evolve.engine.operators.references): detail moves from a skill's body into a
reference file the student reads on request, and back, with no model call; the gate accepts what they make."""
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
    assert [build(n).name for n in ("move-to-reference", "inline-reference")] == ["move-to-reference",
                                                                                   "inline-reference"]
