"""Progress: val scores over the trials a run spent, and each library's val mean generation by generation against
the best-so-far line and the baselines (seed library, no skills, best-of-N), with test points where test was scored.

Contract: `over_trials(rows, query)` takes the rows of `val_over_trials` and `over_generations(rows, query)` those of
`progress_by_generation`; each returns a `Chart` (empty, with the reason, when there is nothing to plot) and
depends on nothing but its arguments. `best_so_far(rows)` is the line drawn over the trials: after each trial,
the highest mean val score of any library (population or seed library) over its trials so far.
"""
from __future__ import annotations

from .chart import COLOURS, DENSE, Chart, draw

LIBRARY_CONDITIONS = ("population", "seed")


def best_so_far(rows: list[dict]) -> list[tuple[int, float]]:
    """(trial, best library mean so far) after every scored library trial, in trial order."""
    totals: dict[str, tuple[float, int]] = {}
    best_id, best, out = None, None, []
    for row in rows:
        if row["score"] is None or row["condition"] not in LIBRARY_CONDITIONS or row["library_id"] is None:
            continue
        total, n = totals.get(row["library_id"], (0.0, 0))
        totals[row["library_id"]] = (total + row["score"], n + 1)
        mean = (total + row["score"]) / (n + 1)
        if best is None or mean > best:
            best_id, best = row["library_id"], mean
        elif row["library_id"] == best_id and mean < best:  # the leader fell: look again (rare)
            best_id, (total, n) = max(totals.items(), key=lambda kv: kv[1][0] / kv[1][1])
            best = total / n
        out.append((row["trial"], best))
    return out


def over_trials(rows: list[dict], query: str) -> Chart:
    title = "Val score over trials"
    scored = [r for r in rows if r["score"] is not None]
    if not scored:
        return Chart("val-over-trials", title, query, empty="no val trial was scored in this run")
    missing = len(rows) - len(scored)

    def paint(figure):
        ax = figure.subplots()
        groups: dict[str, list[dict]] = {}
        for row in scored:
            groups.setdefault(row["condition"], []).append(row)
        size, alpha = (6, 0.35) if len(scored) > DENSE else (24, 0.75)  # many points: small and see-through
        for condition, members in sorted(groups.items()):
            ax.scatter([r["trial"] for r in members], [r["score"] for r in members], s=size, alpha=alpha,
                       color=COLOURS.get(condition, COLOURS["other"]), label=f"{condition} ({len(members)})",
                       linewidths=0, zorder=3, rasterized=len(members) > DENSE)
        line = best_so_far(rows)
        if line:
            ax.step([t for t, _ in line], [b for _, b in line], where="post", color=COLOURS["best"], lw=1.6,
                    label="best library mean so far")
        starts = _generation_starts(rows)
        if 1 < len(starts) <= 30:
            for generation, trial in starts:
                ax.axvline(trial - 0.5, color="#bbbbbb", lw=0.6, ls=":")
                ax.text(trial - 0.5, 1.02, f"g{generation}", fontsize=7, color="#777777", ha="left",
                        transform=ax.get_xaxis_transform())
        ax.set_xlabel("val trial, in the order recorded")
        ax.set_ylabel("score")
        ax.set_ylim(-0.05, 1.05)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)

    caption = f"{len(scored)} scored val trials" + (f", {missing} missing (not plotted)" if missing else "")
    return Chart("val-over-trials", title, query, caption, draw(paint, 3.4))


def _generation_starts(rows: list[dict]) -> list[tuple[int, int]]:
    first: dict[int, int] = {}
    for row in rows:
        first.setdefault(row["generation"], row["trial"])
    return sorted(first.items())


def over_generations(rows: list[dict], query: str) -> Chart:
    title = "Val score by generation"
    libraries = [r for r in rows if r["kind"] == "library" and r["split"] == "val" and r["mean"] is not None]
    if not libraries:
        return Chart("val-by-generation", title, query, empty="no library was scored on val in this run")
    tests = [r for r in rows if r["kind"] == "library" and r["split"] == "test" and r["mean"] is not None]
    best = sorted((r for r in rows if r["kind"] == "best" and r["mean"] is not None), key=lambda r: r["generation"])
    baselines = [r for r in rows if r["kind"] == "baseline" and r["split"] == "val" and r["mean"] is not None]

    def paint(figure):
        ax = figure.subplots()
        dense = len(libraries) > DENSE
        for label, colour in (("library", COLOURS["population"]), ("seed library", COLOURS["seed"])):
            members = [r for r in libraries if r["label"] == label]
            if not members:
                continue
            xs = [r["generation"] for r in members]
            spans = [(x, r["lo"], r["hi"]) for x, r in zip(xs, members, strict=False) if r["lo"] is not None]
            if spans:
                ax.vlines([x for x, _, _ in spans], [lo for _, lo, _ in spans], [hi for _, _, hi in spans],
                          color=colour, alpha=0.35, lw=1.2, rasterized=dense)
            ax.scatter(xs, [r["mean"] for r in members], s=18, color=colour, zorder=3, alpha=0.8, linewidths=0,
                       label=f"{label} mean ± 95% interval ({len(members)})", rasterized=dense)
        if best:
            ax.step([r["generation"] for r in best], [r["mean"] for r in best], where="post", color=COLOURS["best"],
                    lw=1.8, label="best so far (incumbent)", zorder=4)
        else:
            line = _running_max(libraries)
            ax.step([g for g, _ in line], [m for _, m in line], where="post", color=COLOURS["best"], lw=1.8,
                    label="best library mean so far", zorder=4)
        for row in baselines:
            colour = COLOURS.get(row["label"], COLOURS["other"])
            ax.axhline(row["mean"], color=colour, ls="--", lw=1.1, label=f"{row['label']} (val {row['mean']:.3f})")
        if tests:
            ax.scatter([r["generation"] for r in tests], [r["mean"] for r in tests], marker="D",
                       s=36 if len(tests) <= 50 else 8,
                       color=COLOURS["test"], zorder=5, label="library on test")
        ax.set_xlabel("generation")
        ax.set_ylabel("mean score")
        ax.set_ylim(-0.05, 1.05)
        generations = sorted({r["generation"] for r in libraries})
        if len(generations) <= 20:
            ax.set_xticks(generations)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)

    caption = ("each library at the generation that made it; intervals are mean ± 1.96 standard errors over its "
               "val trials (clipped to [0, 1]); dashed lines are the baselines on val")
    return Chart("val-by-generation", title, query, caption, draw(paint, 3.6))


def _running_max(libraries: list[dict]) -> list[tuple[int, float]]:
    """(generation, best mean of any library made by then), for archives without the engine's incumbent."""
    by_generation: dict[int, float] = {}
    for row in libraries:
        generation, mean = row["generation"], row["mean"]
        by_generation[generation] = max(by_generation[generation], mean) if generation in by_generation else mean
    out: list[tuple[int, float]] = []
    for generation in sorted(by_generation):
        out.append((generation, max(by_generation[generation], out[-1][1]) if out else by_generation[generation]))
    return out
