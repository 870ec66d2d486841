"""For the operator tests: a three-skill library, the failures a mutator learns from, and `given(...)`, an operator's
input over them; `fence` wraps a skill as a mutator model replies with it."""
import random
from pathlib import Path

from evolve.config import LibraryLimits
from evolve.engine.operators.base import Failure, OperatorInput
from evolve.library import Library
from evolve.skills import Skill

SKILLS = Path(__file__).resolve().parents[2] / "skills"
LIMITS = LibraryLimits()
RUN = Skill("run-output", "Use when unpacking sim.run() results and indexing time series arrays.",
            "# Run output\n\n- One monitor: unpack with a trailing comma, `(t, y), = sim.run()`.\n"
            "- Data is 4-D: `y[:, 0, region, 0]`.\n\n```python\n(t, y), = sim.run(simulation_length=1000.0)\n```",
            {"role": "student", "keywords": "run, unpack"})
NOISE = Skill("noise", "Use when adding noise to a stochastic integrator.",
              "# Noise\n\n- `noise.Additive(nsig=np.array([0.01]))` with `integrators.HeunStochastic(dt=0.1)`.",
              {"role": "student", "keywords": "noise"})
BASICS = Skill("basics", "Use always: how to write results.json.",
               "# Basics\n\nSave numbers with `json.dump(results, open('results.json', 'w'))`.",
               {"role": "student", "always-load": "true"})
LIBRARY = Library.of([RUN, NOISE, BASICS])
REQUEST = "Simulate the resting brain for two seconds and report the mean firing rate of every single region."
UNPACK = "ValueError: not enough values to unpack (expected 2, got 1)"
FAILURES = (
    Failure("rest-a", REQUEST, 0.0, f"Traceback ...\n{UNPACK}", ("run-output", "basics"), "t, y = sim.run()"),
    Failure("rest-b", "Run a short simulation of the brain.", 0.25, f"cell 2 failed\n{UNPACK}",
            ("run-output", "basics"), "t, y = sim.run()\n" + "x = 1\n" * 400),
    Failure("noisy", "Add noise to the simulation.", None, "check 'variance' failed: 0.0 not in [0.1, 1]",
            ("noise", "basics")),
)


def fence(text: str, chatter: str = "Here is the skill:\n\n") -> str:
    return f"{chatter}```markdown\n{text}```\n\nI hope this helps."


def given(parents=(LIBRARY,), failures=FAILURES, limits=LIMITS, seed=0, ancestor=None):
    return OperatorInput(parents=tuple(parents), failures=tuple(failures), limits=limits, rng=random.Random(seed),
                         ancestor=ancestor)


REWRITTEN_RUN = RUN.with_body(RUN.body + "\n- `t, y = sim.run()` with one monitor raises ValueError.")
