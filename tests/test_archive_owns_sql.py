"""Only evolve/archive/ knows the archive's tables: everything else asks it through named reads (evolve.archive.reads),
so a schema change is one package's business."""
import re
from pathlib import Path

import evolve
from evolve.archive import Archive

PACKAGE = Path(evolve.__file__).parent


def archive_names(tmp_path) -> tuple[set[str], set[str]]:
    """Every table and view, and every macro, an archive has, read from a fresh one (a new table is covered at once)."""
    with Archive.open(tmp_path / "a.duckdb", snapshots=False) as archive:
        tables = {r["name"] for r in archive.rows("SELECT table_name AS name FROM information_schema.tables")}
        macros = {r["name"] for r in archive.rows("SELECT DISTINCT function_name AS name FROM duckdb_functions() "
                                                  "WHERE function_type IN ('macro', 'table_macro') AND NOT internal")}
    return tables, macros


def test_the_names_cover_the_archive(tmp_path):
    tables, macros = archive_names(tmp_path)
    assert {"runs", "skills", "libraries", "edges", "trials", "evaluations", "llm_calls", "events", "best_so_far",
            "origins"} <= tables and {"latest_run", "lineage_of"} <= macros


def test_no_sql_names_an_archive_table_outside_evolve_archive(tmp_path):
    tables, macros = archive_names(tmp_path)
    either = "|".join(sorted(tables | macros, key=len, reverse=True))
    called = "|".join(sorted(macros, key=len, reverse=True))  # a macro is called inside SQL, never as a method
    statement = re.compile(rf"\b(?:FROM|JOIN|INTO|UPDATE|TABLE|VIEW)\s+(?:{either})\b|(?<![.\w])(?:{called})\s*\(")
    found = [f"{path.relative_to(PACKAGE)}:{n}: {line.strip()}" for path in sorted(PACKAGE.rglob("*.py"))
             if "archive" not in path.relative_to(PACKAGE).parts[:1]
             for n, line in enumerate(path.read_text().splitlines(), 1) if statement.search(line)]
    assert found == []
