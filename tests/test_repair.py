"""evolve.repair and evolve.hints: locating a failure, the names earlier cells defined, skill passages, splicing a
repair reply."""
import nbformat

from evolve import notebook as nb_io
from evolve.hints import skill_hints
from evolve.repair import (code_key, failing_statement, labelled_cells, locate_failure, names_defined, patch, replace,
                           replace_statement, splice, split_at_failure, to_percent)
from evolve.skills import Skill


def executed(cells, error_cell, traceback):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(c[1:]) if c.startswith("!") else nbformat.v4.new_code_cell(c)
                      for c in cells]
    notebook.cells[error_cell].outputs = [nbformat.v4.new_output("error", ename="E", evalue="v",
                                                                 traceback=traceback)]
    return notebook


IPYTHON_TRACE = ["\x1b[0;31m-----------\x1b[0m", "Cell \x1b[0;32mIn[3], line 2\x1b[0m\n      1 x = 1\n----> 2 y = f(x)",
                 "\x1b[0;31mNameError\x1b[0m: name 'f' is not defined"]


def test_the_failing_code_cell_line_and_error_come_from_the_kernels_traceback():
    notebook = executed(["import numpy as np\nfrom tvb.simulator.lab import models as m", "!Analysis",
                         "x = 1\ny = f(x)\nz = 3"], 2, IPYTHON_TRACE)
    failure = locate_failure(notebook, 2, "NameError: name 'f' is not defined\n...")
    assert (failure.cell, failure.index, failure.line, failure.line_text) == (2, 2, 2, "y = f(x)")
    assert failure.error_head == "NameError: name 'f' is not defined" and not failure.first
    assert failure.defined == ("np", "m")
    assert "-->   2 | y = f(x)" in failure.excerpt and "      1 | x = 1" in failure.excerpt
    assert failure.query() == "NameError: name 'f' is not defined y = f(x)"


def test_an_old_style_arrow_gives_the_line_and_a_line_outside_the_cell_or_no_cell_gives_none():
    notebook = executed(["a = 1\nb = a +", "c = 2"], 0, ["Traceback", "----> 2 b = a +", "SyntaxError"])
    assert locate_failure(notebook, 0, "SyntaxError: invalid syntax").line == 2
    assert locate_failure(notebook, 0, "SyntaxError").first
    lying = executed(["a = 1"], 0, ["Cell In[1], line 999"])
    assert locate_failure(lying, 0, "E").line is None
    assert locate_failure(notebook, None, "timeout") is None and locate_failure(notebook, 7, "x") is None
    assert locate_failure(None, 0, "x") is None


def test_a_hostile_traceback_is_clipped_and_cannot_break_the_reader():
    notebook = executed(["z = " + "1" * 5000], 0, ["x"])
    notebook.cells[0].outputs[0]["traceback"] = ["x" * 10_000_000, 5, None]  # as a hostile kernel might send
    failure = locate_failure(notebook, 0, "E" * 100_000)
    assert len(failure.error_head) <= 300 and len(failure.line_text) <= 300


def test_names_defined_cover_imports_assignments_loops_with_defs_and_skip_cells_that_do_not_parse():
    sources = ["import numpy as np, json\nimport tvb.simulator.lab\nfrom scipy import signal as sg",
               "a, (b, c) = 1, (2, 3)\nd: int = 4\nfor i, j in []: pass\nwith open('f') as fh: pass",
               "def f():\n    hidden = 1\nclass K: pass\nif True:\n    e = 5\ntry:\n    g = 1\nexcept E:\n    h = 2",
               "broken = (", "np = 2"]
    assert names_defined(sources) == ("np", "json", "tvb", "sg", "a", "b", "c", "d", "i", "j", "fh", "f", "K",
                                      "e", "g", "h")


SKILL = Skill("tvb-parameters", "Use when setting parameters.",
              "# Setting parameters\n\nParameters are arrays: `a=np.array([1.0])`. A plain float raises\n"
              "`TraitTypeError`.\n\nAn example:\n\n```python\n# complete example\nm = models.JansenRit(a=np.array([0.1]))\n\n"
              "sim.run()\n```\n\n## Noise\n\nNoise shape errors: `nsig` has one value per state variable.\n",
              {"keywords": "parameters"})


def test_skill_passages_are_paragraphs_under_their_heading_with_code_blocks_kept_whole():
    hints = skill_hints([SKILL], "TraitTypeError: can't be set to float", 10_000)
    assert [h.label for h in hints] == ["tvb-parameters: Setting parameters"]
    assert hints[0].text.startswith("Parameters are arrays") and "complete example" not in hints[0].text
    example = skill_hints([SKILL], "models.JansenRit sim.run", 10_000)[0]
    assert example.text.startswith("An example:") and example.text.rstrip().endswith("```")
    assert "# complete example" in example.text  # a comment inside a fence is not a heading


def test_skill_hints_keep_to_their_budget_and_an_error_nothing_mentions_gets_none():
    assert skill_hints([SKILL], "TraitTypeError", 20) == []  # the passage does not fit
    assert skill_hints([SKILL], "ZeroDivisionError: division by zero", 10_000) == []
    assert skill_hints([], "TraitTypeError", 10_000) == [] and skill_hints([SKILL], "  ", 10_000) == []


PACKAGED = Skill("tvb-results", "Use when writing results.",
                 "# Results\n\nWrite results.json with `json.dump`.\n\n- Convert numpy values with `float(x)`.\n"
                 "- Units: TVB times are in ms.\n",
                 files={"references/errors.md": b"# Errors and fixes\n\n- `TraitTypeError` for `conn.speed = 4.0`: "
                        b"use `np.array([4.0])`.\n- `AttributeError` for `monitors.BOLD`: it is `monitors.Bold`.\n"
                        b"  (the class name is CamelCase)\n",
                        "references/logo.md": b"\xff\xfe not text"})


def test_hints_come_from_a_skills_reference_files_too_one_list_item_each():
    hint, = skill_hints([PACKAGED], "AttributeError: module has no attribute 'BOLD' monitors.BOLD(period=2000)", 10_000)
    assert hint.label == "tvb-results/references/errors.md: Errors and fixes"
    assert hint.text.startswith("- `AttributeError`") and "CamelCase" in hint.text and "conn.speed" not in hint.text


def test_a_bodys_list_items_are_passages_of_their_own_and_an_undecodable_reference_is_skipped():
    hints = skill_hints([PACKAGED], "times ms units", 10_000)
    assert [h.text for h in hints] == ["- Units: TVB times are in ms."] and hints[0].label == "tvb-results: Results"
    assert skill_hints([PACKAGED], "not text", 10_000) == []


def test_a_repair_reply_follows_the_kept_cells_unless_it_repeats_them():
    previous = nb_io.from_reply("```python\n# %%\nimport json\nx = 1\n# %%\ny = x / 0\n# %%\nprint(y)\n```").notebook
    spliced = splice(previous, 1, nb_io.from_reply("```python\n# %%\ny = x / 2\n```").notebook)
    assert spliced.kept == 1 and nb_io.code_cells(spliced.notebook) == ["import json\nx = 1", "y = x / 2"]
    whole = splice(previous, 1, nb_io.from_reply("```python\nimport json\nx = 1\ny = x / 2\n```").notebook)
    assert whole.kept == 0 and "repeats 100%" in whole.reason
    nothing = splice(previous, 0, nb_io.from_reply("```python\nz = 2\n```").notebook)
    assert nothing.kept == 0


def test_to_percent_reads_back_as_the_same_cells():
    notebook = nb_io.from_reply("```python\n# %% [markdown]\n# Title\n# %%\nimport json\n\n# %%\nx = 1\n```").notebook
    text = to_percent(notebook)
    assert text.startswith("# %% [markdown]\n# Title\n\n# %% cell 1\nimport json")
    again = nb_io.from_reply(f"```python\n{text}```").notebook
    assert nb_io.code_cells(again) == nb_io.code_cells(notebook)


PREVIOUS = "```python\n# %% [markdown]\n# Intro\n# %%\nimport json\n# %%\nx = 1 / 0\n# %%\nprint(x)\n```"


def test_labelled_cells_read_the_cell_numbers_the_student_was_shown():
    reply = ("Here:\n```python\n# %% [markdown]\n# Fix\n# %% cell 2\nx = 1\n# %%\ny = 2\n# %%   Cell 4\nz = 3\n```\n"
             "```bash\nls\n```")
    assert labelled_cells(reply) == [(2, "x = 1"), (None, "y = 2"), (4, "z = 3")]
    assert labelled_cells("x = 1") == [(None, "x = 1")]


def test_a_labelled_reply_replaces_its_cells_inserts_unlabelled_ones_after_them_and_keeps_the_rest():
    previous = nb_io.from_reply(PREVIOUS).notebook
    result = patch(previous, "```python\n# %% cell 2\nx = 1 / 2\n# %%\nx += 1\n# %% cell 9\nprint('end')\n```")
    assert nb_io.code_cells(result.notebook) == ["import json", "x = 1 / 2", "x += 1", "print(x)", "print('end')"]
    assert result.notebook.cells[0].cell_type == "markdown" and result.kept == 3
    assert patch(previous, "```python\nx = 2\n```") is None  # no label: not a patch
    early = patch(previous, "```python\nimport math\n# %% cell 3\nprint(math.pi)\n```")
    assert nb_io.code_cells(early.notebook) == ["import json", "x = 1 / 0", "import math", "print(math.pi)"]


def _failed(sources: list[str], index: int, line: int):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    error = f"NameError: boom\nCell In[{index + 1}], line {line}"
    return notebook, locate_failure(notebook, index, error)


def test_a_cell_is_split_before_the_top_level_statement_that_holds_the_failing_line():
    source = "import math\nx = 1\nfor i in range(3):\n    x += i\n    y = bad(x)\nprint(x)"
    notebook, failure = _failed(["a = 0", source, "print('after')"], 1, 5)
    split, moved = split_at_failure(notebook, failure)
    assert nb_io.code_cells(split) == ["a = 0", "import math\nx = 1", "for i in range(3):\n    x += i\n"
                                       "    y = bad(x)\nprint(x)", "print('after')"]
    assert (moved.cell, moved.index, moved.line, moved.first) == (3, 2, 3, False)
    assert "-->   3 |     y = bad(x)" in moved.excerpt and moved.defined == ("a", "math", "x")
    assert code_key(split) == code_key(notebook)  # the same code, cut differently


def test_a_cell_is_not_split_when_its_first_statement_failed_or_it_does_not_parse_or_no_line_is_known():
    notebook, failure = _failed(["x = bad(\n    1)\ny = 2"], 0, 2)
    assert split_at_failure(notebook, failure) is None  # line 2 belongs to the first statement
    notebook, failure = _failed(["%matplotlib inline\nx = 1\ny = bad(x)"], 0, 3)
    assert split_at_failure(notebook, failure) is None
    notebook, _ = _failed(["x = 1\ny = bad(x)"], 0, 2)
    assert split_at_failure(notebook, locate_failure(notebook, 0, "timeout: notebook exceeded 9 s")) is None


def test_a_decorated_function_is_split_before_its_decorator():
    notebook, failure = _failed(["x = 1\n@wrap\ndef f():\n    pass"], 0, 2)
    split, _ = split_at_failure(notebook, failure)
    assert nb_io.code_cells(split) == ["x = 1", "@wrap\ndef f():\n    pass"]


def test_replace_puts_the_reply_in_place_of_the_failing_cell_and_keeps_the_cells_after_it():
    previous = nbformat.v4.new_notebook()
    previous.cells = [nbformat.v4.new_code_cell(s) for s in ("import json\nx = 1", "y = bad(x)", "print(y)")]
    replaced = replace(previous, 1, nb_io.from_reply("```python\ny = x / 2\n```").notebook)
    assert nb_io.code_cells(replaced.notebook) == ["import json\nx = 1", "y = x / 2", "print(y)"]
    assert replaced.kept == 2
    whole = replace(previous, 1, nb_io.from_reply("```python\nimport json\nx = 1\ny = 2\n```").notebook)
    assert whole.kept == 0 and nb_io.code_cells(whole.notebook) == ["import json\nx = 1\ny = 2"]


RUNS = "import json\nsim = 1\nt1, y1 = run(sim)\nt2, y2 = run(sim)\n# done\nprint(t1)\njson.dump({}, open('r', 'w'))"


def test_the_failing_statement_is_all_the_lines_of_the_top_level_statement_that_holds_the_failing_line():
    notebook, failure = _failed(["x = f(\n    1,\n    2)\ny = 3"], 0, 2)
    assert failing_statement(notebook, failure) == "x = f(\n    1,\n    2)"
    notebook, failure = _failed(["%magic\nx = 1"], 0, 2)
    assert failing_statement(notebook, failure) is None


def test_a_statement_reply_takes_the_failing_statements_place_and_the_statements_it_rewrote_too_are_dropped():
    notebook, failure = _failed(["a = 0", RUNS], 1, 3)
    one = replace_statement(notebook, failure, nb_io.from_reply("```python\n(t1, y1), = run(sim)\n```").notebook)
    assert nb_io.code_cells(one.notebook)[1] == RUNS.replace("t1, y1 = run", "(t1, y1), = run")
    assert one.kept == 1
    both = replace_statement(notebook, failure, nb_io.from_reply(
        "```python\n(t1, y1), = run(sim)\n(t2, y2), = run(sim)\n```").notebook)
    assert nb_io.code_cells(both.notebook)[1] == ("import json\nsim = 1\n(t1, y1), = run(sim)\n(t2, y2), = run(sim)\n"
                                                  "# done\nprint(t1)\njson.dump({}, open('r', 'w'))")


def test_a_statement_reply_that_rewrites_the_whole_cell_replaces_the_cell():
    notebook, failure = _failed(["a = 0", RUNS], 1, 3)
    rewritten = RUNS.replace("t1, y1 = run", "(t1, y1), = run")
    cell = replace_statement(notebook, failure, nb_io.from_reply(f"```python\n{rewritten}\n```").notebook)
    assert nb_io.code_cells(cell.notebook) == ["a = 0", rewritten]
    assert replace_statement(notebook, locate_failure(notebook, 1, "timeout"), cell.notebook) is None  # no line
