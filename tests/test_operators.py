"""The mutation operators and their registry, on a scripted mutator: good replies, malformed ones, outages."""
import itertools
import os
import random
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import litellm
import pytest

from evolve.config import CallPolicy, LibraryLimits, RoleSettings
from evolve.engine import toolbox as toolbox_module
from evolve.engine.operators.add_skill import AddSkill, signature
from evolve.engine.operators.base import Failure, OperatorDeclined
from evolve.engine.operators.common import ask
from evolve.engine.operators.compress import Compress, facts, lost_facts
from evolve.engine.operators.crossover import Crossover
from evolve.engine.operators.delete_skill import DeleteSkill
from evolve.engine.operators.merge_skills import MergeSkills
from evolve.engine.operators.parsing import fenced_blocks, skill_from_reply, skills_from_reply
from evolve.engine.operators.reflective_rewrite import ReflectiveRewrite
from evolve.engine.operators.split_skill import SplitSkill
from evolve.config import RunSettings
from evolve.engine.toolbox import OPERATORS, Toolbox, build, default_toolbox
from evolve.library import Library
from evolve.models import Completion, CallRecord, ModelCallError, ModelClient, ProviderDown
from evolve.skills import Skill, load
from helpers.operator_data import BASICS, LIBRARY, LIMITS, NOISE, REQUEST, REWRITTEN_RUN, RUN, SKILLS, UNPACK, fence, given
from helpers.scripted_llm import install

def client(replies):
    handler = install("scripted", replies)
    ticks = itertools.count()
    # every clock read is one second later: an outage outlasts max_outage_s=0 at once, without sleeping
    return ModelClient({"mutator": RoleSettings("scripted/mutator")},
                       CallPolicy(breaker_threshold=1, breaker_cooldown_s=0, max_outage_s=0),
                       sleep=lambda s: None, clock=lambda: float(next(ticks))), handler


def down():
    return litellm.ServiceUnavailableError("down", llm_provider="scripted", model="mutator")


def declined(operator, inputs, replies, match):
    c, _ = client(replies)
    with pytest.raises(OperatorDeclined, match=match) as info:
        operator.propose(inputs, c)
    return info.value


# --- parsing -------------------------------------------------------------------------------------------

def test_a_fenced_skill_with_nested_code_and_chatter_parses():
    skill = skill_from_reply(fence(RUN.text), "test", LIMITS)
    assert skill.sha256 == RUN.sha256 and "sim.run(simulation_length=1000.0)" in skill.body


def test_an_untagged_nested_code_block_stays_inside_the_skill():
    text = RUN.text.replace("```python", "```")
    (block,) = fenced_blocks(fence(text))
    assert block.content.rstrip().endswith("```") and "I hope" not in block.content


def test_bare_frontmatter_without_a_fence_parses():
    assert skill_from_reply("Sure.\n" + NOISE.text, "test", LIMITS).sha256 == NOISE.sha256


def test_a_body_only_reply_keeps_the_original_frontmatter():
    skill = skill_from_reply("```markdown\n# Noise\n\nUse `noise.Additive`.\n```", "test", LIMITS, original=NOISE)
    assert (skill.name, skill.description, dict(skill.metadata)) == (NOISE.name, NOISE.description,
                                                                     dict(NOISE.metadata))
    assert skill.body == "# Noise\n\nUse `noise.Additive`."


def test_an_unquoted_colon_in_the_description_is_repaired():
    text = "---\nname: new-one\ndescription: Use when: unpacking results\n---\n\n# New\n\nBody.\n"
    assert skill_from_reply(fence(text), "test", LIMITS).description == "Use when: unpacking results"


def test_metadata_keeps_inherited_role_and_drops_export_only_and_invented_keys():
    text = ("---\nname: run-output\ndescription: d\nmetadata:\n  role: navigator\n  lineage: made up\n"
            "  score: '1.0'\n  keywords: run, results\n  mood: happy\n---\n\n# Body\n")
    skill = skill_from_reply(fence(text), "test", LIMITS, original=RUN, keep_name=True)
    assert dict(skill.metadata) == {"role": "student", "keywords": "run, results"}


@pytest.mark.parametrize("reply, reason", [
    ("I think the skill should explain unpacking better.", "no SKILL.md"),
    (fence("---\nname: Bad Name!\ndescription: d\n---\n\n# B\n"), "invalid"),
    (fence("---\nname: x\n\n# never closed\n"), "invalid frontmatter"),
    (fence("---\nname: no-description\n---\n\n# B\n"), "invalid frontmatter"),
])
def test_unusable_replies_decline_with_a_reason(reply, reason):
    with pytest.raises(OperatorDeclined, match=reason):
        skill_from_reply(reply, "test", LIMITS)


def test_the_last_blocks_win_and_too_few_decline():
    echo_then_two = fence(RUN.text) + fence(NOISE.text) + fence(BASICS.text)
    assert [s.name for s in skills_from_reply(echo_then_two, "test", LIMITS, count=2)] == ["noise", "basics"]
    with pytest.raises(OperatorDeclined, match="2 ```markdown blocks"):
        skills_from_reply(fence(RUN.text), "test", LIMITS, count=2)


def test_a_truncated_reply_declines_with_its_call():
    record = CallRecord("mutator", "m", "m", True)
    fake = SimpleNamespace(complete=lambda role, messages: Completion(
        "```markdown\n---", record, raw=SimpleNamespace(choices=[SimpleNamespace(finish_reason="length")])))
    with pytest.raises(OperatorDeclined, match="max_tokens") as info:
        ask(fake, "op_compress.md.j2", skill_text="x", skill_name="x", target_bytes=1, target_words=1, current_bytes=2)
    assert info.value.calls == [record]


# --- reflective-rewrite --------------------------------------------------------------------------------



def test_rewrite_targets_the_most_blamed_skill_and_shows_its_failures():
    c, handler = client([fence(REWRITTEN_RUN.text)])
    proposal = ReflectiveRewrite().propose(given(), c)
    assert LIBRARY.diff(proposal.child).changed == ("run-output",)
    assert proposal.child["run-output"].sha256 == REWRITTEN_RUN.sha256
    assert proposal.note.startswith("rewrote run-output") and "2 train failure(s)" in proposal.note
    assert len(proposal.calls) == 1 and proposal.calls[0].ok
    system, user = handler.calls[0]
    assert "Agent Skills" in system["content"]
    assert RUN.body in user["content"] and UNPACK in user["content"]
    assert "rest-a" not in user["content"]  # goal slugs are never shown to the mutator
    assert "x = 1\nx = 1" in user["content"] and user["content"].count("x = 1") < 400  # code trimmed


def test_rewrite_keeps_the_name_even_when_the_model_renames():
    renamed = REWRITTEN_RUN.text.replace("name: run-output", "name: better-run-output")
    c, _ = client([fence(renamed)])
    assert ReflectiveRewrite().propose(given(), c).child.diff(LIBRARY).changed == ("run-output",)


@pytest.mark.parametrize("reply, reason", [
    ("You should explain unpacking better.", "no SKILL.md"),
    (fence(RUN.text), "unchanged"),
    (fence("---\nname: run-output\ndescription: never closed\n\n# B\n"), "invalid frontmatter"),
    (fence(RUN.with_body(RUN.body + "\n" + REQUEST).text), "copies a train goal"),
])
def test_rewrite_declines_malformed_replies_and_counts_the_call(reply, reason):
    error = declined(ReflectiveRewrite(), given(), [reply], reason)
    assert len(error.calls) == 1


def test_rewrite_declines_a_child_over_the_library_limit():
    limits = LibraryLimits(max_skill_bytes=16_384, max_library_bytes=LIBRARY.nbytes + 10)
    bigger = RUN.with_body(RUN.body + "\n- " + "more words " * 20)
    declined(ReflectiveRewrite(), given(limits=limits), [fence(bigger.text)], "library limit")


def test_rewrite_without_failures_declines_without_a_call():
    c, handler = client([])
    with pytest.raises(OperatorDeclined, match="no train failures"):
        ReflectiveRewrite().propose(given(failures=()), c)
    assert handler.calls == []


@pytest.mark.parametrize("operator", [ReflectiveRewrite(), AddSkill(), SplitSkill(), MergeSkills(), Compress()])
def test_provider_down_propagates(operator):
    library = Library.of([RUN, NOISE, BASICS, Skill("big", "Use when noise and results are big.",
                                                    "# Big\n\n" + "- a fact about `noise`\n" * 80)])
    c, _ = client([down()])
    with pytest.raises(ProviderDown):
        operator.propose(given(parents=(library,)), c)


def test_a_permanent_model_error_is_not_a_decline():
    c, _ = client([litellm.BadRequestError("bad", model="mutator", llm_provider="scripted")])
    with pytest.raises(ModelCallError):
        ReflectiveRewrite().propose(given(), c)


# --- add-skill -------------------------------------------------------------------------------------------

NEW = Skill("unpack-run", "Use when unpacking what sim.run() returns.",
            "# Unpacking\n\n```python\n(t, y), = sim.run()\n```", {"keywords": "unpack"})


def test_signature_groups_the_same_error_with_different_numbers():
    assert signature(f"x\n{UNPACK}") == signature("ValueError: not enough values to unpack (expected 3, got 2)")
    assert signature("check 'a' failed: 1.0") == signature("check 'b' failed: 2.5")
    report = "Execution: the notebook ran without error in {} s.\n\nChecks: 1 of 2 passed.\n- [pass] a: ok\n" \
             "- [FAIL] rate_in_range: {} not in [1, 2]"
    assert signature(report.format(3.5, 0.0)) == signature(report.format(12.0, 7.1)) == "- [FAIL] rate_in_range: # not in"


def test_add_skill_writes_a_new_skill_for_the_largest_cluster():
    c, handler = client([fence(NEW.text)])
    proposal = AddSkill().propose(given(), c)
    assert LIBRARY.diff(proposal.child).added == ("unpack-run",)
    assert proposal.child["unpack-run"].metadata["role"] == "student"
    assert "2 train failure(s)" in proposal.note and "ValueError" in proposal.note
    prompt = handler.calls[0][1]["content"]
    assert "variance" not in prompt and "- noise: Use when adding noise" in prompt


@pytest.mark.parametrize("reply, reason", [
    (fence(NEW.text.replace("name: unpack-run", "name: noise")), "existing name 'noise'"),
    (fence("---\nname: unpack-run\n---\n\n# B\n"), "invalid frontmatter"),
    (fence("# Just a body\n\nNo frontmatter."), "no SKILL.md"),
])
def test_add_skill_declines_bad_replies(reply, reason):
    declined(AddSkill(), given(), [reply], reason)


# --- split-skill -----------------------------------------------------------------------------------------

def _part(name: str, topic: str) -> Skill:
    return Skill(name, f"Use when {topic}.", f"# {topic}\n\n" + "".join(f"- fact {i} about `{topic}`.\n"
                                                                       for i in range(3)))


def test_split_replaces_the_largest_skill_by_two():
    stimulus, problems = load(SKILLS / "tvb-stimulus")
    assert stimulus and not problems
    library = Library.of([stimulus, NOISE])
    c, handler = client([fence(_part("stimulus-timing", "pulse timing").text)
                         + fence(_part("stimulus-where", "stimulus weights").text)])
    proposal = SplitSkill().propose(given(parents=(library,)), c)
    assert sorted(proposal.child.skills) == ["noise", "stimulus-timing", "stimulus-where"]
    assert proposal.child["stimulus-where"].metadata["keywords"] == stimulus.metadata["keywords"]  # inherited
    assert proposal.note.startswith("split tvb-stimulus")
    assert "noise" in handler.calls[0][1]["content"]  # names it must not take


@pytest.mark.parametrize("parts, reason", [
    (["stimulus-timing"], "2 ```markdown blocks"),
    (["stimulus-timing", "stimulus-timing"], "both parts"),
    (["stimulus-timing", "noise"], "existing skill name"),
])
def test_split_declines_bad_replies(parts, reason):
    stimulus, _ = load(SKILLS / "tvb-stimulus")
    reply = "".join(fence(_part(name, f"topic {i}").text) for i, name in enumerate(parts))
    declined(SplitSkill(), given(parents=(Library.of([stimulus, NOISE]),)), [reply], reason)


def test_split_declines_without_a_large_skill():
    declined(SplitSkill(), given(), [], "large enough")


# --- merge-skills ----------------------------------------------------------------------------------------

def test_merge_picks_the_most_overlapping_pair():
    monitors = Skill("monitors", "Use when unpacking sim.run() results of several monitors.", "# M\n\nText.",
                     {"keywords": "monitor", "always-load": "true"})
    library = Library.of([RUN, NOISE, monitors])
    merged = Skill("run-output", "Use when unpacking sim.run() results of one or several monitors.",
                   "# Run output\n\n`(t, y), = sim.run()`")  # no metadata: keywords are the union
    c, handler = client([fence(merged.text)])
    proposal = MergeSkills().propose(given(parents=(library,)), c)
    assert sorted(proposal.child.skills) == ["noise", "run-output"]
    assert dict(proposal.child["run-output"].metadata) == {"role": "student", "always-load": "true",
                                                           "keywords": "monitor, run, unpack"}
    assert "merged monitors and run-output" in proposal.note
    assert "Noise" not in handler.calls[0][1]["content"]


def test_merge_declines_a_name_taken_by_a_third_skill():
    monitors = Skill("monitors", "Use when unpacking sim.run() results of several monitors.", "# M\n\nText.")
    library = Library.of([RUN, NOISE, monitors])
    declined(MergeSkills(), given(parents=(library,)), [fence(NOISE.with_body("# Merged\n\nText.").text)],
             "name of another skill")


def test_merge_declines_without_an_overlapping_pair():
    declined(MergeSkills(), given(parents=(Library.of([RUN, NOISE]),)), [], "share any description words")


# --- delete-skill ----------------------------------------------------------------------------------------

def test_delete_removes_the_most_blamed_skill_but_spares_always_load():
    proposal = DeleteSkill().propose(given(), client([])[0])
    assert sorted(proposal.child.skills) == ["basics", "noise"]
    assert proposal.calls == [] and proposal.note.startswith("deleted run-output")


def test_delete_without_injection_data_removes_the_least_related_skill():
    failures = [Failure("g", "Unpack the run output and index the time series.", 0.0, "failed")]
    proposal = DeleteSkill().propose(given(failures=failures), client([])[0])
    assert LIBRARY.diff(proposal.child).removed == ("noise",)  # basics is unrelated too, but always-load
    assert "least related" in proposal.note


def test_delete_never_empties_a_library():
    declined(DeleteSkill(), given(parents=(Library.of([RUN]),)), [], "at most one skill")


# --- crossover -------------------------------------------------------------------------------------------

def _edit(skill: Skill, text: str) -> Skill:
    return skill.with_body(skill.body + f"\n\n{text}")


def test_crossover_takes_each_skill_from_the_parent_that_changed_it():
    ancestor = LIBRARY
    first = ancestor.with_skill(_edit(RUN, "first's edit")).without("basics")
    extra = Skill("extra", "Use when extra.", "# Extra\n\nText.")
    second = ancestor.with_skill(_edit(NOISE, "second's edit")).with_skill(extra)
    proposal = Crossover().propose(given(parents=(first, second), ancestor=ancestor), client([])[0])
    child = proposal.child
    assert sorted(child.skills) == ["extra", "noise", "run-output"]  # basics: deleted by first, kept deleted
    assert "first's edit" in child["run-output"].body and "second's edit" in child["noise"].body
    assert "from the second parent (extra, noise)" in proposal.note


def test_crossover_flips_a_coin_when_both_changed_a_skill():
    first = LIBRARY.with_skill(_edit(RUN, "one")).with_skill(_edit(NOISE, "n1"))
    second = LIBRARY.with_skill(_edit(RUN, "two")).with_skill(_edit(BASICS, "b2"))
    seen = set()
    for seed in range(12):
        child = Crossover().propose(given(parents=(first, second), ancestor=LIBRARY, seed=seed), None).child
        seen.add(child["run-output"].body.rsplit("\n", 1)[-1])
        assert "n1" in child["noise"].body and "b2" in child["basics"].body
    assert seen == {"one", "two"}


def test_crossover_keeps_new_skills_only_within_the_byte_budget():
    small, big = Skill("small-new", "Use when small.", "# S\n\nx"), Skill("big-new", "Use when big.", "# B\n\n" + "y" * 600)
    first = LIBRARY.with_skill(_edit(RUN, "e")).with_skill(small)
    second = LIBRARY.with_skill(_edit(NOISE, "e")).with_skill(big)
    limits = LibraryLimits(max_library_bytes=LIBRARY.nbytes + small.nbytes + 20)
    proposal = Crossover().propose(given(parents=(first, second), ancestor=LIBRARY, limits=limits), None)
    assert "small-new" in proposal.child and "big-new" not in proposal.child
    assert "dropped new big-new" in proposal.note


def test_crossover_declines_when_the_child_equals_a_parent():
    first = LIBRARY.with_skill(_edit(RUN, "e"))
    declined(Crossover(), given(parents=(first, LIBRARY), ancestor=LIBRARY), [], "equals the first parent")


def test_crossover_without_an_ancestor_is_uniform_per_skill():
    first, second = LIBRARY.with_skill(_edit(RUN, "one")), LIBRARY.with_skill(_edit(NOISE, "two"))
    children, declines = set(), 0
    for seed in range(16):
        try:
            children.add(Crossover().propose(given(parents=(first, second), seed=seed), None).child.id)
        except OperatorDeclined:  # the coins gave back one of the parents
            declines += 1
    assert len(children) == 2 and declines  # (first's run, second's noise), (second's run, first's noise)


# --- compress --------------------------------------------------------------------------------------------

def test_facts_are_inline_spans_kwargs_and_dotted_names():
    body = ("Use `sim.run()` and `y[:, 0, r, 0]`.\n\n```python\nx = models.Epileptor(x0=np.array([-1.6]))\n"
            "sim = simulator.Simulator(model=x)\n```")
    assert facts(body) == ["sim.run()", "y[:,0,r,0]", "x0=", "models.Epileptor", "np.array", "model=",
                           "simulator.Simulator"]


def test_lost_facts_ignore_whitespace_but_not_renames():
    old = Skill("a", "d", "Call `sim.run( )`.\n\n```python\nf(period=1.0)\n```")
    assert lost_facts(old, Skill("a", "d", "Call `sim.run()` as `f(period=2.0)`.")) == []
    assert lost_facts(old, Skill("a", "d", "Call `sim.run()` as `f(step=1.0)`.")) == ["period="]


SHORT_RUN = RUN.with_body("# Run output\n\nUnpack `(t, y), = sim.run()`; index `y[:, 0, region, 0]`.\n\n"
                          "```python\n(t, y), = sim.run(simulation_length=1000.0)\n```")


def test_compress_shortens_the_largest_skill_keeping_facts():
    c, handler = client([fence(SHORT_RUN.text)])
    proposal = Compress().propose(given(), c)
    assert LIBRARY.diff(proposal.child).changed == ("run-output",)
    assert proposal.child.nbytes < LIBRARY.nbytes and "compressed run-output" in proposal.note
    assert "at most" in handler.calls[0][1]["content"]


def test_compress_declines_naming_the_lost_facts():
    lossy = RUN.with_body("# Run output\n\nUnpack `(t, y), = sim.run()`.")
    error = declined(Compress(), given(), [fence(lossy.text)], "lost 2 fact")
    assert "`y[:,0,region,0]`" in str(error) and "`simulation_length=`" in str(error)


def test_compress_declines_a_longer_rewrite():
    declined(Compress(), given(), [fence(_edit(RUN, "- `extra`").text)], "did not shorten")


def test_compress_works_through_the_largest_skills_until_the_library_fits():
    short_noise = NOISE.with_body("# Noise\n`noise.Additive(nsig=np.array([0.01]))`, "
                                  "`integrators.HeunStochastic(dt=0.1)`.")
    limits = LibraryLimits(max_library_bytes=LIBRARY.nbytes - (RUN.nbytes - SHORT_RUN.nbytes) - 5)
    c, handler = client([fence(SHORT_RUN.text), fence(short_noise.text)])
    proposal = Compress().propose(given(limits=limits), c)
    assert len(handler.calls) == 2 and len(proposal.calls) == 2
    assert proposal.child.nbytes <= limits.max_library_bytes and "within the budget" in proposal.note


# --- toolbox ---------------------------------------------------------------------------------------------

def test_default_toolbox_builds_every_builtin_operator_without_importing_dspy_ones():
    box = default_toolbox()
    assert box.names() == RunSettings().operators == ["reflective-rewrite", "add-skill", "compress", "promote-example",
                                                         "error-fact"]
    assert [build(name).name for name in OPERATORS if not name.startswith("dspy-")] == \
        [n for n in OPERATORS if not n.startswith("dspy-")]  # every built-in builds
    assert all(box.get(n).name == n for n in box.names())
    # In a fresh interpreter: other test files in this session may have imported the DSPy operators already.
    probe = ("import sys; from evolve.engine.toolbox import default_toolbox; default_toolbox(); "
             "print(any(m.startswith(('dspy', 'evolve.engine.operators.dspy')) for m in sys.modules))")
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                           cwd=Path(__file__).resolve().parents[1],
                           env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
    assert found.stdout.strip() == "False"


def test_choose_follows_the_weights_and_the_arity():
    box = default_toolbox(["crossover", "delete-skill", "compress"], weights={"crossover": 3, "compress": 0})
    rng = random.Random(1)
    picks = [box.choose(rng).name for _ in range(2000)]
    assert "compress" not in picks and 0.7 < picks.count("crossover") / len(picks) < 0.8
    assert {box.choose(rng, max_arity=1).name for _ in range(50)} == {"delete-skill"}
    with pytest.raises(LookupError):
        Toolbox().choose(rng)
    with pytest.raises(ValueError, match="weight"):
        box.register(Compress(), weight=-1)


def test_unknown_or_missing_operators_are_clear_errors(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="unknown operator 'nope'"):
        default_toolbox(["nope"])
    with pytest.raises(ValueError, match="unknown operator.s. reflective_rewrite"):
        default_toolbox(["compress"], weights={"reflective_rewrite": 2})
    assert default_toolbox(["compress"], weights={"reflective-rewrite": 2}).names() == ["compress"]
    monkeypatch.setitem(toolbox_module.OPERATORS, "ghost", "evolve.engine.operators.no_such_module")
    with pytest.raises(ValueError, match="not available"):
        build("ghost")
    (tmp_path / "fake_dspy_op.py").write_text("class Whatever:\n    name = 'fake-dspy'\n    arity = 1\n"
                                              "    def propose(self, given, client):\n        raise NotImplementedError\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(toolbox_module.OPERATORS, "fake-dspy", "fake_dspy_op")
    assert build("fake-dspy").name == "fake-dspy"  # found by its `name`, no class path needed


def test_an_apostrophe_is_not_a_quote_when_failures_are_grouped():
    trait = "TraitTypeError: Attribute can't be set to an instance of <class '{}'>"
    assert signature(trait.format("float")) == signature(trait.format("numpy.float64"))
    assert "can't" in signature(trait.format("int"))


def test_the_raised_error_is_grouped_not_an_error_named_in_the_notes_below_it():
    feedback = ("Execution: the notebook FAILED after 0.2 s.\n\nError:\nNameError: name 'connectivity' is not defined\n"
                "----> 5 raise TraitTypeError(\"Attribute can't be set\")\n\nKnown mistakes found in the code:\n"
                "- line 6: `WilsonCowan(P=0.5)`: a Python number raises TraitTypeError; write P=np.array([0.5]).\n")
    assert signature(feedback) == "NameError: name … is not defined"
