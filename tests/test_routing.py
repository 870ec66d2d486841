"""Skill routing: always-load first, BM25 ranking, disclosure choices, and a hard byte budget."""
from evolve.library import Library
from evolve.routing import listing, parse_request, route
from evolve.skills import Skill


def skill(name, description, keywords="", always=False, role="student", body="x " * 100):
    meta = {"keywords": keywords, "role": role}
    if always:
        meta["always-load"] = "true"
    return Skill(name, description, body, meta)


LIB = Library.of([
    skill("recipe", "Use for any simulation: the whole pattern.", "simulator, run", always=True),
    skill("stimuli", "Use when delivering a pulse stimulus to a region.", "stimulus, pulse, region"),
    skill("noise", "Use when adding noise to integrators.", "noise, stochastic, nsig"),
    skill("bold", "Use when recording a BOLD fMRI signal.", "bold, hrf, fmri"),
    skill("planner", "Plans the notebook.", role="navigator"),
])


def test_bm25_ranks_relevant_skills_after_always_load_ones():
    routed = route(LIB, "Deliver a pulse stimulus to right V1 and add a little noise.", "bm25", 10_000)
    assert routed.names[0] == "recipe"
    assert set(routed.names[1:]) == {"stimuli", "noise"}
    assert routed.scores["stimuli"] > routed.scores["bold"] == 0.0


def test_all_mode_takes_every_student_skill():
    assert route(LIB, "", "all", 10_000).names == ("recipe", "bold", "noise", "stimuli")
    assert route(LIB, "", "all", 10_000, role="navigator").names == ("planner",)


def test_the_budget_is_hard_and_what_was_left_out_is_reported():
    one = LIB["recipe"].nbytes
    routed = route(LIB, "pulse stimulus", "bm25", one + 10)
    assert routed.names == ("recipe",) and routed.over_budget == ("stimuli",)
    assert routed.nbytes <= one + 10
    assert route(LIB, "x", "all", 0).names == ()


def test_disclosure_uses_the_models_choice_in_its_order():
    chosen = parse_request("I need these.\nSKILLS: bold, stimuli, made-up", LIB)
    assert chosen == ("bold", "stimuli")
    assert route(LIB, "", "disclosure", 10_000, chosen=chosen).names == ("recipe", "bold", "stimuli")
    assert ("bold", "Use when recording a BOLD fMRI signal.") in listing(LIB)
    assert parse_request("nothing useful", LIB) == ()


def test_routed_skills_are_shown_in_one_stable_order_so_prompts_share_a_prefix():
    # different goals rank the same skills differently; the prompt order is the same (always-load, then name)
    pulse_first = route(LIB, "Deliver a pulse stimulus to a region, with a little noise.", "bm25", 10_000)
    noise_first = route(LIB, "Add stochastic noise (nsig) to the integrator; one pulse.", "bm25", 10_000)
    assert pulse_first.scores["stimuli"] > pulse_first.scores["noise"]
    assert noise_first.scores["noise"] > noise_first.scores["stimuli"]
    assert pulse_first.names == noise_first.names == ("recipe", "noise", "stimuli")
    # the rank still decides who fits the budget
    tight = route(LIB, "Add stochastic noise (nsig) to the integrator.", "bm25", LIB["recipe"].nbytes
                  + LIB["noise"].nbytes)
    assert tight.names == ("recipe", "noise")
