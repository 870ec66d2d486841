"""The verified-facts index (docs/tvb-facts.md, read by evolve.facts): every row names a TVB fact test that exists,
and its sentence is that test's `Fact:` docstring — so a sentence the error-fact operator takes from it is one a
test confirms against the pinned tvb-library."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from evolve.facts import Fact, read_index

ROOT = Path(__file__).resolve().parents[1]


def fact_tests() -> dict[str, str]:
    """test name → the first docstring line after 'Fact:', over every tests/test_tvb_facts*.py module."""
    found = {}
    for module in sorted((ROOT / "tests").glob("test_tvb_facts*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                doc = ast.get_docstring(node) or ""
                if doc.startswith("Fact:"):
                    found[node.name] = " ".join(doc[len("Fact:"):].split("\n\n")[0].split())
    return found


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(".")


def test_every_row_of_the_facts_index_is_its_tests_fact_sentence():
    tests, rows = fact_tests(), read_index(ROOT / "docs" / "tvb-facts.md")
    assert len(rows) >= 90
    missing = [row.test for row in rows if row.test not in tests]
    assert not missing, f"rows naming no Fact: test: {missing}"
    differ = [row.test for row in rows if _plain(row.text) != _plain(tests[row.test])]
    assert not differ, f"rows whose sentence is not their test's Fact: docstring: {differ}"


def test_the_index_reader_skips_headers_separators_and_prose(tmp_path):
    path = tmp_path / "facts.md"
    path.write_text("# Facts\n\nSome prose | with a bar.\n\n| test | fact |\n|---|---|\n"
                    "| `test_one` | a sentence with `code` and a | bar inside. |\n| not a row |\n")
    assert read_index(path) == [Fact("a sentence with `code` and a | bar inside.", "test_one")]
