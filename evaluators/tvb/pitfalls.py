"""Static scan of notebook code for known TVB mistakes.

Contract: `scan(code) -> list[Pitfall]` is pure and fast (no TVB import), never raises, and returns at most
one pitfall per (code, line), sorted by line. `code` is the notebook's code cells joined into one script;
IPython magics and shell lines (`%...`, `!...`) are blanked first so line numbers stay valid. Unparsable
code falls back to a line-by-line regex scan of the unambiguous patterns. Every pitfall rests on a
behaviour pinned by tests/test_tvb_facts.py or tests/test_tvb_pitfalls.py, and detection is conservative:
a false alarm costs a correct notebook score, a miss only costs a hint.
"""
from __future__ import annotations

import ast
import re

from evolve import tamper
from evolve.plugin import Pitfall

MODELS = frozenset(["CoombesByrne", "CoombesByrne2D", "DecoBalancedExcInh", "DumontGutkin", "Epileptor", "Epileptor2D", "EpileptorCodim3", "EpileptorCodim3SlowMod", "EpileptorRestingState", "GastSchmidtKnosche_SD", "GastSchmidtKnosche_SF", "Generic2dOscillator", "Hopfield", "JansenRit", "KIonEx", "Kuramoto", "LarterBreakspear", "Linear", "MontbrioPazoRoxin", "ReducedSetFitzHughNagumo", "ReducedSetHindmarshRose", "ReducedWongWang", "ReducedWongWangExcInh", "SupHopf", "WilsonCowan", "ZerlautAdaptationFirstOrder", "ZerlautAdaptationSecondOrder", "ZetterbergJansen"])
COUPLINGS = frozenset(["Difference", "HyperbolicTangent", "Kuramoto", "Linear", "PreSigmoidal", "Scaling", "Sigmoidal", "SigmoidalJansenRit"])
NOISES = frozenset({"Additive", "Multiplicative"})
NARRAY_CLASSES = MODELS | COUPLINGS | NOISES
# Numeric keywords of those classes that are NOT NArray traits (a Python number is right for them).
NOT_NARRAY = frozenset({"ntau", "noise_seed"})
STOCHASTIC = frozenset(["EulerStochastic", "HeunStochastic", "Dop853Stochastic", "Dopri5Stochastic", "IdentityStochastic", "VODEStochastic"])

WRONG_NAMES = {  # (module, wrong attribute) -> the right one
    ("monitors", "SEEG"): "monitors.iEEG", ("monitors", "BOLD"): "monitors.Bold",
    ("models", "Generic2DOscillator"): "models.Generic2dOscillator", ("models", "Hopf"): "models.SupHopf",
    ("models", "SupHopfield"): "models.SupHopf", ("models", "JR"): "models.JansenRit",
    ("models", "StefanescuJirsa3D"): "models.ReducedSetHindmarshRose", ("models", "SJ3D"): "models.ReducedSetHindmarshRose",
}
_C_HINT = ("JansenRit has no {kw}: the paper's C1..C4 are J*a_1..J*a_4 (J=135, a_1..a_4 = 1, 0.8, 0.25, 0.25); "
           "pass a_{i}=np.array([C{i} / 135.0]) instead.")
WRONG_KWARGS = {  # (class, wrong keyword) -> what to do instead
    ("Epileptor", "tau0"): "Epileptor has no tau0 (TraitTypeError): the slow time scale is r = 1/tau0 "
                           "(default r=0.00035, i.e. tau0 ≈ 2857); pass r=np.array([1.0 / tau0]).",
    ("Epileptor2D", "tau0"): "Epileptor2D has no tau0 (TraitTypeError): pass r=np.array([1.0 / tau0]).",
    **{("JansenRit", f"C{i}"): _C_HINT.format(kw=f"C{i}", i=i) for i in range(1, 5)},
    ("Connectivity", "load_default"): "Connectivity(load_default=True) is the old TVB 1.x API (TraitTypeError): "
                                      "use conn = connectivity.Connectivity.from_file(); conn.configure().",
}
_TIME_NAME = re.compile(r"^(t|ts|tt|time|times|t_\w+|time_\w+|times_\w+)$")

MSG = {
    "run-unpack": "`{src}`: sim.run() returns a list with one (time, data) tuple per monitor, so this fails with "
                  "one monitor (ValueError: not enough values to unpack). Write `(t, y), = sim.run(...)` for one "
                  "monitor, `(t1, y1), (t2, y2) = sim.run(...)` for two.",
    "narray-number": "`{cls}({kw}={val})`: {kw} is an NArray trait and a Python number raises TraitTypeError; "
                     "write {kw}=np.array([{val}]).",
    "wrong-class-name": "`{src}` does not exist in TVB 2.10 (AttributeError/ImportError); use {right}.",
    "unknown-kwarg": "{hint}",
    "import-location": "`{src}` raises ImportError: patterns and equations live in tvb.datatypes; write "
                       "`from tvb.datatypes import patterns, equations` or `from tvb.simulator.lab import patterns, equations`.",
    "stimulus-tuple": "The Simulator takes one stimulus: a tuple or list raises TraitTypeError. Use a single "
                      "patterns.StimuliRegion whose weight is non-zero on every target region.",
    "speed-number": "`{src}`: connectivity speed is an NArray and a Python number raises TraitTypeError; write "
                    "conn.speed = np.array([{val}]) and then call conn.configure().",
    "stochastic-default-noise": "`{cls}(...)` without noise= uses noise.Additive(nsig=np.array([1.0])), a huge "
                                "amplitude; pass noise=noise.Additive(nsig=np.array([...])) explicitly.",
    "state-variable-range": "state_variable_range cannot be assigned (TraitFinalAttributeError), not even in the "
                            "constructor; to choose starting values pass initial_conditions= (shape (1, n_svar, "
                            "n_regions, n_modes)) to the Simulator.",
    "run-without-configure": "`{name}.run()` is called but `{name}.configure()` never is: run() without configure() "
                             "raises TypeError. Build it as `{name} = simulator.Simulator(...).configure()`.",
    "time-2d-index": "`{src}`: the time array from sim.run() is 1-D (shape (n,)), so this raises IndexError; use "
                     "`{name}` itself (the data array is 4-D: time, variable, region, mode).",
}


# Rewiring the Simulator's recorded methods (how a notebook would simulate untraced or fake a run), or touching
# the hook's own markers. Integrity pitfalls (see evolve.tamper): the notebook scores 0 and is flagged.
_TAMPER_TVB = re.compile(r"\bSimulator\s*\.\s*(?:run|configure|__call__|__iter__)\s*=(?!=)"
                         r"|\bsetattr\s*\(\s*(?:\w+\s*\.\s*)*Simulator\b|\b_evolve_\w+"
                         r"|\btype\s*\(\s*\w+\s*\)\s*\.\s*(?:run|configure|__call__)\s*=(?!=)")
_TAMPER_TVB_MSG = ("`{src}` rewires TVB's Simulator methods or the evaluator's recorder: what was simulated must be "
                   "what the notebook really ran; a notebook earns only what it computes")


def scan(code: str) -> list[Pitfall]:
    source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines())
    try:
        found = _AstScan(ast.parse(source), source).run()
    except SyntaxError:
        found = _regex_scan(source)
    except Exception:   # a scanner bug must not cost the notebook anything
        found = []
    # Tampering is scanned on the raw code (magics and shell lines included: `!cat ../x` is an attempt too).
    found += tamper.scan(code)
    for number, line in enumerate(code.splitlines(), 1):
        match = _TAMPER_TVB.search(line)
        if match:
            found.append(Pitfall("tamper-simulator", number, _TAMPER_TVB_MSG.format(src=match.group(0)[:80]),
                                 integrity=True))
    unique = {(p.code, p.line): p for p in found}
    return sorted(unique.values(), key=lambda p: (p.line or 0, p.code))


def _name(node: ast.AST) -> str | None:
    """The last name of `a.b.C` / `C`."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _number(node: ast.AST) -> bool:
    """A Python int/float literal expression such as 0.5, -2, 1/2857."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _number(node.operand)
    if isinstance(node, ast.BinOp):
        return _number(node.left) and _number(node.right)
    return False


def _is_run_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "run"


def _run_receiver(node: ast.AST) -> str | None:
    """`sim` when `node` is the call `sim.run(...)` on a plain name; None otherwise."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "run"
            and isinstance(node.func.value, ast.Name)):
        return node.func.value.id
    return None


class _AstScan:
    def __init__(self, tree: ast.AST, source: str):
        self.tree, self.source, self.found = tree, source, []
        self.nodes = list(ast.walk(tree))

    def add(self, code: str, node: ast.AST, **fields) -> None:
        self.found.append(Pitfall(code, getattr(node, "lineno", None), MSG[code].format(**fields)))

    def src(self, node: ast.AST) -> str:
        return (ast.get_source_segment(self.source, node) or "").strip()[:80]

    def run(self) -> list[Pitfall]:
        for node in self.nodes:
            if isinstance(node, ast.Call):
                self.call(node)
            elif isinstance(node, ast.Assign):
                self.assign(node)
            elif isinstance(node, ast.Attribute):
                self.attribute(node)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                self.imports(node)
        self.run_without_configure()
        self.time_indexing()
        return self.found

    def call(self, node: ast.Call) -> None:
        cls = _name(node.func)
        kwargs = {k.arg: k.value for k in node.keywords if k.arg}
        receiver = _name(node.func.value) if isinstance(node.func, ast.Attribute) else None
        if cls in NARRAY_CLASSES and receiver in (None, "models", "coupling", "noise"):   # not e.g. nn.Linear
            for kw, value in kwargs.items():
                if kw not in NOT_NARRAY and (cls, kw) not in WRONG_KWARGS and _number(value):
                    self.add("narray-number", value, cls=cls, kw=kw, val=self.src(value))
        if cls == "Connectivity" and "speed" in kwargs and _number(kwargs["speed"]):
            self.add("speed-number", node, src=self.src(node), val=self.src(kwargs["speed"]))
        for kw in kwargs:
            if cls is not None and (cls, kw) in WRONG_KWARGS:
                self.add("unknown-kwarg", node, hint=WRONG_KWARGS[(cls, kw)])
        if isinstance(kwargs.get("stimulus"), (ast.Tuple, ast.List)):
            self.add("stimulus-tuple", kwargs["stimulus"])
        if "state_variable_range" in kwargs and cls in MODELS:
            self.add("state-variable-range", node)
        if cls in STOCHASTIC and "noise" not in kwargs and not node.args and not self.noise_set_later():
            self.add("stochastic-default-noise", node, cls=cls)

    def noise_set_later(self) -> bool:
        return any(isinstance(n, ast.Attribute) and n.attr == "noise" and isinstance(n.ctx, ast.Store)
                   for n in self.nodes)

    def assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr == "speed" and _number(node.value):
                self.add("speed-number", node, src=self.src(node), val=self.src(node.value))
            if isinstance(target, ast.Attribute) and target.attr == "state_variable_range":
                self.add("state-variable-range", node)
            if isinstance(target, ast.Attribute) and target.attr == "stimulus" and isinstance(node.value, (ast.Tuple, ast.List)):
                self.add("stimulus-tuple", node)
        target = node.targets[0]
        if (_is_run_call(node.value) and isinstance(target, ast.Tuple) and len(target.elts) == 2
                and isinstance(first := target.elts[0], ast.Name) and isinstance(target.elts[1], ast.Name)
                and _TIME_NAME.match(first.id)):
            self.add("run-unpack", node, src=self.src(node))

    def attribute(self, node: ast.Attribute) -> None:
        module = _name(node.value)
        if module is not None and (module, node.attr) in WRONG_NAMES:
            self.add("wrong-class-name", node, src=f"{module}.{node.attr}", right=WRONG_NAMES[(module, node.attr)])

    def imports(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = [a.name for a in node.names]
            if module == "tvb.simulator" and {"patterns", "equations"} & set(names):
                self.add("import-location", node, src=self.src(node))
            if module in ("tvb.simulator.patterns", "tvb.simulator.equations"):
                self.add("import-location", node, src=self.src(node))
            short = module.rsplit(".", 1)[-1]
            if module.startswith("tvb.simulator."):
                for name in names:
                    if (short, name) in WRONG_NAMES:
                        self.add("wrong-class-name", node, src=f"from {module} import {name}",
                                 right=WRONG_NAMES[(short, name)])
        else:
            if any(a.name in ("tvb.simulator.patterns", "tvb.simulator.equations") for a in node.names):
                self.add("import-location", node, src=self.src(node))

    def run_without_configure(self) -> None:
        """Only names bound directly to an unconfigured `Simulator(...)` and never configured nor handed to a
        function (which might configure them)."""
        sims = {}
        for node in self.nodes:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                    and isinstance(node.value, ast.Call) and _name(node.value.func) == "Simulator"):
                sims.setdefault(node.targets[0].id, node)
        for name in list(sims):
            for node in self.nodes:
                if isinstance(node, ast.Call):
                    configured = (isinstance(node.func, ast.Attribute) and node.func.attr == "configure"
                                  and _name(node.func.value) == name)
                    passed = any(isinstance(a, ast.Name) and a.id == name for a in node.args) or any(
                        isinstance(k.value, ast.Name) and k.value.id == name for k in node.keywords)
                    if configured or passed:
                        sims.pop(name, None)
                        break
        # ast.walk is breadth-first: sort so the first call in the code is reported
        calls = [(node, name) for node in self.nodes if isinstance(node, ast.Call)
                 and (name := _run_receiver(node)) is not None and name in sims]
        reported = set()
        for node, name in sorted(calls, key=lambda found: (found[0].lineno, found[0].col_offset)):
            if name not in reported:
                reported.add(name)
                self.add("run-without-configure", node, name=name)

    def time_indexing(self) -> None:
        """`t[:, 0]` where `t` is the time array of a (t, y) pair unpacked from sim.run(); a name that is
        also bound any other way is left alone."""
        time_names, other = set(), set()
        for node in self.nodes:
            if isinstance(node, (ast.Assign, ast.For)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                value = node.value if isinstance(node, ast.Assign) else node.iter
                from_run = _is_run_call(value) or (isinstance(value, ast.Subscript) and _is_run_call(value.value))
                for target in targets:
                    # `(t, y), = sim.run()` unpacks the list; `for t, y in sim.run()` iterates over its pairs.
                    unpacks_list = isinstance(node, ast.Assign) and isinstance(target, ast.Tuple) and _is_run_call(value)
                    pairs = target.elts if unpacks_list and isinstance(target, ast.Tuple) else [target]
                    for pair in pairs:
                        if (from_run and isinstance(pair, ast.Tuple) and len(pair.elts) == 2
                                and isinstance(pair.elts[0], ast.Name)):
                            time_names.add(pair.elts[0].id)
                        else:
                            other.update(n.id for n in ast.walk(pair) if isinstance(n, ast.Name))
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.comprehension, ast.withitem, ast.NamedExpr)):
                target = node.optional_vars if isinstance(node, ast.withitem) else node.target
                if target is not None:
                    other.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
            elif isinstance(node, ast.arg):
                other.add(node.arg)
        names = time_names - other
        for node in self.nodes:
            if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in names
                    and isinstance(node.slice, ast.Tuple) and len(node.slice.elts) >= 2):
                self.add("time-2d-index", node, src=self.src(node), name=node.value.id)


_NUM = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
_WRONG_ALT = "|".join(sorted({name for _, name in WRONG_NAMES}))
_REGEXES = [  # (code, pattern, message fields from the match); one line at a time
    ("run-unpack", re.compile(r"^\s*(?:t|ts|tt|time|times)\s*,\s*\w+\s*=\s*[\w.]+\.run\("),
     lambda m: {"src": m.group(0).strip()}),
    ("wrong-class-name", re.compile(rf"\b(monitors|models)\.({_WRONG_ALT})\b"),
     lambda m: {"src": m.group(0), "right": WRONG_NAMES.get((m.group(1), m.group(2)), "the documented class name")}),
    ("unknown-kwarg", re.compile(r"\b(Epileptor2D|Epileptor)\([^)]*\b(tau0)\s*="),
     lambda m: {"hint": WRONG_KWARGS[(m.group(1), m.group(2))]}),
    ("unknown-kwarg", re.compile(r"\b(JansenRit)\([^)]*\b(C[1-4])\s*="),
     lambda m: {"hint": WRONG_KWARGS[(m.group(1), m.group(2))]}),
    ("unknown-kwarg", re.compile(r"\b(Connectivity)\([^)]*\b(load_default)\s*="),
     lambda m: {"hint": WRONG_KWARGS[(m.group(1), m.group(2))]}),
    ("import-location", re.compile(r"^\s*from\s+tvb\.simulator\s+import\s+.*\b(patterns|equations)\b"),
     lambda m: {"src": m.group(0).strip()}),
    ("speed-number", re.compile(rf"\.speed\s*=\s*{_NUM}\s*(?:#.*)?$"),
     lambda m: {"src": m.group(0).strip(), "val": m.group(1)}),
    ("state-variable-range", re.compile(r"\.state_variable_range\s*=[^=]"), lambda m: {}),
    ("narray-number", re.compile(rf"\b({'|'.join(sorted(NARRAY_CLASSES))})\([^)]*?\b(\w+)\s*=\s*{_NUM}\s*[,)]"),
     lambda m: {"cls": m.group(1), "kw": m.group(2), "val": m.group(3)}),
]


def _regex_scan(source: str) -> list[Pitfall]:
    found = []
    for lineno, line in enumerate(source.splitlines(), 1):
        for code, pattern, fields in _REGEXES:
            m = pattern.search(line)
            if m is None or (code == "narray-number" and (m.group(2) in NOT_NARRAY
                                                          or (m.group(1), m.group(2)) in WRONG_KWARGS)):
                continue
            found.append(Pitfall(code, lineno, MSG[code].format(**fields(m))))
    return found
