"""From a model's reply to a notebook: every accepted shape, and prose rejected with an actionable reason."""
import json

import nbformat

from evolve import notebook
from evolve.notebook import from_reply

PERCENT = """# %% [markdown]
# # Title
# Some words.

# %%
import numpy as np
x = np.arange(3)

# %%
print(x.sum())
"""


def kinds(draft):
    return [c.cell_type for c in draft.notebook.cells]


def test_bare_percent_text_becomes_cells():
    draft = from_reply(PERCENT)
    assert draft.ok and kinds(draft) == ["markdown", "code", "code"]
    assert draft.notebook.cells[1].source.startswith("import numpy")
    assert draft.notebook.cells[0].source.startswith("# Title")
    nbformat.validate(draft.notebook)


def test_percent_inside_a_fence_with_chatter_around_it():
    reply = f"Sure! Here is the notebook:\n\n```python\n{PERCENT}```\n\nLet me know if you need more."
    draft = from_reply(reply)
    assert draft.ok and draft.path == "fences"
    assert kinds(draft) == ["markdown", "markdown", "code", "code", "markdown"]  # the chatter is kept as text
    assert draft.notebook.cells[0].source == "Sure! Here is the notebook:"


def test_code_after_a_markdown_cell_without_its_own_marker_is_code():
    # What Qwen2.5-Coder-1.5B wrote in 3 of the first 16 ablation trials: the code sits under the markdown header.
    reply = ("```python\n# %% [markdown]\n# ## Load the connectivity\nimport numpy as np\nx = np.ones(3)\n\n"
             "# %% [markdown]\n# Save it\n# (as JSON)\n\n# %%\nprint(x)\n```")
    draft = from_reply(reply)
    assert draft.ok and kinds(draft) == ["markdown", "code", "markdown", "code"]
    assert draft.notebook.cells[0].source == "## Load the connectivity"
    assert draft.notebook.cells[1].source == "import numpy as np\nx = np.ones(3)"
    assert draft.notebook.cells[2].source == "Save it\n(as JSON)"
    only_markdown = "```python\n# %% [markdown]\n# ## Setup\n# We will simulate.\n```"
    assert not from_reply(only_markdown).ok  # comment lines alone are still no code


def test_a_snippet_repeated_in_the_whole_notebook_is_run_once_and_other_code_is_never_dropped():
    repeated = f"First a snippet:\n```python\n# %%\nx = np.arange(3)\n```\nNow the notebook:\n```python\n{PERCENT}```"
    assert notebook.code_cells(from_reply(repeated).notebook) == ["import numpy as np\nx = np.arange(3)",
                                                                  "print(x.sum())"]
    distinct = f"Imports first:\n```python\nimport json\n```\nNow the notebook:\n```python\n{PERCENT}```"
    assert notebook.code_cells(from_reply(distinct).notebook)[0] == "import json"  # used to be dropped
    twice = "```python\nx = 1\n```\nagain:\n```python\nx = 1\n```"
    assert notebook.code_cells(from_reply(twice).notebook) == ["x = 1"]


def test_a_fence_mark_inside_a_comment_neither_opens_nor_closes_a_fence():
    # The shape that lost the imports of 6 of 44 real replies: markdown cells ending in a comment holding a fence.
    reply = ("```python\n# %% [markdown]\n# Load the data\n# ```\n\n# %%\nimport numpy as np\n\n"
             "# %% [markdown]\n# Now compute\n# ```\n\n# %%\nprint(np.pi)\n```")
    draft = from_reply(reply)
    assert notebook.code_cells(draft.notebook) == ["import numpy as np", "print(np.pi)"]


def test_a_non_python_fence_is_kept_as_text_and_the_student_is_told():
    draft = from_reply("```python\nx = 1\n```\n```bash\nls -l\n```")
    assert draft.ok and notebook.code_cells(draft.notebook) == ["x = 1"]
    assert "ls -l" in draft.notebook.cells[-1].source and "not run" in draft.notes[0]


def test_plain_fences_become_one_code_cell_each_with_prose_as_markdown():
    reply = "Load data:\n```python\nx = 1\n```\nThen print:\n```py\nprint(x)\n```\nDone."
    draft = from_reply(reply)
    assert kinds(draft) == ["markdown", "code", "markdown", "code", "markdown"]


def test_non_python_fences_are_not_code():
    reply = "Run this:\n```bash\npip install tvb\n```\nThen nothing else."
    draft = from_reply(reply)
    assert not draft.ok and "no Python code" in draft.reason


def test_bare_code_is_one_cell():
    draft = from_reply("import math\nprint(math.pi)\n")
    assert draft.ok and kinds(draft) == ["code"]


def test_prose_is_rejected_with_instructions():
    draft = from_reply("To simulate the brain, first load the connectivity, then configure a model.")
    assert not draft.ok
    assert "```python" in draft.reason and "# %%" in draft.reason


def test_empty_reply_is_rejected():
    assert not from_reply("").ok
    assert not from_reply("```python\n\n```").ok


def test_notebook_json_is_accepted_when_valid():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("y = 2")])
    draft = from_reply(json.dumps(nb))
    assert draft.ok and draft.notebook.cells[0].source == "y = 2"


def test_syntax_errors_are_reported_per_cell_but_the_notebook_is_built():
    draft = from_reply("# %%\nx = 1\n# %%\nprint(x\n")
    assert draft.ok
    assert draft.syntax_errors == ["code cell 2, line 1: SyntaxError: '(' was never closed"]


def test_magics_do_not_count_as_syntax_errors():
    assert from_reply("# %%\n%matplotlib inline\nx = 1\n").syntax_errors == []


def test_unterminated_fence_still_yields_code():
    draft = from_reply("```python\n# %%\nx = 1\n# %%\nprint(x)\n")
    assert draft.ok and len(draft.notebook.cells) == 2


def test_read_py_percent_and_ipynb(tmp_path):
    py = tmp_path / "n.py"
    py.write_text(PERCENT)
    nb = notebook.read(py)
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code"]
    notebook.write(nb, tmp_path / "n.ipynb")
    assert notebook.read(tmp_path / "n.ipynb").cells[2].source == "print(x.sum())"
    assert notebook.code_text(nb).count("\n\n") == 1
