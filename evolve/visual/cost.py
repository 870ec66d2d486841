"""Cost: tokens, calls, wall time and money per model role, and where a trial's time goes (its phases).

Contract: `per_role(rows, query)` takes the rows of `cost_per_role` (one run's) and `phases(rows, query)` those of
`trial_phases`; each returns a `Chart` (empty, with the reason, when nothing was recorded: archives from before
call records or phase timings). A role used with several models shows one bar per (role, model). Pure.
"""
from __future__ import annotations

from .chart import Chart, draw

PHASES = (("queue_s", "queue"), ("model_wait_s", "model wait"), ("prompt_s", "prompt"),
          ("generation_s", "generation"), ("kernel_start_s", "kernel start"), ("imports_s", "imports"),
          ("execution_s", "execution"), ("checks_s", "checks"), ("replay_s", "replay"))
PALETTE = ("#999999", "#CC79A7", "#56B4E9", "#0072B2", "#F0E442", "#E69F00", "#D55E00", "#009E73", "#000000")


def per_role(rows: list[dict], query: str) -> Chart:
    title = "Cost per model role"
    if not rows:
        return Chart("cost", title, query, empty="no model call is recorded for this run")
    labels = [f"{r['role']}\n{r['model']}" for r in rows]

    def paint(figure):
        tokens, calls, wall, money = figure.subplots(1, 4, sharey=True)
        ys = list(range(len(rows)))
        prompt = [r["prompt_tokens"] or 0 for r in rows]
        tokens.barh(ys, prompt, color="#56B4E9", label="prompt")
        tokens.barh(ys, [r["completion_tokens"] or 0 for r in rows], left=prompt, color="#0072B2",
                    label="completion")
        tokens.set_yticks(ys, labels, fontsize=7.5)
        tokens.invert_yaxis()
        tokens.set_xlabel("tokens")
        tokens.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2)
        ok = [r["calls"] - (r["failed"] or 0) for r in rows]
        calls.barh(ys, ok, color="#009E73", label="ok")
        calls.barh(ys, [r["failed"] or 0 for r in rows], left=ok, color="#D55E00", label="failed")
        calls.set_xlabel("calls")
        calls.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2)
        seconds = [r["latency_s"] or 0 for r in rows]
        scale, unit = (60, "min") if max(seconds) >= 300 else (1, "s")
        wall.barh(ys, [v / scale for v in seconds], color="#E69F00")
        wall.set_xlabel(f"wall time of calls ({unit})")
        money.barh(ys, [r["cost_usd"] or 0 for r in rows], color="#CC79A7")
        money.set_xlim(left=0)
        money.set_xlabel("cost (USD)")
        for y, row in zip(ys, rows, strict=False):
            money.annotate("unknown" if row["cost_usd"] is None else f"${row['cost_usd']:.2f}", (0, y),
                           xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)

    return Chart("cost", title, query, "wall time sums each call's latency (calls in parallel overlap); cost is "
                 "what the provider reported (local models cost 0; unknown when none reported)",
                 draw(paint, 1.4 + 0.45 * len(rows)))


def phases(rows: list[dict], query: str) -> Chart:
    title = "Where a trial's time goes"
    rows = [r for r in rows if any(r[key] is not None for key, _ in PHASES)]  # (older trials: no phase timed)
    if not rows:
        return Chart("phases", title, query, empty="no trial of this run recorded its phases (or all came from "
                                                   "the cache)")

    def paint(figure):
        ax = figure.subplots()
        ys = list(range(len(rows)))
        left = [0.0] * len(rows)
        for (key, label), colour in zip(PHASES, PALETTE, strict=False):
            widths = [r[key] or 0 for r in rows]
            if any(widths):
                ax.barh(ys, widths, left=left, color=colour, label=label)
                left = [a + b for a, b in zip(left, widths, strict=False)]
        ax.scatter([r["wall_s"] or 0 for r in rows], ys, marker="|", s=300, color="black", zorder=3,
                   label="mean wall time")
        ax.set_yticks(ys, [f"{r['model']}\n{r['trials']} trials" for r in rows], fontsize=7.5)
        ax.invert_yaxis()
        ax.set_xlabel("mean seconds per trial")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7.5)

    return Chart("phases", title, query, "per student model, over trials that ran here (not from the cache): the "
                 "mean seconds of each phase (evolve.phases)", draw(paint, 1.1 + 0.5 * len(rows)))
