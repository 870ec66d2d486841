"""What goes wrong when opening an archive, said so that a user knows which file and what to do.

Every error is raised before the file is modified: a corrupt, foreign, newer or locked file is left as it was.
"""
from __future__ import annotations

from pathlib import Path


class ArchiveError(Exception):
    """An archive cannot be used. `str()` names the file, what is wrong and what to do."""

    def __init__(self, path: Path | str, problem: str, advice: str = ""):
        self.path, self.problem, self.advice = Path(path), problem, advice
        super().__init__(f"{path}: {problem}" + (f" {advice}" if advice else ""))


class ArchiveLocked(ArchiveError):
    """Another process holds the database file (DuckDB allows one writer process per file)."""

    def __init__(self, path: Path | str, pid: int | None):
        self.pid = pid
        holder = f"process {pid}" if pid else "another process"
        super().__init__(
            path, f"is in use by {holder} (probably `evolve run`); DuckDB lets only one process open it for writing.",
            "Nothing was changed. `evolve sql` and `evolve export` read its snapshot meanwhile and `evolve seed` "
            "queues seeds for it; for anything else, wait until that process ends.")
