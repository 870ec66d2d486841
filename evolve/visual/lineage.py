"""Lineage: the tree of a run's libraries, and what each step changed.

Contract: `tree(nodes, query)` takes the rows of `lineage_nodes` and returns a `Chart`: one point per library at
(generation, val mean) — libraries never scored on val sit in a band below 0 — joined to its parents, marked by
what the run did with it (`status`), the best library's lineage drawn thick. `picked(nodes, limit)` chooses the
libraries whose details the page lists (the best path first, then the highest val means), and
`details(nodes, changes)` makes those entries from `lineage_changes` rows: operator, status, val, bytes, the
operator's note and the unified diff of each changed skill against the first parent. All pure.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from .chart import COLOURS, DENSE, Chart, draw, short

UNSCORED_Y = -0.15  # where libraries without a val score are drawn
MAX_DIFF_CHARS = 12_000  # per library: a longer diff is cut (evolve export --library ID has all of it)
LABELS_UP_TO = 40  # nodes get their short id written beside them when the tree has at most this many
# status -> (marker, face colour, edge colour)
UNFILLED = ("x", "+", "|", "_")
MARKERS = {
    "seed": ("*", COLOURS["seed"], COLOURS["seed"]),
    "manual": ("s", "#F0E442", "#8a7f00"),
    "became best": ("o", COLOURS["best"], COLOURS["best"]),
    "kept": ("o", COLOURS["population"], COLOURS["population"]),
    "undecided": ("o", "white", COLOURS["population"]),
    "lost to the incumbent": ("o", "white", COLOURS["best-of-n"]),
    "refused on the minibatch": ("o", "white", "#555555"),
    "refused by the gate": ("x", "#555555", "#555555"),
}


@dataclass(frozen=True)
class NodeDetail:
    library_id: str
    generation: int
    operator: str
    status: str
    val_score: float | None
    val_n: int | None
    nbytes: int
    note: str
    on_best_path: bool
    is_best: bool
    parent: str | None
    diff: str  # unified diff against the first parent ('' when nothing changed or it has no parent)

    @property
    def short_id(self) -> str:
        return short(self.library_id)


def positions(nodes: list[dict]) -> dict[str, tuple[float, float]]:
    """library id -> (x, y): x spreads the libraries of one generation around it, y is the val mean."""
    by_generation: dict[int, list[dict]] = {}
    for node in nodes:
        by_generation.setdefault(node["generation"], []).append(node)
    out = {}
    for generation, members in by_generation.items():
        k = len(members)
        step = min(0.7 / k, 0.12) if k > 1 else 0.0
        for i, node in enumerate(sorted(members, key=lambda n: n["library_id"])):
            y = node["val_score"] if node["val_score"] is not None else UNSCORED_Y
            out[node["library_id"]] = (generation + (i - (k - 1) / 2) * step, y)
    return out


def tree(nodes: list[dict], query: str) -> Chart:
    title = "Lineage"
    if not nodes:
        return Chart("lineage", title, query, empty="no library has an edge in this run")
    where = positions(nodes)
    dense = len(nodes) > DENSE

    def paint(figure):
        from matplotlib.collections import LineCollection

        ax = figure.subplots()
        plain, path = [], []
        on_path = {n["library_id"] for n in nodes if n["on_best_path"]}
        for node in nodes:
            for parent in node["parents"] or []:
                if parent in where:
                    segment = (where[parent], where[node["library_id"]])
                    (path if node["library_id"] in on_path and parent in on_path else plain).append(segment)
        ax.add_collection(LineCollection(plain, colors="#b0b0b0", linewidths=0.7, zorder=1, rasterized=dense))
        if path:
            ax.add_collection(LineCollection(path, colors=COLOURS["best"], linewidths=2.2, zorder=2))
        for status, (marker, face, edge) in MARKERS.items():
            members = [n for n in nodes if n["status"] == status]
            if members:
                xs, ys = zip(*(where[n["library_id"]] for n in members), strict=False)
                size = (70 if marker == "*" else 34) * (1 if len(nodes) <= 500 else 0.3)  # (many: smaller)
                # An unfilled marker ('x') has no edge: matplotlib warns when given one.
                edges = {} if marker in UNFILLED else {"edgecolors": edge}
                ax.scatter(xs, ys, marker=marker, s=size, c=face, linewidths=1.1, zorder=3,
                           label=f"{status} ({len(members)})", rasterized=dense, **edges)
        best = [n for n in nodes if n["is_best"]]
        if best:
            x, y = where[best[0]["library_id"]]
            ax.scatter([x], [y], s=220, facecolors="none", edgecolors=COLOURS["best"], linewidths=1.8, zorder=4,
                       label="best library")
        if len(nodes) <= LABELS_UP_TO:
            for node in nodes:
                x, y = where[node["library_id"]]
                ax.annotate(f"{short(node['library_id'])} {node['operator']}", (x, y), xytext=(5, 4),
                            textcoords="offset points", fontsize=6.5, color="#444444")
        if any(n["val_score"] is None for n in nodes):
            ax.axhline(UNSCORED_Y / 2, color="#dddddd", lw=0.8)  # between the band and 0
            ax.text(0.005, UNSCORED_Y + 0.03, "not scored on val", fontsize=7, color="#888888",
                    transform=ax.get_yaxis_transform())
        generations = sorted({n["generation"] for n in nodes})
        ax.set_xlim(generations[0] - 0.5, generations[-1] + 0.5)
        ax.set_ylim(UNSCORED_Y - 0.08, 1.08)
        if len(generations) <= 20:
            ax.set_xticks(generations)
        ax.set_xlabel("generation")
        ax.set_ylabel("val mean score")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)

    counts = ", ".join(f"{sum(n['status'] == s for n in nodes)} {s}" for s in MARKERS
                       if any(n["status"] == s for n in nodes))
    caption = (f"{len(nodes)} libraries ({counts}); lines join a library to its parents; the best library's "
               f"lineage is drawn thick")
    return Chart("lineage", title, query, caption, draw(paint, 4.2))


def picked(nodes: list[dict], limit: int = 60) -> list[str]:
    """The libraries the page details: the best library's lineage first, then the highest val means."""
    path = [n["library_id"] for n in sorted(nodes, key=lambda n: n["generation"]) if n["on_best_path"]]
    rest = sorted((n for n in nodes if not n["on_best_path"]),
                  key=lambda n: (n["val_score"] is None, -(n["val_score"] or 0), n["generation"], n["library_id"]))
    return (path + [n["library_id"] for n in rest])[:limit]


def details(nodes: list[dict], changes: list[dict], chosen: list[str]) -> list[NodeDetail]:
    """The entries for `chosen` libraries, in generation order, each with its diff against its first parent."""
    by_id = {n["library_id"]: n for n in nodes}
    diffs: dict[str, list[str]] = {}
    parents: dict[str, str] = {}
    for change in changes:
        parents[change["library_id"]] = change["parent"]
        diffs.setdefault(change["library_id"], []).append(skill_diff(change))
    out = []
    for library_id in sorted((c for c in chosen if c in by_id), key=lambda c: (by_id[c]["generation"], c)):
        node = by_id[library_id]
        text = "".join(diffs.get(library_id, []))
        if len(text) > MAX_DIFF_CHARS:
            text = text[:MAX_DIFF_CHARS] + f"\n… cut at {MAX_DIFF_CHARS} characters (evolve export --library " \
                                           f"{library_id[:12]} --to DIR has the whole library)\n"
        first_parent = (node["parents"] or [None])[0]
        out.append(NodeDetail(library_id, node["generation"], node["operator"], node["status"], node["val_score"],
                              node["val_n"], node["nbytes"], node["note"] or "", bool(node["on_best_path"]),
                              bool(node["is_best"]), parents.get(library_id, first_parent), text))
    return out


def skill_diff(change: dict) -> str:
    """The unified diff of one skill between parent and child (`lineage_changes` row)."""
    name, parent, child = change["skill"], change["parent"], change["library_id"]
    before = (change["parent_text"] or "").splitlines(keepends=True)
    after = (change["child_text"] or "").splitlines(keepends=True)
    lines = difflib.unified_diff(before, after, fromfile=f"{short(parent)}/{name}/SKILL.md",
                                 tofile=f"{short(child)}/{name}/SKILL.md", n=2)
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
