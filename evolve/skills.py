"""One skill: a `SKILL.md` file in the Agent Skills format, parsed, validated, normalised and hashed.

The spec rules (frontmatter keys, name and description limits, name = folder) come from `skills-ref`, the
spec's reference library; this module adds what evolve needs on top: ASCII names, our fields under
`metadata:`, a body size limit, file:line locations and a stable problem code per kind of error.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from collections.abc import Mapping

import strictyaml
import yaml
from skills_ref.errors import ParseError
from skills_ref.parser import parse_frontmatter
from skills_ref.validator import ALLOWED_FIELDS, validate_metadata

from . import bundle
from .problems import Problem, closest, line_of

SKILL_FILE = "SKILL.md"
NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ROLES = ("student", "navigator")
# Our own fields, all under `metadata:` (the spec allows only string values there).
METADATA_FIELDS = ("role", "keywords", "always-load", "lineage", "score")
MAX_BODY_LINES = 500  # the spec's recommendation, enforced: a longer skill will not fit a small model's context
DEFAULT_MAX_BYTES = 16_384

# skills-ref reports plain sentences; map each to a stable code and the frontmatter key it concerns.
_SPEC_MESSAGES = (
    ("Unexpected fields in frontmatter", "unknown-field", None),
    ("Missing required field in frontmatter: name", "missing-name", None),
    ("Missing required field in frontmatter: description", "missing-description", None),
    ("Field 'name' must be a non-empty string", "missing-name", "name:"),
    ("exceeds 64 character limit", "name-too-long", "name:"),
    ("must be lowercase", "name-invalid", "name:"),
    ("cannot start or end with a hyphen", "name-hyphen", "name:"),
    ("cannot contain consecutive hyphens", "name-hyphen", "name:"),
    ("contains invalid characters", "name-invalid", "name:"),
    ("Directory name", "name-folder-mismatch", "name:"),
    ("Field 'description' must be a non-empty string", "missing-description", "description:"),
    ("Description exceeds", "description-too-long", "description:"),
    ("Compatibility exceeds", "compatibility-too-long", "compatibility:"),
    ("Field 'compatibility' must be a string", "compatibility-invalid", "compatibility:"),
)

_SPEC_HINTS = {
    "unknown-field": "move our own fields under 'metadata:' (role, keywords, always-load, lineage)",
    "missing-name": "add 'name: <folder-name>' to the frontmatter",
    "missing-description": "add 'description: <what the skill teaches and when to use it>'",
    "name-hyphen": "use single hyphens between words, none at the ends",
    "name-folder-mismatch": "rename the folder or the 'name:' so they are equal",
    "name-invalid": "use only a-z, 0-9 and single hyphens",
    "description-too-long": "shorten the description to at most 1024 characters; move detail into the body",
    "name-too-long": "shorten the name to at most 64 characters",
}


def normalize(text: str) -> str:
    """Canonical text: NFC, LF line ends, no trailing spaces, exactly one final newline.

    Two files that differ only in these ways are the same skill (same hash)."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n") + "\n"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Skill:
    """An immutable skill: the whole folder. `text` is the normalised SKILL.md; `files` its bundled files
    (relative path → canonical bytes, evolve.bundle); `sha256` the content address of all of it (the SKILL.md
    text's own hash when there are no files). `nbytes` counts SKILL.md only: what a prompt carries."""

    name: str
    description: str
    body: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, str] = field(default_factory=dict)  # other spec keys: license, compatibility, allowed-tools
    files: Mapping[str, bytes] = field(default_factory=dict)  # references/, scripts/, assets/ (evolve.bundle)

    def __post_init__(self):
        object.__setattr__(self, "body", normalize(self.body).strip("\n"))
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))
        for path in self.files:
            reason = bundle.unsafe_path(path)
            if reason:
                raise ValueError(f"skill '{self.name}': bundled file '{path}' is not allowed: {reason}")
        files = {path: bundle.canonical(_as_bytes(self.files[path])) for path in sorted(self.files)}
        object.__setattr__(self, "files", MappingProxyType(files))

    @property
    def text(self) -> str:
        return render(self)

    @property
    def sha256(self) -> str:
        return bundle.identity(sha256(self.text), self.files)

    @property
    def text_sha256(self) -> str:
        """The hash of SKILL.md alone (equal to `sha256` when the skill bundles no files)."""
        return sha256(self.text)

    @property
    def nbytes(self) -> int:
        return len(self.text.encode("utf-8"))

    @property
    def package_bytes(self) -> int:
        """SKILL.md and every bundled file: what the package holds (not what a prompt carries)."""
        return self.nbytes + bundle.nbytes(self.files)

    @property
    def references(self) -> tuple[str, ...]:
        """The bundled files a student may ask for by path (`references/...`), sorted."""
        return tuple(p for p in self.files if p.startswith(f"{bundle.REFERENCES}/"))

    @property
    def scripts(self) -> Mapping[str, bytes]:
        """Module file name → source of the skill's importable scripts (`scripts/<module>.py`)."""
        return bundle.script_modules(self.files)

    @property
    def role(self) -> str:
        return self.metadata.get("role", "student")

    @property
    def keywords(self) -> tuple[str, ...]:
        raw = self.metadata.get("keywords", "")
        return tuple(k.strip() for k in raw.split(",") if k.strip())

    @property
    def always_load(self) -> bool:
        return self.metadata.get("always-load", "false") == "true"

    def with_body(self, body: str) -> Skill:
        return Skill(self.name, self.description, body, self.metadata, self.extra, self.files)

    def with_metadata(self, **values: str) -> Skill:
        merged = {**self.metadata, **{k.replace("_", "-"): v for k, v in values.items()}}
        return Skill(self.name, self.description, self.body, merged, self.extra, self.files)

    def with_files(self, files: Mapping[str, bytes]) -> Skill:
        return Skill(self.name, self.description, self.body, self.metadata, self.extra, files)


def _as_bytes(data: bytes | str) -> bytes:
    """A bundled file given as text (an operator's reply, a test) is stored as its UTF-8 bytes."""
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def render(skill: Skill) -> str:
    """The SKILL.md text for a skill: frontmatter in a fixed key order, then the body, normalised."""
    front: dict = {"name": skill.name, "description": skill.description}
    front.update({k: skill.extra[k] for k in sorted(skill.extra)})
    if skill.metadata:
        front["metadata"] = {k: skill.metadata[k] for k in sorted(skill.metadata)}
    # Quote every string so descriptions with ':' or '#' survive strictyaml; never wrap lines.
    # PyYAML quotes only what needs quoting ('a: b', 'true'); never wrap lines.
    head = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=10**9)
    return normalize(f"---\n{head}---\n\n{skill.body.strip()}\n")


def parse(text: str, path: Path, folder_name: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
          ) -> tuple[Skill | None, list[Problem]]:
    """Parse and validate SKILL.md text. Returns the skill (None if unusable) and every problem found."""
    problems: list[Problem] = []

    def problem(code: str, message: str, line: int | None = None) -> None:
        problems.append(Problem(path, message, line, code))

    if not text.strip():
        problem("empty-file", "the file is empty; a skill needs '---' frontmatter with name and description, then a body")
        return None, problems
    try:
        front, body = parse_frontmatter(text)
    except ParseError as error:
        message = str(error)
        if "must start with" in message:
            problem("missing-frontmatter", "must start with a '---' line, then 'name:' and 'description:', then '---'", 1)
        elif "not properly closed" in message:
            problem("unclosed-frontmatter", "frontmatter is not closed: add a '---' line after the last key", 1)
        else:
            problem("invalid-yaml", f"{_yaml_error_text(message)} (wrap values that contain ':', '#' or brackets in quotes)",
                    _yaml_error_line(message))
        return None, problems

    skill_dir = Path(folder_name) if folder_name is not None else None
    for message in validate_metadata(dict(front), skill_dir):
        code, key = _classify(message)
        hint = _SPEC_HINTS.get(code)
        line = line_of(text, key) if key else None
        if code == "unknown-field":
            line = _first_unknown_key_line(text, front)
            unknown = sorted(set(front) - ALLOWED_FIELDS)
            suggestions = [f"'{k}' → 'metadata: {k}'" if k in METADATA_FIELDS or k.replace("_", "-") in METADATA_FIELDS
                           else f"'{k}'" for k in unknown]
            message = f"unknown top-level key(s) {', '.join(suggestions)}; the spec allows only {sorted(ALLOWED_FIELDS)}"
        problem(code, f"{message}; {hint}" if hint and code != "unknown-field" else message, line)

    name = front.get("name")
    if (isinstance(name, str) and name.strip() and not NAME_PATTERN.match(name.strip())
            and not any(p.code in ("name-invalid", "name-hyphen") for p in problems)):
        problem("name-invalid", f"name '{name}' must be ASCII a-z, 0-9 and single hyphens", line_of(text, "name:"))

    problems += _check_metadata(text, path)
    if not body.strip():
        problem("empty-body", "the body is empty: after the frontmatter, write what the model should know and do")
    body_lines = body.count("\n") + 1
    if body_lines > MAX_BODY_LINES:
        problem("body-too-long", f"the body has {body_lines} lines; keep it under {MAX_BODY_LINES} (split the skill)")
    size = len(normalize(text).encode("utf-8"))
    if size > max_bytes:
        problem("too-large", f"the skill is {size} bytes; the limit is {max_bytes} (compress it or split it)")

    problems = _dedupe(problems)
    if any(p.code in _FATAL for p in problems):
        return None, problems
    extra = {k: str(front[k]) for k in ("license", "compatibility", "allowed-tools") if k in front}
    metadata = front.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    skill = Skill(str(name).strip(), str(front["description"]).strip(), body, metadata, extra)
    return skill, problems


_FATAL = {"missing-name", "missing-description", "empty-file", "missing-frontmatter", "unclosed-frontmatter",
          "invalid-yaml", "metadata-invalid"}


def _dedupe(problems: list[Problem]) -> list[Problem]:
    """skills-ref can say two things about one bad name; one message per kind and line is enough."""
    seen, kept = set(), []
    for p in problems:
        if (p.code, p.line) not in seen:
            seen.add((p.code, p.line))
            kept.append(p)
    return kept


def _classify(message: str) -> tuple[str, str | None]:
    for fragment, code, key in _SPEC_MESSAGES:
        if fragment in message:
            return code, key
    return "invalid", None


def _yaml_error_line(message: str) -> int | None:
    # strictyaml counts lines of the text after the opening '---', which begins with that line's newline,
    # so its numbers are already file line numbers.
    found = re.findall(r"line (\d+)", message)
    return int(found[-1]) if found else None


def _yaml_error_text(message: str) -> str:
    """strictyaml's message without its location and caret lines."""
    kept = [line for line in message.splitlines()
            if line.strip() and not line.startswith(" ") and "While " not in line]
    return "; ".join(kept) or message.splitlines()[0]


def _first_unknown_key_line(text: str, front: Mapping) -> int | None:
    for key in sorted(set(front) - ALLOWED_FIELDS):
        line = line_of(text, f"{key}:")
        if line:
            return line
    return None


def _check_metadata(text: str, path: Path) -> list[Problem]:
    """Our fields under `metadata:`: string values, known roles, boolean flags, no misspelt keys."""
    raw = _raw_metadata(text)
    if raw is None:
        return []
    start = line_of(text, "metadata:") or 1
    if not isinstance(raw, dict):
        return [Problem(path, "'metadata:' must be a mapping of string keys to string values", start, "metadata-invalid")]
    problems = []
    for key, value in raw.items():
        line = line_of(text, f"{key}:", start)
        if not isinstance(value, str):
            problems.append(Problem(path, f"metadata '{key}' must be a string (the spec allows only string values); "
                                    "write lists as 'a, b, c'", line, "metadata-invalid"))
            continue
        if key not in METADATA_FIELDS:
            # Other tools may add their own keys; only a near-miss of ours is surely a typo.
            near = closest(key.replace("_", "-"), METADATA_FIELDS, cutoff=0.8)
            if near:
                problems.append(Problem(path, f"metadata key '{key}' looks like a misspelling of '{near}'",
                                        line, "metadata-unknown"))
        elif key == "role" and value not in ROLES:
            problems.append(Problem(path, f"metadata role '{value}' must be one of {', '.join(ROLES)}", line, "metadata-role"))
        elif key == "always-load" and value not in ("true", "false"):
            problems.append(Problem(path, f"metadata always-load must be 'true' or 'false', not '{value}'", line,
                                    "metadata-flag"))
        elif key == "keywords" and any(not k.strip() for k in value.split(",")):
            problems.append(Problem(path, "metadata keywords must be a comma-separated list with no empty entries",
                                    line, "metadata-keywords"))
    return problems


def _raw_metadata(text: str):
    """The `metadata:` value as written (skills-ref stringifies it, which would hide nested values)."""
    parts = text.split("---", 2)
    try:
        data = strictyaml.load(parts[1]).data
    except (strictyaml.YAMLError, IndexError):
        return None
    return data.get("metadata") if isinstance(data, dict) else None


def load(skill_dir: Path, max_bytes: int = DEFAULT_MAX_BYTES, limits: bundle.BundleLimits = bundle.DEFAULT_LIMITS
         ) -> tuple[Skill | None, list[Problem]]:
    """Load the skill folder: `skill_dir/SKILL.md` and its bundled files (evolve.bundle); the folder name must
    equal the skill's name. Problems name the file they concern."""
    skill_dir = Path(skill_dir)
    path = skill_dir / SKILL_FILE
    if not path.is_file():
        lower = skill_dir / SKILL_FILE.lower()
        if lower.is_file():
            return None, [Problem(lower, f"rename to {SKILL_FILE} (upper case)", None, "missing-skill-file")]
        return None, [Problem(skill_dir, f"no {SKILL_FILE} in this folder", None, "missing-skill-file")]
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        return None, [Problem(path, f"not UTF-8 text (byte {error.start}); save the file as UTF-8", None, "not-utf8")]
    skill, problems = parse(text, path, folder_name=skill_dir.name, max_bytes=max_bytes)
    files, file_problems = bundle.read(skill_dir, limits)
    problems += file_problems
    return (skill.with_files(files) if skill is not None else None), problems


def write(skill: Skill, root: Path) -> Path:
    """Write the skill folder `root/<name>/` (SKILL.md and every bundled file) and return SKILL.md's path.

    Files already in the folder that are not the skill's (but would be read as part of it) are removed, so the
    folder loads back as exactly this skill."""
    folder = Path(root) / skill.name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SKILL_FILE
    path.write_text(skill.text, encoding="utf-8")
    present, _ = bundle.read(folder)
    for stale in sorted(set(present) - set(skill.files)):
        (folder / stale).unlink()
    for relative, data in skill.files.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return path
