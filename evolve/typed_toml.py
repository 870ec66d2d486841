"""TOML tables into typed dataclasses, with problems that name the file, line and closest valid key.

Supported field types: str, int, float, bool, Literal[...], list[str|int|float], dict[str, str], nested
dataclasses, dict[str, dataclass], and `X | None`. A field's `metadata={"min": v}` bounds numbers from below
(exclusive when "min_exclusive" is true); `metadata={"doc": ...}` is free text for generated docs.
"""
from __future__ import annotations

import dataclasses
import re
import tomllib
import types
import typing
from pathlib import Path
from typing import Any, Literal

from .problems import Problem, did_you_mean


def read_toml(path: Path) -> tuple[dict | None, str, list[Problem]]:
    """Parse a TOML file; a syntax error becomes a problem with its line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, "", [Problem(path, "file not found", None, "missing-file")]
    except UnicodeDecodeError:
        return None, "", [Problem(path, "not UTF-8 text", None, "not-utf8")]
    try:
        return tomllib.loads(text), text, []
    except tomllib.TOMLDecodeError as error:
        # Python 3.11's TOMLDecodeError carries the position only in its text: "... (at line 2, column 9)".
        found = re.search(r"\(at line (\d+)", str(error))
        line = int(found.group(1)) if found else None
        message = str(error).split(" (at line")[0]
        return None, text, [Problem(path, f"TOML syntax error: {message}", line, "toml-syntax")]


def key_line(text: str, section: tuple[str, ...], key: str | None) -> int | None:
    """Best-effort line of `key` inside table `section` (or of the table header when key is None)."""
    lines = text.splitlines()
    start = 0
    if section:
        header = re.compile(r"^\s*\[\[?\s*" + re.escape(".".join(section)) + r"\s*\]\]?\s*(#.*)?$")
        for number, line in enumerate(lines):
            if header.match(line):
                start = number
                if key is None:
                    return number + 1
                break
        else:
            dotted = ".".join(section + ((key,) if key else ()))
            return _find_key(lines, 0, dotted)
    if key is None:
        return None
    return _find_key(lines, start, key)


def _find_key(lines: list[str], start: int, key: str) -> int | None:
    pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
    for number in range(start, len(lines)):
        if pattern.match(lines[number]):
            return number + 1
    return None


def load(cls: type, data: Any, path: Path, text: str, section: tuple[str, ...] = ()) -> tuple[Any, list[Problem]]:
    """Build `cls` from a TOML table. Returns (instance or None, problems)."""
    where = ".".join(section) or "top level"
    if not isinstance(data, dict):
        return None, [Problem(path, f"[{where}] must be a table", key_line(text, section, None), "wrong-type")]
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in fields:
            problems.append(Problem(path, f"unknown key '{key}' in [{where}]: {did_you_mean(key, fields)}",
                                    key_line(text, section, key), "unknown-key"))
            continue
        converted, found = _convert(hints[key], value, path, text, section, key, fields[key])
        problems += found
        if not found:
            values[key] = converted
    for name, f in fields.items():
        if name not in values and name not in data and _required(f):
            problems.append(Problem(path, f"missing required key '{name}' in [{where}]",
                                    key_line(text, section, None), "missing-key"))
    if problems:
        return None, problems
    return cls(**values), []


def _required(f: dataclasses.Field) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _convert(hint, value, path, text, section, key, f=None):
    line = key_line(text, section, key)
    where = ".".join(section + (key,))

    def wrong(expected: str):
        return None, [Problem(path, f"'{where}' must be {expected}, not {_describe(value)}", line, "wrong-type")]

    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], value, path, text, section, key, f)
    if origin is Literal:
        if value not in args:
            return None, [Problem(path, f"'{where}' must be one of {', '.join(map(repr, args))}, not {value!r}",
                                  line, "invalid-choice")]
        return value, []
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):  # a class, never an instance, as a hint
        return load(hint, value, path, text, section + (key,))
    if origin is list:
        if not isinstance(value, list):
            return wrong("a list")
        out, problems = [], []
        for item in value:
            converted, found = _convert(args[0], item, path, text, section, key)
            out.append(converted)
            problems += found
        return (out, []) if not problems else (None, problems)
    if origin is dict:
        if not isinstance(value, dict):
            return wrong("a table")
        out, problems = {}, []
        for sub_key, item in value.items():
            if isinstance(args[1], type) and dataclasses.is_dataclass(args[1]):
                converted, found = load(args[1], item, path, text, section + (key, sub_key))
            else:
                converted, found = _convert(args[1], item, path, text, section + (key,), sub_key)
            out[sub_key] = converted
            problems += found
        return (out, []) if not problems else (None, problems)
    if hint is bool:
        return (value, []) if isinstance(value, bool) else wrong("true or false")
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            return wrong("a whole number")
        return _bounded(value, f, path, line, where)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return wrong("a number")
        return _bounded(float(value), f, path, line, where)
    if hint is str:
        return (value, []) if isinstance(value, str) else wrong("a string")
    return wrong(str(hint))


def _bounded(value, f, path, line, where):
    meta = f.metadata if f is not None else {}
    if "min" in meta:
        low, exclusive = meta["min"], meta.get("min_exclusive", False)
        if value < low or (exclusive and value == low):
            bound = f"greater than {low}" if exclusive else f"at least {low}"
            return None, [Problem(path, f"'{where}' must be {bound}, not {value}", line, "out-of-range")]
    if "max" in meta and value > meta["max"]:
        return None, [Problem(path, f"'{where}' must be at most {meta['max']}, not {value}", line, "out-of-range")]
    return value, []


def _describe(value) -> str:
    kind = {str: "a string", bool: "a boolean", int: "a number", float: "a number", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)
    return f"{kind} ({value!r})" if not isinstance(value, (list, dict)) else kind
