"""Routing quality (evolve.routing_quality): how often the routed skills include those the goal's reference solution
relies on (a code line only that skill teaches, found in the reference), and why one was left out."""
from __future__ import annotations

import pytest

from evolve.library import Library
from evolve.routing_quality import measure, recall, relied_on
from evolve.skills import Skill

BOILERPLATE = "json.dump({'total': total}, open('results.json', 'w'))"


def skill(name: str, code: str, keywords: str, always: bool = False) -> Skill:
    metadata = {"keywords": keywords, **({"always-load": "true"} if always else {})}
    return Skill(name, f"Use when {name.replace('-', ' ')}.", f"# {name}\n\n```python\n{code}\n{BOILERPLATE}\n```",
                 metadata)


COUNTING = skill("counting", "total = sum(record(n) for n in (1, 2, 3))", "count, record, total")
PLOTTING = skill("plotting", "plt.plot(times, values, color='k')", "plot, figure")
SAVING = skill("saving-results", "results = {'values': list(map(float, values))}", "save, results, json")


def test_a_skill_is_relied_on_only_for_a_line_no_other_skill_teaches():
    library = Library.of([COUNTING, PLOTTING, SAVING])
    code = f"total = sum(record(n) for n in (1, 2, 3))\n{BOILERPLATE}\n"
    assert relied_on(library, code) == ("counting",)  # the json.dump line is every skill's: it names none


def test_routing_that_leaves_a_relied_skill_out_says_why(goal):
    library = Library.of([COUNTING, PLOTTING, SAVING])
    (row,) = measure(library, [goal], "bm25", budget_bytes=10_000)
    assert (row.goal, row.relied, row.missed, row.recall) == ("count-to-three", ("counting",), (), 1.0)
    (tight,) = measure(library, [goal], "bm25", budget_bytes=COUNTING.nbytes - 1)
    assert tight.missed == ("counting",) and tight.reason("counting") == "over the byte budget"
    assert recall([row, tight]) == 0.5
    drawing = skill("drawing", "total = sum(record(n) for n in (1, 2, 3))", "figure")  # right code, wrong words
    (row,) = measure(Library.of([drawing, PLOTTING]), [goal], "bm25", 10_000)
    assert row.missed == ("drawing",) and row.reason("drawing") == "not ranked for this request"


def test_disclosure_routing_is_not_measured_offline(goal):
    with pytest.raises(ValueError, match="model's own choice"):
        measure(Library.of([COUNTING]), [goal], "disclosure", 10_000)
    assert recall([]) is None
