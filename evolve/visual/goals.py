"""Goals: which goals each library solves, as a goal × library heatmap of mean scores (val, and test where scored).

Contract: `heatmap(rows, query)` takes the rows of `goal_heatmap` and returns a `Chart` with one panel per split
present (val first): rows are goals, hardest (lowest mean over the run's library trials) at the top; columns are
the seed library, the best library, the other libraries by val mean, and no skills last; a cell is the mean
score (its number written when the grid is small) and blank where that library was not scored on that goal.
`grid(rows, split)` gives (goals, columns, values) for one split. Pure.
"""
from __future__ import annotations

from .chart import Chart, draw, short

NUMBERS_UP_TO = 200  # cells get their value written in them when a panel has at most this many


def columns(rows: list[dict]) -> list[str | None]:
    """The library columns of every panel, in rank order (seed, best, the others by val mean, no skills)."""
    order: dict[str | None, tuple] = {}
    for r in rows:
        order.setdefault(r["library_id"], (r["rank"], -(r["val_mean"] or 0), r["library_id"] or ""))
    return sorted(order, key=lambda c: order[c])


def grid(rows: list[dict], split: str) -> tuple[list[str], list[list[float | None]]]:
    """(goals of `split` hardest first, values[goal][column] or None), columns as `columns(rows)`."""
    mine = [r for r in rows if r["split"] == split]
    difficulty = {r["goal"]: r["goal_mean"] for r in mine}
    goals = sorted(difficulty, key=lambda g: (difficulty[g], g))
    cell = {(r["goal"], r["library_id"]): r["mean"] for r in mine}
    return goals, [[cell.get((g, c)) for c in columns(rows)] for g in goals]


def column_label(library_id: str | None, rank: int) -> str:
    return {0: "seed ", 1: "best "}.get(rank, "") + short(library_id) if library_id is not None else "no skills"


def heatmap(rows: list[dict], query: str) -> Chart:
    title = "Goals × libraries"
    splits = [s for s in ("val", "test") if any(r["split"] == s for r in rows)]
    if not splits:
        return Chart("goal-heatmap", title, query, empty="no library was scored on a val or test goal")
    ranks = {r["library_id"]: r["rank"] for r in rows}
    shown = columns(rows)
    panels = [(split, *grid(rows, split)) for split in splits]
    height = sum(0.45 + 0.32 * len(goals) for _, goals, _ in panels) + 1.3

    def paint(figure):
        import numpy as np

        axes = figure.subplots(len(panels), 1, squeeze=False, sharex=True,
                               height_ratios=[max(1, len(goals)) for _, goals, _ in panels])[:, 0]
        image = None
        for ax, (split, goals, values) in zip(axes, panels, strict=False):
            data = np.ma.masked_invalid(np.array([[np.nan if v is None else v for v in row] for row in values],
                                                 dtype=float))
            image = ax.imshow(data, vmin=0, vmax=1, cmap="viridis", aspect="auto", interpolation="nearest")
            ax.set_yticks(range(len(goals)), goals, fontsize=8)
            ax.set_title(f"{split} (hardest goal at the top)", fontsize=9, loc="left")
            ax.grid(False)
            if len(goals) * len(shown) <= NUMBERS_UP_TO:
                for i, row in enumerate(values):
                    for j, value in enumerate(row):
                        if value is not None:
                            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                                    color="white" if value < 0.6 else "black")
        axes[-1].set_xticks(range(len(shown)), [column_label(c, ranks[c]) for c in shown], rotation=35,
                            ha="right", fontsize=7.5)
        figure.colorbar(image, ax=list(axes), label="mean score", shrink=0.8)

    caption = ("mean score per goal and library over its scored trials; blank: not scored there; columns: the "
               "seed library, the best library, the top libraries by val mean, and no skills")
    return Chart("goal-heatmap", title, query, caption, draw(paint, height))
