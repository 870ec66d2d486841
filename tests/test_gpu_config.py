"""configs/gpu.toml (a GPU-served student, README "A GPU") loads as a valid configuration on its own."""
from pathlib import Path

from evolve.config import load_config

ROOT = Path(__file__).resolve().parent.parent
GPU = ROOT / "configs" / "gpu.toml"


def test_the_gpu_config_loads_and_serves_the_student_over_http():
    config, problems = load_config(GPU)
    assert problems == [] and config is not None
    student = config.models["student"]
    assert student.model.startswith("hosted_vllm/") and student.api_base.startswith("http://")
    assert config.model_policy.concurrency["hosted_vllm"] > 1 and config.run.workers > 1
    assert config.trial.budget_for(student.model) == 9000  # the 1.5B's short-prompt budget follows it
    assert not any(role.model.startswith("local/") for role in config.models.values())  # no CPU model in the way


def test_nothing_but_the_readme_needs_the_gpu_config():
    users = [path for folder in ("evolve", "evaluators", "scripts", "configs", ".ci") if (ROOT / folder).exists()
             for path in (ROOT / folder).rglob("*") if path.is_file() and path.suffix in ("", ".py", ".toml", ".sh")
             and path != GPU and "gpu.toml" in path.read_text(errors="ignore")]
    assert users == []
