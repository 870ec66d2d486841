"""Canned queries: `archive/queries/<name>.sql`, each answering one question, with named parameters.

File convention (checked by tests):
    -- <the question it answers, in one or more comment lines>
    -- @param <name>: <what it is>                  (required)
    -- @param <name> = <default>: <what it is>      (optional)
    <one SQL statement using $name for each parameter>

Parameter values are always strings (`--param name=value` on the command line); the SQL casts them where it
needs another type (`$limit::INTEGER`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..problems import did_you_mean

_PARAM = re.compile(r"^--\s*@param\s+([a-z_][a-z0-9_]*)\s*(?:=\s*([^:]*?))?\s*:\s*(.+)$")
_USED = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class QueryError(Exception):
    """A canned query or its parameters are not usable; the message says what to change."""


@dataclass(frozen=True)
class Param:
    name: str
    default: str | None  # None: required
    help: str


@dataclass(frozen=True)
class CannedQuery:
    name: str
    path: Path
    question: str
    params: tuple[Param, ...]
    sql: str

    def bind(self, given: dict[str, str]) -> dict[str, str]:
        """Every declared parameter's value: given, else its default; QueryError for unknown or missing ones."""
        known = {p.name for p in self.params}
        for name in given:
            if name not in known:
                choices = ", ".join(sorted(known)) or "none"
                raise QueryError(f"query '{self.name}' has no parameter '{name}' (it takes: {choices})")
        missing = [p for p in self.params if p.default is None and p.name not in given]
        if missing:
            raise QueryError(f"query '{self.name}' needs " + ", ".join(f"--param {p.name}=... ({p.help})"
                                                                       for p in missing))
        return {p.name: value for p in self.params if (value := given.get(p.name, p.default)) is not None}


def parse(path: Path) -> CannedQuery:
    text = Path(path).read_text(encoding="utf-8")
    question, params, body = [], [], []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        stripped = line.strip()
        if not stripped.startswith("--"):
            body = lines[number:]
            break
        match = _PARAM.match(stripped)
        if match:
            params.append(Param(match.group(1), match.group(2), match.group(3).strip()))
        elif stripped.lstrip("- ").startswith("@param"):
            raise QueryError(f"{path}:{number + 1}: write parameters as '-- @param name[ = default]: help'")
        else:
            question.append(stripped.lstrip("-").strip())
    if not " ".join(question).strip():
        raise QueryError(f"{path}: start with a comment saying which question the query answers")
    sql = "\n".join(body).strip().rstrip(";")
    used, declared = set(_USED.findall(sql)), {p.name for p in params}
    if used != declared:
        raise QueryError(f"{path}: parameters used ({', '.join(sorted(used)) or 'none'}) and declared with "
                         f"@param ({', '.join(sorted(declared)) or 'none'}) differ")
    return CannedQuery(Path(path).stem, Path(path), " ".join(q for q in question if q), tuple(params), sql)


def available(folder: Path) -> list[CannedQuery]:
    return [parse(p) for p in sorted(Path(folder).glob("*.sql"))]


def find(name: str, folder: Path) -> CannedQuery:
    path = Path(folder) / f"{name}.sql"
    if not path.is_file():
        names = [p.stem for p in sorted(Path(folder).glob("*.sql"))]
        if not names:
            raise QueryError(f"no canned queries in {folder} (set [archive] queries)")
        raise QueryError(f"no query '{name}' in {folder}: {did_you_mean(name, names)}".replace("valid keys", "queries"))
    return parse(path)


def used_params(sql: str) -> set[str]:
    """The $names an ad-hoc statement uses (DuckDB refuses values for parameters a statement lacks)."""
    return set(_USED.findall(sql))
