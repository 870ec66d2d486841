"""The evolution loop: propose → gate → minibatch → val → survivors → incumbent, one generation at a time.

Contract:
- The archive is the single source of truth. Every trial is committed as soon as it finishes (with the model
  calls made so far); every proposed child is recorded as an edge *before* its trials run; a generation ends
  with a `generation-done` event naming the population and the incumbent. `resume` rebuilds everything from
  those records, re-uses the children already proposed for the unfinished generation and never runs a scored
  cell (library, goal, seed, condition) again, so a run killed at any point loses no trial and repeats none.
- Generation 0 scores the seed library (train and val) and the baselines: no skills, best-of-N from the seed.
- Selection never sees the `test` split; test is scored every `test_every` generations and at the end, for the
  report only. Operators see only train failures.
- A model provider that stays down raises ProviderDown out of the client: the engine stops the run (resumable);
  it never turns the outage into scores.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from collections.abc import Callable
from typing import overload

from ..config import Config
from ..facts import Fact
from ..goals import Goal
from ..library import Library
from ..models import ModelCallError, ProviderDown
from ..trial import TrialResult
from . import selection
from .acceptance import compare, rescore_confirms
from .budget import Stopper
from .call_journal import IN_FLIGHT, CallJournal
from .executor import Executor, TrialRequest, call_in_worker
from .gate import check_child
from .operators.base import Failure, OperatorDeclined, OperatorInput
from .outcome import RunOutcome
from .progress import Progress
from .racing import RaceDecision, decide, prior_sd_of_differences
from .scoreboard import Outcome, Scoreboard

BEST_OF_N_SEED = 1000  # best-of-N samples use seeds from here: never the seeds of selection trials
RESCORE_SEED = 100  # an incumbent's confirmation trials use fresh val seeds from here


class StopRun(Exception):
    """A budget, the stop file or Ctrl-C ended the run between trials (resumable)."""


@dataclass
class GoalSets:
    train: list[Goal]
    val: list[Goal]
    test: list[Goal]

    def by_slug(self) -> dict[str, Goal]:
        return {g.slug: g for g in self.train + self.val + self.test}


@dataclass
class EngineState:
    generation: int = -1  # the last finished generation (-1: none)
    population: list[str] = field(default_factory=list)
    incumbent: str | None = None
    stale: int = 0


class Engine:
    def __init__(self, config: Config, archive, run_id: str, goals: GoalSets, toolbox, executor: Executor,
                 client, stopper: Stopper, progress: Progress,
                 log: Callable[[str], None] | None = None, journal: CallJournal | None = None,
                 on_generation: Callable[[int], None] | None = None,
                 verify: Callable[[Library, Library | None], list] | None = None, facts: tuple[Fact, ...] = ()):
        self.config, self.settings = config, config.run
        # verify(child, parent) → problems: the complete examples a child teaches must run (evolve.engine.examples)
        self.verify = verify
        self.facts = facts  # the verified-facts index, for the error-fact operator (evolve.facts)
        self.on_generation = on_generation  # called after each generation is committed (e.g. the HTML report)
        self.archive, self.run_id, self.goals = archive, run_id, goals
        self.toolbox, self.executor, self.client = toolbox, executor, client
        self.stopper, self.progress = stopper, progress
        self.log = log or progress.event
        self.board = Scoreboard.load(archive, run_id)
        self.libraries: dict[str, Library] = {}
        self.seed_id: str = archive.seed_library(run_id)
        self.state = self._load_state()
        self.progress.best = self.board.mean(self.state.incumbent, "val")[0]  # (a resumed run shows it at once)
        # the trial budget is the run's, not this invocation's: a resumed run counts what it already spent
        self.stopper.trials_run = archive.trials_spent(run_id)
        self._call_ids: dict[int, int] = {}
        self._recover_calls(journal)
        # the cost budget is the run's too: what earlier invocations spent counts against it
        self.stopper.spent_before = {role: v["cost_usd"] for role, v in archive.spent(run_id).items()}
        self._tested_at: int | None = None

    def _recover_calls(self, journal: CallJournal | None) -> None:
        """Record the calls a killed invocation made that never reached the archive (evolve.engine.call_journal)."""
        if journal is None:
            return
        lost = journal.recover(self.archive.call_uids(self.run_id))
        if lost:
            in_flight = sum(r.error == IN_FLIGHT for r in lost)
            with self.archive.transaction():
                self.archive.record_calls(self.run_id, lost, None)
                self.archive.event(self.run_id, "calls-recovered", {"calls": len(lost), "in_flight": in_flight})
            self.log(f"recorded {len(lost)} model call(s) the last invocation made after its last commit "
                     f"({in_flight} still in flight when it stopped; their cost is unknown)")

    # -- state ---------------------------------------------------------------------------------------------

    @overload
    def library(self, library_id: str) -> Library: ...
    @overload
    def library(self, library_id: str | None) -> Library | None: ...
    def library(self, library_id: str | None) -> Library | None:
        """The library of that id (loaded once); None for None, the no-skills condition."""
        if library_id is None:
            return None
        if library_id not in self.libraries:
            self.libraries[library_id] = self.archive.library(library_id)
        return self.libraries[library_id]

    def _load_state(self) -> EngineState:
        data = self.archive.last_event(self.run_id, "generation-done")
        if data is None:
            return EngineState()
        return EngineState(data["generation"], data["population"], data["incumbent"], data.get("stale", 0))

    def condition_of(self, library_id: str | None) -> str:
        return "none" if library_id is None else "seed" if library_id == self.seed_id else "population"

    # -- trials ----------------------------------------------------------------------------------------------

    def run_trials(self, requests: list[TrialRequest]) -> None:
        """Run the requests whose cell is not scored yet; commit each result as it arrives."""
        todo, seen = [], set()
        for r in requests:
            if not self.board.scored(r.cell) and r.cell not in seen:
                seen.add(r.cell)
                todo.append(r)
        if not todo:
            return
        # One library's trials back to back, goal by goal: consecutive prompts then share the longest prefix (its
        # skills, then the task), which the model's KV cache serves instead of reading again.
        todo.sort(key=lambda r: (r.library_id or "", r.condition, r.goal.slug, r.seed))
        self.progress.queued += len(todo)
        self.progress.draw(force=True)
        left = self.executor.run(todo, self._on_result, lambda: self.stopper.reason(self.state) is not None)
        if left:
            self.progress.queued -= len(left)
            raise StopRun(self.stopper.reason(self.state) or "stopped")

    def _on_result(self, request: TrialRequest, result: TrialResult) -> None:
        with self.archive.transaction():
            if request.library is not None:
                self.archive.add_library(request.library)
            self.archive.record_trials(self.run_id, request.generation, [result], condition=request.condition,
                                       library_id=request.library_id)
            self._flush_calls(request.generation)
        self.board.add(Outcome.of(result, request.library_id, request.condition))
        if not result.cached:
            self.stopper.trials_run += 1
        self.progress.costs = self.stopper.spent()
        self.progress.trial_finished(result.wall_s, result.cached)

    def _flush_calls(self, generation: int) -> None:
        fresh = self.client.drain()
        if fresh:
            ids = self.archive.record_calls(self.run_id, fresh, generation)
            self._call_ids.update({id(r): i for r, i in zip(fresh, ids, strict=True)})

    def requests(self, library_id: str | None, goals: list[Goal], seeds, generation: int,
                 condition: str | None = None) -> list[TrialRequest]:
        library = self.library(library_id)
        condition = condition or self.condition_of(library_id)
        return [TrialRequest(g, library, s, condition, generation) for g in goals for s in seeds]

    # -- the run ---------------------------------------------------------------------------------------------

    def run(self) -> RunOutcome:
        """Run (or continue) until the last generation or a stop. Returns why it ended."""
        budget = self.settings.evolution_trials
        evolved = self.state.generation >= self.settings.generations or (budget and self.stopper.trials_run >= budget)
        if evolved and self.archive.has_event(self.run_id, "run-finished"):
            return RunOutcome("finished-earlier", "finished earlier (nothing left to do; raise --generations to go on)")
        try:
            if self.state.generation < 0:
                self.generation_zero()
            while self.state.generation < self.settings.generations:
                reason = self.stopper.reason(self.state)
                if reason:
                    raise StopRun(reason)
                if budget and self.stopper.trials_run >= budget:  # evolution is over; test is still scored
                    self.log(f"evolution budget reached ({self.stopper.trials_run}/{budget} trials)")
                    break
                self.generation(self.state.generation + 1)
            self.score_test(self.state.generation)
            self.archive.event(self.run_id, "run-finished", {"generation": self.state.generation})
            return RunOutcome("finished", "finished")
        except StopRun as stop:
            self.archive.event(self.run_id, "run-stopped", {"reason": str(stop), "generation": self.state.generation})
            return RunOutcome("stopped", f"stopped: {stop}")
        except ProviderDown as down:
            self.archive.event(self.run_id, "run-stopped", {"reason": f"provider down: {down}"})
            return RunOutcome("provider-down",
                              f"stopped: a model provider is down ({down}); resume with `evolve run --resume`")
        except ModelCallError as error:  # not transient (bad model name, auth): retrying would not help
            self.archive.event(self.run_id, "run-stopped", {"reason": f"model call failed: {error}"})
            return RunOutcome("call-failed", f"stopped: a model call failed ({error}); fix the [models] config, "
                                             f"then `evolve run --resume`")
        finally:
            with self.archive.transaction():
                self._flush_calls(max(self.state.generation, 0))

    def generation_zero(self) -> None:
        s = self.settings
        self.progress.generation = 0
        self.log(f"generation 0: scoring the seed library {self.seed_id[:12]} and the baselines")
        val_seeds = range(s.val_seeds)
        self.run_trials(self.requests(self.seed_id, self.goals.train, range(s.train_seeds), 0)
                        + self.requests(self.seed_id, self.goals.val, val_seeds, 0)
                        + self.requests(None, self.goals.val, val_seeds, 0)
                        + self.best_of_n(self.goals.val, 0))
        self.finish_generation(0, [self.seed_id], self.seed_id)

    def best_of_n(self, goals: list[Goal], generation: int, n: int | None = None) -> list[TrialRequest]:
        seeds = range(BEST_OF_N_SEED, BEST_OF_N_SEED + (self.settings.best_of_n if n is None else n))
        return self.requests(self.seed_id, goals, seeds, generation, condition="best-of-n")

    def best_of_n_size(self) -> int:
        """N for the best-of-N baseline: `best_of_n`, or (best_of_n_matches_run) the run's val trials per val goal
        so far, whichever is larger: the picks the selection had, given to resampling the seed."""
        n = self.settings.best_of_n
        if self.settings.best_of_n_matches_run and self.goals.val:
            spent = len(self.board.library_trials("val"))
            n = max(n, -(-spent // len(self.goals.val)))  # (ceiling: a partial pick still counts)
        return n

    def finish_generation(self, generation: int, population: list[str], incumbent: str | None) -> None:
        self.state = EngineState(generation, population, incumbent, self.state.stale)
        mean, n = self.board.mean(incumbent, "val")
        self.progress.best = mean
        self.archive.event(self.run_id, "generation-done",
                           {"generation": generation, "population": population, "incumbent": incumbent,
                            "best_val": mean, "best_n": n, "stale": self.state.stale})
        self.log(f"generation {generation} done: population {len(population)}, incumbent "
                 f"{(incumbent or '')[:12]} val {_fmt(mean)} (n={n})")
        if self.settings.test_every and generation and generation % self.settings.test_every == 0:
            self.score_test(generation)
        if self.on_generation is not None:
            self.on_generation(generation)

    def generation(self, g: int) -> None:
        s = self.settings
        rng = random.Random(f"{s.seed}:{g}")
        self.progress.generation = g
        children = self.proposed_children(g)
        if len(children) < s.children:
            scores = {lib: self.board.per_goal(lib, "val") for lib in self.state.population}
            parents = selection.pareto_parents(scores, s.children, rng) or [self.state.population[0]]
            for slot in range(len(children), s.children):
                self.propose(g, parents[slot % len(parents)], rng)
            children = self.proposed_children(g)
        train = self.minibatch(rng)
        accepted = []
        for child_id, parent_id, verdict in children:
            if verdict is None:
                verdict = self.gate_on_minibatch(g, child_id, parent_id, train)
            if verdict:
                accepted.append(child_id)
        accepted += [lib.id for lib in self.archive.pending_seeds(self.run_id)]  # `evolve seed` individuals
        val_seeds = range(s.val_seeds)
        for child_id in accepted:
            self.run_trials(self.requests(child_id, self.goals.val, val_seeds, g))
        population = self.survivors(self.state.population + [c for c in accepted if c not in self.state.population])
        incumbent = self.choose_incumbent(g, population)
        self.finish_generation(g, population, incumbent)
        reason = self.stopper.reason(self.state)
        if reason:
            raise StopRun(reason)

    def proposed_children(self, g: int) -> list[tuple[str, str, bool | None]]:
        declined = self.archive.declined(self.run_id, g)
        out = [(r["child"], r["parents"][0], r["accepted"]) for r in self.archive.proposals(self.run_id, g)]
        # A declined proposal used its slot too (so a resumed generation does not ask again forever).
        return out + [("", "", False)] * declined if declined else out

    def propose(self, g: int, parent_id: str, rng: random.Random) -> None:
        operator = self.toolbox.choose(rng)
        parent = self.library(parent_id)
        parents = (parent,)
        ancestor = None
        if operator.arity == 2:
            others = [p for p in self.state.population if p != parent_id]
            if not others:
                operator = self.toolbox.choose(rng, max_arity=1)
            else:
                other = rng.choice(others)
                parents, ancestor = (parent, self.library(other)), self.common_ancestor(parent_id, other)
        by_slug = self.goals.by_slug()
        failures = tuple(Failure(o.goal, by_slug[o.goal].request, o.score, o.feedback, o.injected, o.code[-3000:])
                         for o in self.board.failures(parent_id, "train") if o.goal in by_slug)
        successes = tuple(Failure(o.goal, by_slug[o.goal].request, o.score, o.feedback, o.injected, o.code)
                          for o in self.board.successes(parent_id, "train") if o.goal in by_slug)
        evaluate = self.evaluate_for_operator(g)
        given = OperatorInput(parents=parents, failures=failures, limits=self.config.library, rng=rng,
                              successes=successes, facts=self.facts,
                              ancestor=ancestor, train_goals=tuple(goal.slug for goal in self.goals.train),
                              score_library=lambda lib, slugs: [score for score, _ in evaluate(lib, slugs)],
                              evaluate_library=evaluate, trial_budget=self.settings.operator_trial_budget)
        try:
            proposal = call_in_worker(operator.propose, given, self.client)  # (Ctrl-C stays responsive)
        except OperatorDeclined as declined:
            self.archive.event(self.run_id, "declined", {"generation": g, "operator": operator.name,
                                                          "parent": parent_id, "reason": str(declined)})
            self.log(f"  {operator.name} on {parent_id[:12]}: declined ({declined})")
            return
        refused = self._admit(g, operator.name, proposal, parents)
        if refused is None:
            return
        # A complete example that does not run goes back to the operator once, with its error, for a repair
        # of that child (recorded as the same parents' child: the refused one stays in the lineage as refused).
        example, child = refused
        repair_input = replace(given, parents=(child,) + tuple(parents[1:]), failures=(example,) + given.failures)
        try:
            repaired = call_in_worker(operator.propose, repair_input, self.client)
        except OperatorDeclined as declined:
            self.log(f"  {operator.name}: declined to repair {child.short_id} ({declined})")
            return
        repaired.note = f"repair of {child.short_id} (its example failed): {repaired.note}"
        self._admit(g, operator.name, repaired, parents, repair=True)

    def _admit(self, g: int, operator: str, proposal, parents: tuple[Library, ...], repair: bool = False):
        """Gate a proposal (spec, budgets, leakage, safety, then its complete examples run) and record it as an
        edge, kept or refused. Returns (a Failure for the operator, the child) when only its examples failed and
        it may be repaired; None otherwise."""
        with self.archive.transaction():
            self._flush_calls(g)
        call = self._call_ids.get(id(proposal.calls[0])) if proposal.calls else None
        held_out = {goal.slug: goal.request for goal in self.goals.val + self.goals.test}
        parent = parents[0]
        train = {goal.slug: goal.request for goal in self.goals.train}
        problems = check_child(proposal.child, parent, held_out, self.config.library, train)
        examples_failed = False
        if not problems and self.verify is not None:
            problems = self.verify(proposal.child, parent)
            examples_failed = bool(problems)
        ids = [p.id for p in parents]
        if problems:
            note = f"{proposal.note} | gate: " + "; ".join(p.message for p in problems[:3])
            self.archive.add_edge(self.run_id, proposal.child, ids, operator, note, g, call, accepted=False)
            self.log(f"  {operator} on {parent.id[:12]}: rejected by the gate ({problems[0].message})")
            if examples_failed and not repair and any(p.code == "example-fails" for p in problems):
                failing = [p for p in problems if p.code == "example-fails"]
                return Failure(goal="(the gate: complete examples must run)",
                               request="Every '# complete example' block in a skill must run as written.",
                               score=None, feedback="\n".join(p.message for p in failing),
                               injected=tuple(sorted({p.path.parent.name for p in failing}))), proposal.child
            return None
        self.libraries[proposal.child.id] = proposal.child
        self.archive.add_edge(self.run_id, proposal.child, ids, operator, proposal.note, g, call)
        self.log(f"  {operator} on {parent.id[:12]} → {proposal.child.short_id}: {proposal.note}")
        return None

    def evaluate_for_operator(self, g: int):
        """evaluate_library for operators that score candidates themselves (DSPy): train trials, recorded under
        the condition 'operator' so they never count as a library's evidence in its scores."""
        slugs = {goal.slug: goal for goal in self.goals.train}

        def evaluate(library: Library, goal_slugs) -> list:
            self.libraries[library.id] = library
            self.run_trials([TrialRequest(slugs[s], library, 0, "operator", g) for s in goal_slugs if s in slugs])
            found = [self.board.get(library.id, s, 0, "operator") for s in goal_slugs]
            return [(o.score, o.feedback) if o is not None else (None, "") for o in found]
        return evaluate

    def common_ancestor(self, a: str, b: str) -> Library | None:
        depth_a = {r["ancestor_id"]: r["depth"] for r in self.archive.lineage(a, self.run_id)}
        shared = [(depth_a[r["ancestor_id"]] + r["depth"], r["ancestor_id"])
                  for r in self.archive.lineage(b, self.run_id) if r["ancestor_id"] in depth_a]
        return self.library(min(shared)[1]) if shared else None

    def minibatch(self, rng: random.Random) -> list[Goal]:
        train = list(self.goals.train)
        size = self.settings.minibatch
        return sorted(rng.sample(train, size), key=lambda g: g.slug) if 0 < size < len(train) else train

    def gate_on_minibatch(self, g: int, child_id: str, parent_id: str, train: list[Goal]) -> bool:
        if self.config.race.enabled:
            per = self.settings.train_seeds
            decision = self.race(g, "minibatch", child_id, parent_id, train,
                                 lambda r: range(r * per, (r + 1) * per))
            self.archive.set_accepted(self.run_id, child_id, decision.accepted)
            self.log(f"  minibatch {child_id[:12]} vs parent {parent_id[:12]}: "
                     f"{'accepted' if decision.accepted else 'rejected'} ({decision.reason})")
            return decision.accepted
        seeds = range(self.settings.train_seeds)
        self.run_trials(self.requests(parent_id, train, seeds, g) + self.requests(child_id, train, seeds, g))
        pick = lambda lib: {(goal.slug, s): self.board.score(lib, goal.slug, s, self.condition_of(lib))
                            for goal in train for s in seeds}
        decision = compare(pick(child_id), pick(parent_id), self.settings.margin, self.settings.min_pairs)
        self.archive.set_accepted(self.run_id, child_id, decision.accepted)
        self.log(f"  minibatch {child_id[:12]} vs parent {parent_id[:12]}: "
                 f"{'accepted' if decision.accepted else 'rejected'} ({decision.reason})")
        return decision.accepted

    def race(self, g: int, stage: str, challenger: str, incumbent: str, goals: list[Goal],
             seeds_of_round: Callable[[int], range]) -> RaceDecision:
        """Paired rounds (both libraries on `goals` × the round's seeds) until the race is decided or capped
        (evolve.engine.racing); rounds are bounded even when trials go missing. Recorded as a `race` event.
        Deterministic given the scores, so a resumed run replays the same decision without new trials."""
        race = self.config.race
        prior, cells = prior_sd_of_differences(self.board.seed_spread(), race.prior_sd)
        per_round = max(1, len(goals) * len(seeds_of_round(0)))
        seeds: list[int] = []
        pick = lambda lib: {(goal.slug, s): self.board.score(lib, goal.slug, s, self.condition_of(lib))
                            for goal in goals for s in seeds}
        for r in range(-(-race.max_pairs // per_round)):
            new = list(seeds_of_round(r))
            seeds += new
            self.run_trials(self.requests(incumbent, goals, new, g) + self.requests(challenger, goals, new, g))
            decision = decide(pick(challenger), pick(incumbent), race, self.settings.margin, prior)
            if decision.finished:
                break
        self.archive.event(self.run_id, "race", {
            "generation": g, "stage": stage, "challenger": challenger, "incumbent": incumbent,
            "verdict": decision.verdict, "pairs": decision.pairs, "missing": decision.missing,
            "mean": decision.mean, "se": decision.se, "at_cap": decision.at_cap, "prior_sd": prior,
            "prior_cells": cells, "rounds": r + 1, "reason": decision.reason})
        return decision

    def survivors(self, members: list[str]) -> list[str]:
        candidates = [selection.Candidate(m, self.board.mean(m, "val")[0], self.library(m).nbytes) for m in members]
        kept = selection.survivors([c for c in candidates if c.val_score is not None], self.settings.population)
        return [c.library_id for c in kept] or members[: self.settings.population]

    def choose_incumbent(self, g: int, population: list[str]) -> str | None:
        incumbent = self.state.incumbent
        best_mean, _ = self.board.mean(incumbent, "val")
        means = ((self.board.mean(m, "val")[0], m) for m in population if m != incumbent)
        ranked = sorted(((mean, m) for mean, m in means if mean is not None), reverse=True)
        if not ranked or (best_mean is not None and ranked[0][0] <= best_mean):
            self.state.stale += 1
            return incumbent
        challenger, first_mean = ranked[0][1], ranked[0][0]
        if self.config.race.enabled and incumbent is not None:  # paired on val: the challenger must beat it
            per = max(1, self.settings.val_seeds)
            decision = self.race(g, "incumbency", challenger, incumbent, self.goals.val,
                                 lambda r: range(per) if r == 0 else
                                 range(RESCORE_SEED + (r - 1) * per, RESCORE_SEED + r * per))
            confirmed, reason = decision.accepted, decision.reason
        elif self.settings.rescore_seeds:  # a lucky single score must not steer the run: fresh seeds decide
            seeds = range(RESCORE_SEED, RESCORE_SEED + self.settings.rescore_seeds)
            self.run_trials(self.requests(challenger, self.goals.val, seeds, g))
            fresh = [self.board.score(challenger, goal.slug, s, self.condition_of(challenger))
                     for goal in self.goals.val for s in seeds]
            verdict = rescore_confirms([first_mean], fresh, best_mean if best_mean is not None else float("-inf"))
            confirmed, reason = verdict.confirmed, verdict.reason
        else:
            confirmed, reason = best_mean is None or first_mean > best_mean, "not re-scored (rescore_seeds = 0)"
        new_mean, n = self.board.mean(challenger, "val")
        if confirmed:
            self.state.stale = 0
            self.archive.event(self.run_id, "new-best", {"generation": g, "library": challenger, "val": new_mean,
                                                          "n": n, "previous": incumbent, "reason": reason})
            self.log(f"  new best {challenger[:12]}: val {_fmt(new_mean)} (n={n}); {reason}")
            return challenger
        self.state.stale += 1
        self.archive.event(self.run_id, "rescore-refused", {"generation": g, "library": challenger, "val": new_mean,
                                                             "n": n, "incumbent": incumbent, "reason": reason})
        self.log(f"  {challenger[:12]} did not hold up when re-scored: {reason}")
        return incumbent

    def score_test(self, g: int) -> None:
        """The sealed split, for the report only: the incumbent, the seed, no skills and best-of-N."""
        if self._tested_at == g or not self.goals.test:
            return
        seeds = range(self.settings.test_seeds or self.settings.val_seeds)
        n = self.best_of_n_size()
        self.log(f"scoring the test split (incumbent, seed, no skills, best-of-{n})")
        requests = self.requests(self.seed_id, self.goals.test, seeds, g) + \
            self.requests(None, self.goals.test, seeds, g) + self.best_of_n(self.goals.test, g, n)
        if self.state.incumbent and self.state.incumbent != self.seed_id:
            requests = self.requests(self.state.incumbent, self.goals.test, seeds, g) + requests
        self.run_trials(requests)
        self._tested_at = g
        self.archive.event(self.run_id, "test-scored", {"generation": g, "incumbent": self.state.incumbent})


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
