"""The kernel's environment: built from an allowlist, never carrying credentials.

Contract of `kernel_environment`:
- only names matching `env_allow` (exact names or fnmatch patterns) are copied from the caller's environment;
- `HOME` is the notebook's folder and every tool state dir points into the per-kernel state dir: the generic
  ones (`STATE_DIRS`) and the domain's (`state_env`, what the plugin declares: name -> sub-folder, see
  `check_state_env`), so nothing the notebook runs writes to the caller's `$HOME` or shared caches;
- `extra_env` is applied last (the caller's explicit choice), but a name or value that looks like a
  credential (`looks_secret`) is dropped from *every* source, even when allowlisted by mistake.
The kernel then adds its own: `PYTHONPATH` (the read-only dir whose sitecustomize runs the startup files,
before any caller's entries), `EVOLVE_EVIDENCE_DIR` (when there is an evidence dir) and `JPY_PARENT_PID`.
Under a private /tmp, `TMPDIR` is `/tmp`.
"""
from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

DEFAULT_ENV_ALLOW: tuple[str, ...] = (
    "PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "TZ", "TERM",
    "PYTHONHASHSEED", "PYTHONIOENCODING", "PYTHONUTF8", "PYTHONWARNINGS",
    # Thread counts: a pool of kernels on a small machine must not oversubscribe the cores.
    "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
    "NUMEXPR_MAX_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMBA_NUM_THREADS", "BLIS_NUM_THREADS",
    "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "MKL_CBWR", "MPLBACKEND", "NUMBA_DISABLE_JIT",
    # State dirs: allowed names, but their values are always re-pointed (see STATE_DIRS).
    "MPLCONFIGDIR", "IPYTHONDIR", "NUMBA_CACHE_DIR",
)

# name -> sub-folder of the per-kernel state dir. Always set, whatever the caller's environment says:
# the caller's values point outside the sandbox's writable area (or into $HOME). The domain's own come from
# its plugin (`state_env`).
STATE_DIRS: dict[str, str] = {
    "MPLCONFIGDIR": "matplotlib",
    "IPYTHONDIR": "ipython",
    "NUMBA_CACHE_DIR": "numba",
    "XDG_CACHE_HOME": "cache",
    "XDG_CONFIG_HOME": "config",
    "XDG_DATA_HOME": "data",
    "JUPYTER_CONFIG_DIR": "jupyter/config",
    "JUPYTER_DATA_DIR": "jupyter/data",
    "JUPYTER_RUNTIME_DIR": "jupyter/runtime",
}

_FIXED = {
    "PYTHONNOUSERSITE": "1",  # HOME is the notebook's folder: never import from a ~/.local it wrote
    "PYTHONDONTWRITEBYTECODE": "1",  # the venv may be read-only; don't litter it otherwise
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # silences ipykernel's debugger warning in every output
}

_SECRET_WORDS = ("API_KEY", "APIKEY", "ACCESS_KEY", "PRIVATE_KEY", "SECRET", "TOKEN", "PASSWORD", "PASSWD",
                 "PASSPHRASE", "CREDENTIAL", "AUTH", "COOKIE", "SESSION")
_SECRET_PREFIXES = ("AWS_", "AZURE_", "GOOGLE_", "GCP_", "GCLOUD_", "GITHUB_", "GH_", "GITLAB_", "HF_",
                    "HUGGING", "OPENAI_", "ANTHROPIC_", "OPENROUTER_", "GROQ_", "MISTRAL_", "COHERE_",
                    "GEMINI_", "TOGETHER_", "DEEPSEEK_", "XAI_", "LITELLM_", "SSH_", "GPG_", "GNUPG",
                    "DOCKER_", "KUBE", "VAULT_", "NPM_", "PYPI_", "TWINE_", "NETRC")
_SECRET_SUFFIXES = ("_KEY", "_URL", "_URI", "_DSN", "_PAT")  # URLs often embed user:password@
_SECRET_VALUE = re.compile(
    r"^(sk-|sk_live_|rk_live_|ghp_|gho_|ghs_|ghu_|github_pat_|glpat-|xox[abprs]-|hf_[A-Za-z0-9]{16}|"
    r"AKIA[0-9A-Z]{12}|ASIA[0-9A-Z]{12}|AIza[0-9A-Za-z_-]{20})"
    r"|://[^/\s:@]+:[^/\s@]+@|-----BEGIN [A-Z ]*PRIVATE KEY"
)


def looks_secret(name: str, value: str) -> bool:
    """True if `name` or `value` looks like a credential; such variables never reach a kernel."""
    upper = name.upper()
    return (
        any(word in upper for word in _SECRET_WORDS)
        or upper.startswith(_SECRET_PREFIXES)
        or upper.endswith(_SECRET_SUFFIXES)
        or bool(_SECRET_VALUE.search(value))
    )


_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
_SUB_FOLDER = re.compile(r"[a-z0-9][a-z0-9._-]*")
# set by the sandbox itself: a domain may not re-point them
_OURS = {"HOME", "PATH", "TMPDIR", "PYTHONPATH", "EVOLVE_EVIDENCE_DIR", "JPY_PARENT_PID", *_FIXED}


def check_state_env(state_env: Mapping[str, str]) -> list[str]:
    """What is wrong with a domain's state variables (name -> sub-folder of the state dir); [] when nothing.

    A name is an upper-case environment variable the sandbox does not set for itself; a sub-folder is one plain
    lower-case path component, not one the generic state dirs use (two tools never share a state folder)."""
    taken = {sub.split("/")[0] for sub in STATE_DIRS.values()}
    problems = []
    for name, sub in state_env.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name) or name in _OURS or name in STATE_DIRS:
            problems.append(f"{name!r}: not an upper-case variable name the sandbox leaves to the domain")
        elif not isinstance(sub, str) or not _SUB_FOLDER.fullmatch(sub) or sub in taken:
            problems.append(f"{name}: sub-folder {sub!r} must be one lower-case name not used by {sorted(taken)}")
    if len(set(state_env.values())) != len(state_env):
        problems.append("two state variables share a sub-folder")
    return problems


def _allowed(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def kernel_environment(
    workdir: Path,
    state_dir: Path,
    tmp_dir: Path,
    env_allow: Sequence[str] = DEFAULT_ENV_ALLOW,
    extra_env: Mapping[str, str] | None = None,
    source: Mapping[str, str] | None = None,
    state_env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The complete environment for a kernel running in `workdir` (see the module contract); `state_env` is the
    domain's state variables (ValueError when `check_state_env` finds them wrong)."""
    problems = check_state_env(state_env or {})
    if problems:
        raise ValueError("state_env: " + "; ".join(problems))
    source = os.environ if source is None else source
    env = {k: v for k, v in source.items() if _allowed(k, env_allow)}
    env.setdefault("PATH", os.defpath)
    for name, sub in {**STATE_DIRS, **(state_env or {})}.items():
        target = state_dir / sub
        target.mkdir(parents=True, exist_ok=True)
        env[name] = str(target)
    env.update(_FIXED)
    env["HOME"] = str(workdir)
    env["TMPDIR"] = str(tmp_dir)
    env.update(extra_env or {})
    return {k: v for k, v in env.items() if not looks_secret(k, v)}
