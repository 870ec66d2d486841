"""The lineage archive: one DuckDB file per run database holding every library, edge, trial and model call.

- `Archive.open(path)` — the writer (the engine, `evolve seed`): see writer.py.
- `open_for_reading(path)` — any reader, also while a run holds the file (snapshot): see reader.py.
- schema.py (tables, migrations), views.py (best_so_far, lineage, per_goal_scores, population, ...),
  queries.py (archive/queries/*.sql), export.py (`evolve export`), seed.py (`evolve seed`).

Importing this package is light (DuckDB and Arrow, no model or sandbox stack), so commands may import it.
"""
from .errors import ArchiveError, ArchiveLocked
from .reader import Reader, open_for_reading
from .schema import SCHEMA_VERSION
from .writer import Archive

__all__ = ["Archive", "ArchiveError", "ArchiveLocked", "Reader", "SCHEMA_VERSION", "open_for_reading",
           "open_archive"]


def open_archive(config, path=None) -> Archive:
    """The writer for a configuration: `[paths] archive` (or `path`) with the `[archive]` settings."""
    settings = getattr(config, "archive", None)
    interval = getattr(settings, "snapshot_interval_s", 0.0)
    return Archive.open(path or config.paths.archive, snapshot_interval_s=interval)
