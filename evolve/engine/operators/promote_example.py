"""promote-example: a train trial's passing notebook becomes a complete example in the skill that was routed to it.

Why: execution proved that notebook right (it ran and passed every check), and a small student adapts a complete
runnable example far better than prose. No model call: the operator is deterministic and costs nothing.

Contract (arity 1): among the solved train trials of parents[0] (`OperatorInput.successes`), pick one at random
(`rng`); its code (the code cells of the student's reply, joined) must parse as Python and be no more than
`MAX_EXAMPLE_BYTES`. The target skill is the injected skill (present in the parent) whose name, description
and keywords best match the goal's request (BM25, evolve.routing); ties by name. Goal-specific constants are
generalised: every number and string literal of the code whose text also appears in the goal's request is
hoisted into a named parameter at the top of the example (`TASK_VALUE_1 = 500.0  # from the task: set yours`),
and each of its occurrences replaced by that name, so the example still runs as it did and shows which values
belong to a task. The example goes into the skill's body under "## A worked example (it ran and passed its
checks)", replacing an earlier promoted example in that skill. Declines without a solved train trial, when the
code does not parse or is too long, when the skill already holds this example, or when the child breaks the
limits or copies a train request's words (`common.decline_bad_child`). The engine's gate then runs the example
in the sandbox (evolve.engine.examples) before the child gets a trial.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize

from ...models import ModelClient
from ...notebook import code_cells, from_reply
from ...routing import bm25_scores
from .base import Failure, OperatorDeclined, OperatorInput, Proposal
from .common import decline_bad_child

MAX_EXAMPLE_BYTES = 4000
HEADING = "## A worked example (it ran and passed its checks)"
_SECTION = re.compile(r"\n*" + re.escape(HEADING) + r"\n.*?```python\n# complete example\n.*?```\n?", re.DOTALL)


def example_code(reply: str) -> str:
    """The code cells of a student's reply, joined as one script."""
    notebook = from_reply(reply).notebook
    if notebook is None:  # no code in the reply
        return ""
    return "\n\n".join(cell.rstrip() for cell in code_cells(notebook) if cell.strip())


def generalise(code: str, request: str) -> tuple[str, list[tuple[str, str]]]:
    """`code` with the literals that also appear in `request` hoisted into named parameters; returns the new
    code (parameters first) and the (name, literal) pairs. Raises SyntaxError when the code does not parse."""
    ast.parse(code)
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?", request))
    numbers = {_number(w) for w in words if w[0].isdigit()}
    names: dict[str, str] = {}
    edits: list[tuple[tuple[int, int], tuple[int, int], str]] = []
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        literal = token.string
        if token.type == tokenize.NUMBER:
            value = _number(literal)
            hit = value is not None and value in numbers and value not in (0.0, 1.0)
        elif token.type == tokenize.STRING:
            try:
                text = ast.literal_eval(literal)
            except (ValueError, SyntaxError):
                continue
            hit = isinstance(text, str) and text in words and len(text) > 1
        else:
            continue
        if hit:
            name = names.setdefault(literal, f"TASK_VALUE_{len(names) + 1}")
            edits.append((token.start, token.end, name))
    lines = code.splitlines(keepends=True)
    for (row, col), (end_row, end_col), name in reversed(edits):
        if row != end_row:
            continue  # a multi-line string: leave it
        line = lines[row - 1]
        lines[row - 1] = line[:col] + name + line[end_col:]
    header = "".join(f"{name} = {literal}  # from the task: set yours\n" for literal, name in names.items())
    return (header + ("\n" if header else "") + "".join(lines)), [(n, lit) for lit, n in names.items()]


def _number(text: str) -> float | None:
    try:
        return float(text.replace("_", ""))
    except ValueError:
        return None


class PromoteExample:
    name = "promote-example"
    arity = 1

    def propose(self, given: OperatorInput, client: ModelClient) -> Proposal:
        parent = given.parents[0]
        solved = [s for s in given.successes if s.code.strip()]
        if not solved:
            raise OperatorDeclined("no solved train trial to learn from")
        success: Failure = given.rng.choice(sorted(solved, key=lambda s: (s.goal, s.code)))
        code = example_code(success.code)
        if not code or len(code.encode("utf-8")) > MAX_EXAMPLE_BYTES:
            raise OperatorDeclined(f"the passing notebook of {success.goal} is empty or over {MAX_EXAMPLE_BYTES} "
                                   "bytes: too long for a skill's example")
        try:
            general, hoisted = generalise(code, success.request)
        except SyntaxError as error:
            raise OperatorDeclined(f"the passing notebook of {success.goal} does not parse: {error}") from error
        candidates = [parent[name] for name in success.injected if name in parent]
        if not candidates:
            raise OperatorDeclined(f"no skill of the parent was routed to the trial of {success.goal}")
        scores = bm25_scores(candidates, success.request)
        target = max(candidates, key=lambda s: (scores.get(s.name, 0.0), [-ord(c) for c in s.name]))
        section = f"\n\n{HEADING}\n\n```python\n# complete example\n{general.rstrip()}\n```\n"
        body = _SECTION.sub("", target.body).rstrip() + section
        if body == target.body:
            raise OperatorDeclined(f"'{target.name}' already holds this example")
        child = parent.with_skill(target.with_body(body))
        decline_bad_child(parent, child, given.limits, [f.request for f in given.failures + given.successes])
        note = (f"promoted the passing notebook of train goal {success.goal} into '{target.name}' as a "
                f"complete example, {len(hoisted)} task value(s) made parameters.")
        return Proposal(child, note)
