"""Never lose what the student wrote: over generated replies that mix fences, py:percent markers, markdown cells,
markers-less code under markdown headers, stray fence marks inside comments, prose between blocks and
unterminated fences, every code line of the reply is in the notebook's code, in order.

The generator is seeded (the same 1,500 replies every run), so a failure names the seed that reproduces it. The
same holds for every real reply in the experiment archives committed under experiments/."""
from __future__ import annotations

import random
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from evolve.archive import open_for_reading
from evolve.notebook import code_cells, from_reply

CASES = 1500


def _cells(rng: random.Random, counter: list[int]) -> list[tuple[str, list[str], list[str]]]:
    """(kind, lines as written, code lines among them) for a few cells."""
    cells = []
    for _ in range(rng.randint(1, 5)):
        if rng.random() < 0.35:
            lines = [f"# words {rng.randint(0, 99)}" for _ in range(rng.randint(1, 3))]
            if rng.random() < 0.4:
                lines.append("# ```")  # the fence mark in a comment seen in real replies
            code = []
            if rng.random() < 0.3:  # code straight under the markdown header, no marker before it
                code = [_code_line(counter) for _ in range(rng.randint(1, 3))]
            cells.append(("markdown", lines + code, code))
        else:
            lines, code = [], []
            for _ in range(rng.randint(1, 4)):
                roll = rng.random()
                if roll < 0.15:
                    lines.append("# ```python" if rng.random() < 0.5 else "# ```")
                elif roll < 0.25:
                    lines.append("# a comment")
                elif roll < 0.3:
                    lines.append("")
                else:
                    line = _code_line(counter)
                    lines.append(line)
                    code.append(line)
            if not code:
                line = _code_line(counter)
                lines.append(line)
                code.append(line)
            cells.append(("code", lines, code))
    return cells


def _code_line(counter: list[int]) -> str:
    counter[0] += 1
    n = counter[0]
    return [f"v_{n} = {n}", f"print('x{n}')", f"import mod_{n}", f"def f_{n}():\n    return {n}"][n % 4]


def _percent(cells, markers: bool) -> str:
    out = []
    for kind, lines, _ in cells:
        if markers:
            out.append("# %% [markdown]" if kind == "markdown" else "# %%")
        out += lines
        out.append("")
    return "\n".join(out)


def reply(seed: int) -> tuple[str, list[str]]:
    """A reply and the code lines it holds, in order."""
    rng = random.Random(seed)
    counter = [0]
    blocks = [_cells(rng, counter) for _ in range(rng.randint(1, 3))]
    shape = rng.choice(["bare-percent", "one-fence", "fences", "fences"])
    if shape == "bare-percent":
        text = "\n".join(_percent(cells, True) for cells in blocks)
    else:
        if shape == "one-fence":
            blocks = [[cell for cells in blocks for cell in cells]]
        parts = []
        if rng.random() < 0.5:
            parts.append("Sure, here is the notebook:")
        for i, cells in enumerate(blocks):
            markers = rng.random() < 0.7 or any(k == "markdown" for k, _, _ in cells)
            language = rng.choice(["python", "py", "", "python3"])
            last = i == len(blocks) - 1
            close = "" if last and rng.random() < 0.2 else "\n```"  # an answer cut off inside its fence
            parts.append(f"```{language}\n{_percent(cells, markers).rstrip()}{close}")
            if not last and rng.random() < 0.6:
                parts.append(rng.choice(["Then:", "Next we compute the spectrum.", "## Step 2"]))
        if rng.random() < 0.4 and parts[-1].endswith("```"):
            parts.append("Let me know if you need more.")
        text = "\n\n".join(parts)
    code = [line for cells in blocks for _, _, lines in cells for line in lines]
    return text, code


@pytest.mark.parametrize("chunk", range(5))
def test_every_code_line_of_a_generated_reply_is_in_the_notebook_in_order(chunk):
    for seed in range(chunk * CASES // 5, (chunk + 1) * CASES // 5):
        text, code = reply(seed)
        draft = from_reply(text)
        if not code:
            assert not draft.ok, (seed, text)  # comment lines alone are no code
            continue
        assert draft.ok, (seed, text)
        have = "\n".join(code_cells(draft.notebook)).split("\n")
        remaining = iter(have)
        missing = [line for line in "\n".join(code).split("\n") if not any(line == h for h in remaining)]
        assert not missing, f"seed {seed}: lost {missing[:3]} from\n{text}"


ARCHIVES = sorted(p for p in (Path(__file__).resolve().parents[1] / "experiments").glob("*/*.duckdb")
                  if not p.name.endswith(".snapshot.duckdb"))
_FENCE = re.compile(r"^ {0,3}```")


def _real_replies() -> list[str]:
    replies = []
    # Copies: reading an archive of an older schema upgrades it, and the committed files must stay as they are.
    with tempfile.TemporaryDirectory() as scratch:
        for source in ARCHIVES:
            path = Path(scratch) / f"{source.parent.name}-{source.name}"
            shutil.copyfile(source, path)
            with open_for_reading(path) as reader:
                replies += [r["reply"] for r in reader.rows(
                    "SELECT u.turn.reply AS reply FROM evaluations e, unnest(e.transcript) AS u(turn) "
                    "WHERE u.turn.outcome NOT IN ('disclosure', 'cut') AND u.turn.reply IS NOT NULL")]
    return replies


def _code_runs(text: str) -> list[list[str]]:
    """The reply's code lines, fence by fence, read independently of evolve.notebook: the lines of each
    python (or unlabelled) fence when the reply has closed fences, else every line; comments, blank lines and
    `# %%` markers left out."""
    lines, runs, inside, run = text.replace("\r\n", "\n").split("\n"), [], None, []
    if sum(bool(_FENCE.match(line)) for line in lines) < 2:
        runs = [[line for line in lines if not _FENCE.match(line)]]  # an unclosed fence mark is not code
    else:
        for line in lines:
            if _FENCE.match(line):
                if inside is None:
                    inside, run = line.strip()[3:].strip().lower() in ("", "python", "py", "python3"), []
                else:
                    if inside:
                        runs.append(run)
                    inside = None
            elif inside:
                run.append(line)
    return [[line for line in run if line.strip() and not line.lstrip().startswith("#")] for run in runs]


@pytest.mark.skipif(not ARCHIVES, reason="no experiment archive is committed")
def test_every_code_line_of_every_real_reply_in_the_committed_archives_reaches_the_notebook():
    replies = _real_replies()
    assert replies
    for text in replies:
        draft = from_reply(text)
        runs = [run for run in _code_runs(text) if run]
        if not runs:
            continue
        assert draft.ok, text
        have = "\n".join(code_cells(draft.notebook)).split("\n")
        for run in runs:  # each fence in order (a fence repeated in full elsewhere is kept once)
            remaining = iter(have)
            missing = [line for line in run if not any(line == h for h in remaining)]
            assert not missing, f"lost {missing[:3]} from\n{text}"
