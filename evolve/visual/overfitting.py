"""Overfitting: train vs val vs test by generation, so a widening gap between what the mutator sees (train), what
selection sees (val) and the sealed split (test) shows.

Contract: `split_gap(rows, query)` takes the rows of `split_gap` (one run's) and returns a `Chart`: one line per
split over generations (points only where the split was scored), its trial count in the legend. Pure.
"""
from __future__ import annotations

from .chart import COLOURS, Chart, draw


def split_gap(rows: list[dict], query: str) -> Chart:
    title = "Train vs val vs test by generation"
    if not rows:
        return Chart("split-gap", title, query, empty="no library trial was scored in this run")
    rows = sorted(rows, key=lambda r: r["generation"])

    def paint(figure):
        ax = figure.subplots()
        for split, marker, style in (("train", "s", "--"), ("val", "o", "-"), ("test", "D", ":")):
            points = [(r["generation"], r[split]) for r in rows if r[split] is not None]
            if points:
                trials = sum(r[f"n_{split}"] for r in rows)
                ax.plot([g for g, _ in points], [v for _, v in points], marker=marker, color=COLOURS[split],
                        lw=1.5, ls=style, label=f"{split} ({trials} trials)")
        ax.set_xlabel("generation")
        ax.set_ylabel("mean score of library trials")
        ax.set_ylim(-0.05, 1.05)
        if len(rows) <= 20:
            ax.set_xticks([r["generation"] for r in rows])
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)

    return Chart("split-gap", title, query, "mean score of the library trials recorded in each generation, per "
                 "split; train above val means the mutator's goals are learnt better than the selection's; val "
                 "above test, that selection picked for val", draw(paint, 3.0))
