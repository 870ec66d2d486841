"""Run configuration: a TOML file read into typed, immutable objects.

`configs/default.toml` documents every option; a test keeps it in step with these classes. Relative paths
are resolved against the folder `evolve` is run from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from . import typed_toml
from .bundle import BundleLimits
from .problems import Problem, did_you_mean

DEFAULT_CONFIG_PATH = Path("configs/default.toml")


@dataclass(frozen=True)
class Paths:
    skills: str = "skills"
    goals: str = "goals"
    archive: str = "archive/evolve.duckdb"
    state: str = ".evolve"


@dataclass(frozen=True)
class LibraryLimits:
    max_skill_bytes: int = field(default=16_384, metadata={"min": 256})
    max_library_bytes: int = field(default=65_536, metadata={"min": 256})
    verify_examples: bool = True  # a child's new or changed '# complete example' blocks must run (evolve run)
    example_timeout_s: float = field(default=300.0, metadata={"min": 1})
    facts_index: str = "docs/tvb-facts.md"  # verified facts the error-fact operator may add (evolve.facts); "" none
    max_file_bytes: int = field(default=65_536, metadata={"min": 256})  # one bundled file (references/, scripts/)
    max_bundle_bytes: int = field(default=262_144, metadata={"min": 256})  # all of one skill's bundled files

    @property
    def bundle(self) -> BundleLimits:
        """The limits on a skill's bundled files (evolve.bundle)."""
        return BundleLimits(self.max_file_bytes, self.max_bundle_bytes)


@dataclass(frozen=True)
class EvaluationSettings:
    plugin: str = "evaluators/tvb"
    cell_timeout_s: float = field(default=180.0, metadata={"min": 1})
    notebook_timeout_s: float = field(default=600.0, metadata={"min": 1})
    budget_factor: float = field(default=3.0, metadata={"min": 1})
    memory_mb: int = field(default=4096, metadata={"min": 256})
    workdir: str = ".evolve/executions"
    disk_mb: int = field(default=2048, metadata={"min": 16})
    max_tasks: int = field(default=256, metadata={"min": 8})
    isolation: Literal["strict", "weak"] = "strict"
    keep_executions: int = field(default=200, metadata={"min": 0})
    replay_timeout_s: float = field(default=600.0, metadata={"min": 1})
    assess_timeout_s: float = field(default=120.0, metadata={"min": 1})
    warm_kernels: int = field(default=1, metadata={"min": 0})


@dataclass(frozen=True)
class ScoreWeights:
    executed_weight: float = field(default=0.25, metadata={"min": 0})
    checks_weight: float = field(default=0.75, metadata={"min": 0})
    pitfall_penalty: float = field(default=0.05, metadata={"min": 0})


@dataclass(frozen=True)
class RoleSettings:
    """One model role. Keys are never configured here: litellm reads them from the environment."""

    model: str
    temperature: float = field(default=0.7, metadata={"min": 0})
    top_p: float = field(default=0.8, metadata={"min": 0, "max": 1})
    max_tokens: int = field(default=1024, metadata={"min": 1})
    timeout_s: float = field(default=600.0, metadata={"min": 1})
    api_base: str = ""  # where litellm sends the role's requests ("": the provider's default)
    api_key_env: str = ""  # the environment variable holding the key ("": litellm's default for the provider)
    omit: list[str] = field(default_factory=list)  # request parameters never sent for this role
    reasoning_effort: Literal["", "low", "medium", "high"] = ""  # for reasoning models ("": not sent)


@dataclass(frozen=True)
class CallPolicy:
    backoff_s: float = field(default=2.0, metadata={"min": 0})
    breaker_threshold: int = field(default=3, metadata={"min": 1})
    breaker_cooldown_s: float = field(default=30.0, metadata={"min": 0})
    max_outage_s: float = field(default=1800.0, metadata={"min": 0})
    default_concurrency: int = field(default=4, metadata={"min": 1})
    concurrency: dict[str, int] = field(default_factory=lambda: {"local": 1})


def _default_roles() -> dict[str, RoleSettings]:
    return {"student": RoleSettings("local/qwen2.5-coder-1.5b", max_tokens=2048),
            "mutator": RoleSettings("local/qwen2.5-coder-1.5b", temperature=0.7, max_tokens=2048)}


@dataclass(frozen=True)
class LocalModelSettings:
    threads: int = field(default=2, metadata={"min": 1})
    context_tokens: int = field(default=8192, metadata={"min": 512})
    cache: str = ".evolve/models"


@dataclass(frozen=True)
class TrialSettings:
    max_turns: int = field(default=3, metadata={"min": 1})
    routing: Literal["all", "bm25", "disclosure"] = "bm25"
    skill_budget_bytes: int = field(default=12_000, metadata={"min": 0})
    skill_budget_by_model: dict[str, int] = field(default_factory=lambda: {"local/qwen2.5-coder-1.5b": 9_000})
    cache: bool = True
    answer_margin: float = field(default=2.5, metadata={"min": 0})
    answer_min_tokens: int = field(default=1024, metadata={"min": 1})
    repair: Literal["cells", "whole"] = "cells"
    hint_bytes: int = field(default=1500, metadata={"min": 0})
    resample_temperature_step: float = field(default=0.3, metadata={"min": 0})

    def budget_for(self, model: str) -> int:
        return self.skill_budget_by_model.get(model, self.skill_budget_bytes)


@dataclass(frozen=True)
class JudgeSettings:
    enabled: bool = False
    model: str = ""
    template: str = "evaluators/tvb/judge.md.j2"
    max_attempts: int = field(default=3, metadata={"min": 1})


@dataclass(frozen=True)
class ArchiveSettings:
    queries: str = "archive/queries"
    snapshot_interval_s: float = field(default=0.0, metadata={"min": 0})


@dataclass(frozen=True)
class RunSettings:
    """`evolve run`: the population, the gate, the baselines and when to stop (see configs/default.toml)."""

    generations: int = field(default=2, metadata={"min": 1})
    children: int = field(default=1, metadata={"min": 1})
    population: int = field(default=4, metadata={"min": 1})
    # the default run's goal subset (configs/default.toml); an empty list means every goal of the split
    train_goals: list[str] = field(default_factory=lambda: ["bold-monitor", "stochastic-vs-deterministic"])
    val_goals: list[str] = field(default_factory=lambda: ["hemispheric-stimulation", "kuramoto-synchrony",
                                                          "noise-reliability"])
    test_goals: list[str] = field(default_factory=lambda: ["wong-wang-fc"])
    minibatch: int = field(default=0, metadata={"min": 0})
    train_seeds: int = field(default=1, metadata={"min": 1})
    val_seeds: int = field(default=1, metadata={"min": 1})
    margin: float = 0.0
    min_pairs: int = field(default=1, metadata={"min": 1})
    rescore_seeds: int = field(default=1, metadata={"min": 0})
    test_every: int = field(default=0, metadata={"min": 0})
    report_every: int = field(default=1, metadata={"min": 0})
    best_of_n: int = field(default=1, metadata={"min": 0})
    best_of_n_matches_run: bool = True
    operators: list[str] = field(default_factory=lambda: ["reflective-rewrite", "add-skill", "compress",
                                                          "promote-example", "error-fact"])
    operator_weights: dict[str, float] = field(default_factory=lambda: {"reflective-rewrite": 2.0})
    operator_trial_budget: int = field(default=4, metadata={"min": 0})
    max_trials: int = field(default=0, metadata={"min": 0})
    evolution_trials: int = field(default=0, metadata={"min": 0})  # then the test split is scored and it finishes
    test_seeds: int = field(default=0, metadata={"min": 0})  # seeds per test goal (0: val_seeds)
    max_wall_s: float = field(default=0.0, metadata={"min": 0})
    max_cost_usd: dict[str, float] = field(default_factory=dict)
    patience: int = field(default=0, metadata={"min": 0})
    stop_file: str = ".evolve/STOP"
    workers: int = field(default=1, metadata={"min": 1})
    cores: int = field(default=0, metadata={"min": 0})  # 0: every core this process may use
    seed: int = 0
    max_turns: int = field(default=1, metadata={"min": 0})


@dataclass(frozen=True)
class ExecutorSettings:
    """Where trials run (evolve.engine.executor for "local", evolve.engine.ray_executor for "ray")."""

    kind: Literal["local", "ray"] = "local"
    # ray: "auto" (RAY_ADDRESS, else the cluster `ray start` made on this machine), "host:port" (the head's
    # GCS), "ray://host:10001" (Ray Client), or "local" (a private one-machine Ray started for this run)
    address: str = "auto"
    temp_dir: str = "/tmp/evolve-ray"  # ray, address "local": Ray's sessions, sockets and logs (never $HOME)
    max_in_flight: int = field(default=0, metadata={"min": 0})  # 0: the cluster's CPUs / cpus_per_trial
    cpus_per_trial: float = field(default=1.0, metadata={"min": 0})
    retries: int = field(default=2, metadata={"min": 0})  # a trial lost with its worker runs again this often
    worker_dir: str = ""  # where workers resolve the config's relative paths ("": the coordinator's folder)
    forward_env: list[str] = field(default_factory=list)  # environment variables the workers get from here
    worker_setup: str = ""  # "module.function" run once in every worker process ("": none)


@dataclass(frozen=True)
class RaceSettings:
    """How the minibatch gate and the incumbent's confirmation decide (evolve.engine.racing): paired rounds until
    the mean difference clears k standard errors either way, or the cap."""

    enabled: bool = True  # false: one round, mean difference > [run] margin (the old single-sample rule)
    k: float = field(default=3.0, metadata={"min": 0})
    min_pairs: int = field(default=6, metadata={"min": 1})
    max_pairs: int = field(default=18, metadata={"min": 1})
    prior_sd: float = field(default=0.35, metadata={"min": 0})
    prior_weight: float = field(default=4.0, metadata={"min": 0})
    min_effect: float = field(default=0.15, metadata={"min": 0})  # the smallest gain worth more pairs
    futility_k: float = field(default=1.0, metadata={"min": 0})  # SEs of optimism before giving up on it


@dataclass(frozen=True)
class Config:
    paths: Paths = field(default_factory=Paths)
    library: LibraryLimits = field(default_factory=LibraryLimits)
    evaluation: EvaluationSettings = field(default_factory=EvaluationSettings)
    score: ScoreWeights = field(default_factory=ScoreWeights)
    judge: JudgeSettings = field(default_factory=JudgeSettings)
    models: dict[str, RoleSettings] = field(default_factory=_default_roles)
    model_policy: CallPolicy = field(default_factory=CallPolicy)
    local_model: LocalModelSettings = field(default_factory=LocalModelSettings)
    trial: TrialSettings = field(default_factory=TrialSettings)
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)
    run: RunSettings = field(default_factory=RunSettings)
    executor: ExecutorSettings = field(default_factory=ExecutorSettings)
    race: RaceSettings = field(default_factory=RaceSettings)


def load_config(path: Path | None = None) -> tuple[Config | None, list[Problem]]:
    """Read a config file. With no path: configs/default.toml if present here, else the built-in defaults."""
    if path is None:
        if not DEFAULT_CONFIG_PATH.is_file():
            return Config(), []
        path = DEFAULT_CONFIG_PATH
    data, text, problems = typed_toml.read_toml(Path(path))
    if data is None:
        return None, problems
    config, problems = typed_toml.load(Config, data, Path(path), text)
    if config is None:
        return None, problems
    problems = _check_roles(config, Path(path), text) + _check_executor(config, Path(path), text)
    return (None, problems) if problems else (config, [])


ROLES = ("student", "mutator", "judge")  # (a navigator model would plan for the student; none reads one yet)


def _check_roles(config: Config, path: Path, text: str) -> list[Problem]:
    problems = []
    for role in config.models:
        if role not in ROLES:
            problems.append(Problem(path, f"unknown model role [models.{role}]: {did_you_mean(role, ROLES)}",
                                    typed_toml.key_line(text, ("models", role), None), "unknown-key"))
    if "student" not in config.models:
        problems.append(Problem(path, "[models.student] is required: the model that writes notebooks", None,
                                "missing-key"))
    elif config.judge.enabled:
        from .judge import same_model

        line = typed_toml.key_line(text, ("judge",), "model")
        if not config.judge.model:
            problems.append(Problem(path, "[judge] enabled needs [judge] model (a model other than the student)",
                                    line, "missing-key"))
        elif same_model(config.judge.model, config.models["student"].model):
            problems.append(Problem(path, f"[judge] model '{config.judge.model}' is the student model: a model must "
                                          "not grade its own work", line, "judge-is-student"))
    return problems


def _check_executor(config: Config, path: Path, text: str) -> list[Problem]:
    """[executor]: a worker_setup that names a function in a module, environment variable names."""
    import re

    executor, problems = config.executor, []
    if executor.worker_setup and not re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+", executor.worker_setup):
        problems.append(Problem(path, f"[executor] worker_setup '{executor.worker_setup}' is not 'module.function'",
                                typed_toml.key_line(text, ("executor",), "worker_setup"), "bad-value"))
    for name in executor.forward_env:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            problems.append(Problem(path, f"[executor] forward_env: '{name}' is not an environment variable name",
                                    typed_toml.key_line(text, ("executor",), "forward_env"), "bad-value"))
    if executor.kind == "ray" and not executor.address.strip():
        problems.append(Problem(path, "[executor] address is empty: \"auto\", \"host:port\", \"ray://host:port\" "
                                      "or \"local\"", typed_toml.key_line(text, ("executor",), "address"),
                                "bad-value"))
    return problems
