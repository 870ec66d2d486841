"""Operators: how many children each operator proposed, how many the run kept and how much they moved val; and why
children were refused.

Contract: `outcomes(rows, query)` takes the rows of `operator_success` (one run's) and `refusals(rows, query)` those
of `refusal_reasons`; each returns a `Chart` (empty, with the reason, when there is nothing to show). The seed
library's root edge is not a proposal and is left out. Pure.
"""
from __future__ import annotations

from .chart import COLOURS, Chart, draw

REASON_CHARS = 70  # a refusal reason longer than this is cut in the figure (the page's table has it whole)


def proposals(rows: list[dict]) -> list[dict]:
    return sorted((r for r in rows if r["operator"] != "seed"), key=lambda r: (-r["proposed"], r["operator"]))


def outcomes(rows: list[dict], query: str) -> Chart:
    title = "Operators: proposals, keep rate and Δ val"
    mine = proposals(rows)
    if not mine:
        return Chart("operators", title, query, empty="no operator proposed a child in this run")

    def paint(figure):
        from matplotlib.ticker import MaxNLocator

        counts, rates, deltas = figure.subplots(1, 3, sharey=True)
        names = [r["operator"] for r in mine]
        ys = list(range(len(mine)))
        counts.barh([y + 0.2 for y in ys], [r["proposed"] for r in mine], height=0.4, color="#bbbbbb",
                    label="proposed")
        counts.barh([y - 0.2 for y in ys], [r["kept"] for r in mine], height=0.4, color=COLOURS["population"],
                    label="kept")
        counts.set_yticks(ys, names)
        counts.invert_yaxis()
        counts.set_xlabel("children")
        counts.xaxis.set_major_locator(MaxNLocator(integer=True))
        counts.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2)
        rates.barh(ys, [r["keep_rate"] or 0 for r in mine], color=COLOURS["population"])
        rates.set_xlim(0, 1)
        rates.set_xlabel("keep rate")
        values = [r["mean_val_delta"] for r in mine]
        deltas.barh(ys, [v or 0 for v in values],
                    color=[COLOURS["test"] if (v or 0) >= 0 else COLOURS["best"] for v in values])
        deltas.axvline(0, color="#666666", lw=0.8)
        for y, row in zip(ys, mine, strict=False):
            text = "no val pair" if row["mean_val_delta"] is None else \
                f"{row['mean_val_delta']:+.3f} (n={row['n_delta']})"
            deltas.annotate(text, (0, y), xytext=(4, 0), textcoords="offset points", va="center", fontsize=7)
        deltas.set_xlabel("mean Δ val (child − parents)")

    caption = ("kept: passed the gate and the train minibatch; Δ val: a child's val mean minus its parents' mean, "
               "over children with both")
    return Chart("operators", title, query, caption, draw(paint, 1.3 + 0.38 * len(mine)))


def refusals(rows: list[dict], query: str) -> Chart:
    title = "Why children were refused"
    if not rows:
        return Chart("refusals", title, query, empty="no child was refused in this run")
    reasons: dict[str, dict[str, int]] = {}
    for row in rows:
        reasons.setdefault(row["reason"], {})[row["operator"]] = row["children"]
    order = sorted(reasons, key=lambda r: (-sum(reasons[r].values()), r))
    operators = sorted({r["operator"] for r in rows})
    palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"]

    def paint(figure):
        from matplotlib.ticker import MaxNLocator

        ax = figure.subplots()
        left = [0] * len(order)
        for i, operator in enumerate(operators):
            widths = [reasons[r].get(operator, 0) for r in order]
            ax.barh(range(len(order)), widths, left=left, color=palette[i % len(palette)], label=operator)
            left = [a + b for a, b in zip(left, widths, strict=False)]
        ax.set_yticks(range(len(order)), [_cut(r) for r in order], fontsize=7.5)
        ax.invert_yaxis()
        ax.set_xlabel("children refused")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), title="operator", title_fontsize=7)

    return Chart("refusals", title, query, "gate: the screen before any trial (spec, bytes, leakage, safety); "
                 "minibatch: not better than its parent on the same train goals and seeds (a race: its "
                 "verdict); re-score or incumbency race: a challenger that did not beat the incumbent on fresh val "
                 "seeds; declined: the operator gave up",
                 draw(paint, 0.9 + 0.32 * len(order)))


def _cut(text: str) -> str:
    return text if len(text) <= REASON_CHARS else text[:REASON_CHARS - 1] + "…"
