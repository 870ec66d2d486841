"""Safety screen: does a skill tell the student to do something its sandbox must never see attempted?

The student's notebook runs in a sandbox (own working folder, no network, no credentials), so the sandbox
is the real defence. This screen is a second line against a *mutator* drifting into bad advice — "pip
install it", "read the key from os.environ", "save to /tmp" — which would waste trials and teach habits
that are harmful outside the sandbox. It is a readable list of patterns, not a proof of safety.

Rules (each pattern below carries its own reason):

- **credentials**: reading environment variables (`os.environ`, `getenv`), credential files (`~/.ssh`,
  `.aws/`, `.netrc`, ...), or naming secrets (`API_KEY`-style variables, "api key", "access token", password).
- **network**: `requests`, `urllib`, `httpx`, `socket`, ... imports or calls; `curl`, `wget`, `git clone`;
  package installs (`pip install`, `conda install`, `apt-get install`, `%pip`).
  *URLs*: a URL inside code (a fenced block or an inline `code` span) is unsafe — code would fetch it.
  A bare URL in prose is allowed as a citation the student reads, unless its line tells the reader to
  download, fetch or retrieve something.
- **shell**: `subprocess`, `os.system`/`popen`/`exec*`/`spawn*`, IPython `!cmd` lines, `%%bash`-style cell
  magics, `%system`/`%sx`, `get_ipython().system`, `rm -rf`; plus code built from strings (`exec(`,
  `eval(`, `__import__`), which hides what it runs.
- **tampering** (`evolve.tamper`): the evaluator's evidence, recorder or hooks (`__wrapped__`, `__closure__`,
  `EVOLVE_*`, a trace file), the benchmark's own files (`reference.py`, `check.py`, `goals/…`), the archive,
  `runpy`/importing evolve, parent-folder paths in strings.
- **outside the folder**: absolute paths to system folders (`/etc`, `/home`, `/tmp`, ...) anywhere; in code,
  any string literal that starts with `/` or `~`, `..` parent traversal, `expanduser`, `Path.home()`.

**Prohibitions are not instructions.** On a prose line (inline `code` spans included: they name the thing
forbidden), a match is excused when the words just before it in the same clause are a negation, optionally
followed by filler verbs or earlier inline code: "no `pip install`", "never use `subprocess` or `os.system`",
"do not call os.environ". Any other word between the negation and the match ("never forget to pip install")
or a clause boundary (`,` `;` `:` `.`) cancels the excuse. Matches inside fenced code blocks are never
excused: code is run, not read.

The whole text is screened, frontmatter included: a description is prose the student reads too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .. import tamper

_I = re.IGNORECASE


@dataclass(frozen=True)
class Rule:
    kind: str  # credentials | network | shell | outside-folder | tampering
    pattern: re.Pattern
    reason: str
    code_only: bool = False  # True: only matches inside code (fenced blocks or inline `code` spans) count


@dataclass(frozen=True)
class Finding:
    line: int  # 1-based line of the skill text
    kind: str
    match: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.kind}: `{self.match}` — {self.reason}"


_NO_SECRETS = "the sandbox holds no credentials and a skill must never send the student looking for them"
_NO_NETWORK = "the sandbox has no network; the student must use what is installed and the data that ship with it"
_NO_SHELL = "the student runs Python cells in its notebook, never shell commands"
_NO_OUTSIDE = "the notebook may only read and write inside its own working folder (use relative paths)"
_NO_TAMPERING = "a notebook earns only what it computes; advice that reaches for the evaluator scores 0"

RULES: tuple[Rule, ...] = (
    # credentials
    Rule("credentials", re.compile(r"\bos\.(?:environ|getenv|putenv|unsetenv)\b|\bgetenv\s*\(|\benviron\s*\["),
         f"reads or changes environment variables: {_NO_SECRETS}"),
    Rule("credentials", re.compile(r"~/\.ssh|\.ssh/|\bid_(?:rsa|ed25519|ecdsa)\b|\.aws/|\.netrc\b|\.pypirc\b"
                                   r"|\.git-credentials\b|\.docker/config|\.kube/config|\.config/gcloud", _I),
         f"points at a credential file: {_NO_SECRETS}"),
    # Upper-case env-var style names only: "token" alone is an ordinary word (tokens of text, of a sequence).
    Rule("credentials", re.compile(r"\b[A-Z][A-Z0-9_]*_(?:TOKEN|API_KEY|KEY|SECRET|PASSWORD|PASSWD)\b"),
         f"names a secret environment variable: {_NO_SECRETS}"),
    Rule("credentials", re.compile(r"\b(?:api[ _-]?keys?|access[ _-]?tokens?|auth[ _-]?tokens?|secret[ _-]?keys?"
                                   r"|passwords?|credentials?)\b", _I),
         f"asks for a secret: {_NO_SECRETS}"),
    # network
    Rule("network", re.compile(r"\b(?:import|from)\s+(?:requests|urllib\d?|httpx|aiohttp|socket|http\.client"
                               r"|ftplib|paramiko|smtplib|websockets?|pycurl)\b"),
         f"imports a network library: {_NO_NETWORK}"),
    Rule("network", re.compile(r"\brequests\.(?:get|post|put|patch|delete|head|request|Session)\b|\burlopen\s*\("
                               r"|\burlretrieve\s*\(|\burllib\.request\b|\bsocket\.(?:socket|create_connection)\b"
                               r"|\bhttpx\.\w+\s*\("),
         f"opens a network connection: {_NO_NETWORK}"),
    Rule("network", re.compile(r"\b(?:curl|wget)\b|\bgit\s+clone\b", _I),
         f"downloads with a command-line tool: {_NO_NETWORK}"),
    Rule("network", re.compile(r"(?:%|\b)pip3?\s+install\b|\bpython3?\s+-m\s+pip\b|\bconda\s+install\b"
                               r"|\bmamba\s+install\b|\bapt(?:-get)?\s+install\b|\buv\s+(?:pip|add)\b", _I),
         f"installs packages: {_NO_NETWORK}"),
    Rule("network", re.compile(r"\b(?:https?|ftp|wss?)://\S+", _I),
         f"a URL in code would be fetched: {_NO_NETWORK} (a plain citation belongs in prose)", code_only=True),
    Rule("network", re.compile(r"\b(?:download|fetch|retriev)\w*\b[^\n]*\b(?:https?|ftp)://\S+"
                               r"|\b(?:https?|ftp)://\S+[^\n]*\b(?:download|fetch|retriev)\w*", _I),
         f"tells the student to fetch a URL: {_NO_NETWORK}"),
    # shell
    Rule("shell", re.compile(r"\bsubprocess\b|\bos\.(?:system|popen|exec\w*|spawn\w*|fork)\b|\bpty\.spawn\b"
                             r"|\bcommands\.getoutput\b|\bget_ipython\(\)\.(?:system|getoutput)\b"),
         f"runs a shell command: {_NO_SHELL}"),
    # IPython shell escape: a `!` starting a code line or an inline code span, followed by a command word.
    Rule("shell", re.compile(r"(?:^|(?<=`))[ \t]*![ \t]*(?:[A-Za-z~]|\.{0,2}/)[^`\n]*", re.MULTILINE),
         f"an IPython `!` shell escape: {_NO_SHELL}", code_only=True),
    Rule("shell", re.compile(r"%%(?:bash|sh|script|system|perl|ruby|writefile)\b|%(?:system|sx|sc)\b", _I),
         f"a shell cell magic: {_NO_SHELL}"),
    Rule("shell", re.compile(r"\b(?:bash|sh|zsh)\s+-c\b|\brm\s+-[a-z]*[rf][a-z]*\b|\bchmod\s+\d|\bsudo\b", _I),
         f"a shell command line: {_NO_SHELL}"),
    Rule("shell", re.compile(r"\b(?:exec|eval)\s*\(|\b__import__\s*\(|\bimportlib\.import_module\b"),
         "runs code built from strings, which hides what it does: write the code itself", code_only=True),
    # outside the working folder
    Rule("outside-folder", re.compile(r"(?<![\w.~/-])/(?:etc|usr|var|bin|sbin|root|home|opt|tmp|dev|proc|sys|boot"
                                      r"|lib|lib64|mnt|media|srv|run|Users|private)(?:/|\b)"),
         f"an absolute path to a system folder: {_NO_OUTSIDE}"),
    Rule("outside-folder", re.compile(r"""[rbfRBF]{0,2}["'](?:/[\w.~-]|~)"""),
         f"a string literal with an absolute or home path: {_NO_OUTSIDE}", code_only=True),
    Rule("outside-folder", re.compile(r"~/|\bexpanduser\b|\bPath\.home\s*\(|(?<![\w.])\.\./"),
         f"a home-folder or parent-folder path: {_NO_OUTSIDE}"),
    # tampering with the evaluation (evolve.tamper): the same patterns that flag a notebook
    *(Rule("tampering", rule.pattern, f"{rule.reason}: {_NO_TAMPERING}") for rule in tamper.RULES),
)

_NEGATIONS = {"no", "not", "never", "don't", "dont", "doesn't", "avoid", "without", "nor", "cannot", "can't",
              "mustn't", "shouldn't", "forbidden", "instead"}
# Words that may sit between a negation and the match: "do not *use*", "never *call a*", "no *running of*".
_FILLER = {"use", "using", "call", "calling", "run", "running", "try", "trying", "to", "a", "an", "the", "any",
           "of", "with", "or", "and", "rely", "on", "need", "add", "adding", "import", "importing", "write",
           "read", "reading", "open", "opening", "copy", "copying", "touch", "edit", "modify"}
_CLAUSE_END = re.compile(r"[,;:.!?()]")
_WORDS = re.compile(r"[a-z']+")


def screen(text: str) -> list[str]:
    """Reasons `text` (a SKILL.md) is unsafe to give the student, one per finding; empty when clean.

    Each reason reads "line N: kind: `match` — why". See the module docstring for the rules."""
    return [str(finding) for finding in findings(text)]


def findings(text: str) -> list[Finding]:
    """The structured form of `screen`: one Finding per (rule, line, match), in line order."""
    found: list[Finding] = []
    seen: set[tuple[int, str, str]] = set()
    for number, line, in_fence in _lines(text):
        spans = [(0, len(line))] if in_fence else _inline_code_spans(line)
        for rule in RULES:
            for match in rule.pattern.finditer(line):
                in_code = any(start <= match.start() < end for start, end in spans)
                if rule.code_only and not in_code:
                    continue
                if not in_fence and _negated(line[:match.start()]):
                    continue
                key = (number, rule.reason, match.group(0))
                if key not in seen:
                    seen.add(key)
                    found.append(Finding(number, rule.kind, match.group(0).strip(), rule.reason))
    return found


def _lines(text: str):
    """(line number, line, inside a fenced code block?) for each line; the fence lines themselves are prose."""
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip()
        marker = stripped[:3]
        if marker in ("```", "~~~") and fence in (None, marker):
            fence = None if fence else marker
            yield number, line, False
            continue
        yield number, line, fence is not None


def _inline_code_spans(line: str) -> list[tuple[int, int]]:
    """Character ranges of `inline code` (backticks included) on a prose line; an unpaired backtick opens nothing."""
    return [(m.start(), m.end()) for m in re.finditer(r"(`+)[^`]*?\1", line)]


def _negated(before: str) -> bool:
    """True when the clause ending at the match reads as a prohibition ("no", "do not use", "never call")."""
    # Inline code before the match is a list of other forbidden things ("never `a` or `b`"): skip its contents.
    clause = _CLAUSE_END.split(re.sub(r"`[^`]*`", " ", before))[-1].replace("`", " ").lower()
    words = _WORDS.findall(clause)
    while words and words[-1] in _FILLER:
        words.pop()
    return bool(words) and words[-1] in _NEGATIONS
