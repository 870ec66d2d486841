"""The HTML report (evolve.visual, `evolve report`): each figure a pure function of its canned query's rows, on the
generated archive (evolve/archive/synthetic.py) and on a real one from a scripted `evolve run`; the command on a
finished run, an old archive after migration and a live run's snapshot; `evolve run` writing it."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers.archive_data import ROOT, LiveWriter, hand_built_v1

from evolve.archive import open_for_reading
from evolve.cli import main
from evolve.visual import build, cost, data, goals, lineage, operators, overfitting, progress

QUERIES = ROOT / "archive" / "queries"
SECTIONS = ["progress", "lineage", "goals", "operators", "cost", "overfitting"]


class Page(HTMLParser):
    """What a test needs of a report page: section ids, chart ids, their images' sources and 'nothing to show'."""

    def __init__(self, html: str):
        super().__init__()
        self.sections, self.charts, self.images, self.empty, self._in_empty = [], [], {}, [], False
        self._chart = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs.get("id"))
        if attrs.get("data-chart"):
            self._chart = attrs["data-chart"]
            self.charts.append(self._chart)
        if tag == "img":
            self.images[self._chart] = attrs["src"]
        if tag == "p" and attrs.get("class") == "empty":
            self.empty.append(self._chart)


def fetched(path, run_id=None):
    with open_for_reading(path) as reader:
        run_id = run_id or reader.latest_run()
        return run_id, data.fetch(reader, run_id, QUERIES)


def every_chart(rows, q="q"):
    return [progress.over_trials(rows["val_over_trials"], q),
            progress.over_generations(rows["progress_by_generation"], q),
            lineage.tree(rows["lineage"], q), goals.heatmap(rows["goal_heatmap"], q),
            operators.outcomes(rows["operator_success"], q), operators.refusals(rows["refusal_reasons"], q),
            cost.per_role(rows["cost_per_role"], q), cost.phases(rows["trial_phases"], q),
            overfitting.split_gap(rows["split_gap"], q)]


# -- figures as functions of query rows --------------------------------------------------------------------------

def test_best_so_far_follows_the_highest_library_mean_and_drops_when_the_leader_does():
    rows = [{"trial": 1, "condition": "seed", "library_id": "s", "score": 0.4},
            {"trial": 2, "condition": "none", "library_id": None, "score": 1.0},  # not a library: ignored
            {"trial": 3, "condition": "population", "library_id": "a", "score": 0.8},
            {"trial": 4, "condition": "population", "library_id": "a", "score": 0.0},  # a's mean falls to 0.4
            {"trial": 5, "condition": "population", "library_id": "b", "score": None},  # missing: ignored
            {"trial": 6, "condition": "best-of-n", "library_id": "s", "score": 1.0}]  # another protocol: ignored
    assert progress.best_so_far(rows) == [(1, 0.4), (3, 0.8), (4, 0.4)]


def test_every_figure_of_the_generated_run_is_an_svg_drawn_from_its_rows(synthetic_run):
    path, g = synthetic_run
    _, rows = fetched(path, g.run_id)
    charts = every_chart(rows)
    drawn = {c.key: c for c in charts if c.svg}
    # the generated run records no phase timings: that figure says so; every other one is drawn
    assert [c.key for c in charts if not c.svg] == ["phases"] and "phases" in charts[7].empty
    assert len(drawn) == 8 and all(c.svg.lstrip().startswith("<?xml") and "<svg" in c.svg for c in drawn.values())
    assert "7 libraries (1 seed, 3 kept, 3 refused on the minibatch)" in drawn["lineage"].caption


def test_the_same_rows_draw_the_same_image(synthetic_run):
    path, g = synthetic_run
    _, rows = fetched(path, g.run_id)
    assert lineage.tree(rows["lineage"], "q").svg == lineage.tree(rows["lineage"], "q").svg
    assert progress.over_trials(rows["val_over_trials"], "q").svg == \
        progress.over_trials(rows["val_over_trials"], "q").svg


def test_figures_without_data_say_why_instead_of_drawing_an_empty_plot():
    empty = {figure: [] for figure in data.QUERIES}
    charts = every_chart(empty)
    assert all(c.svg is None and c.empty for c in charts)
    assert charts[0].empty == "no val trial was scored in this run"


def test_the_lineage_marks_what_the_run_did_with_each_library_and_the_best_path(synthetic_run):
    path, g = synthetic_run
    _, rows = fetched(path, g.run_id)
    nodes = {n["library_id"]: n for n in rows["lineage"]}
    assert nodes[g.seed.id]["status"] == "seed"
    kept = [e["child"] for e in g.edges if e["accepted"]]
    refused = [e["child"] for e in g.edges if not e["accepted"]]
    assert {nodes[c]["status"] for c in kept} == {"kept"}
    assert {nodes[c]["status"] for c in refused} == {"refused on the minibatch"}
    assert {i for i, n in nodes.items() if n["on_best_path"]} == set(g.kept)
    assert [i for i, n in nodes.items() if n["is_best"]] == [g.kept[-1]]
    # placed at (generation, val mean); every child joined to its parents
    where = lineage.positions(rows["lineage"])
    assert where[g.kept[-1]] == (pytest.approx(3 + 0.06, abs=0.07), pytest.approx(0.705))


def test_lineage_details_list_the_best_path_first_with_the_note_and_the_skill_diff(synthetic_run):
    path, g = synthetic_run
    with open_for_reading(path) as reader:
        _, rows = fetched(path, g.run_id)
        chosen = lineage.picked(rows["lineage"], limit=5)
        changes = data.changes(reader, g.run_id, QUERIES, chosen)
    assert chosen[:4] == g.kept and len(chosen) == 5
    details = {d.library_id: d for d in lineage.details(rows["lineage"], changes, chosen)}
    best = details[g.kept[-1]]
    assert best.is_best and best.note == "g3: added 'Sentence g3k0.'" and best.parent == g.kept[-2]
    assert "+Sentence g3k0.\n" in best.diff and f"--- {g.kept[-2][:8]}/recipe/SKILL.md" in best.diff
    assert details[g.seed.id].diff == "" and details[g.seed.id].parent is None
    assert {c["library_id"] for c in changes} <= set(chosen)  # only the listed libraries' texts are read


def test_the_goal_heatmap_puts_the_hardest_goal_on_top_and_seed_best_others_no_skills_as_columns(synthetic_run):
    path, g = synthetic_run
    _, rows = fetched(path, g.run_id)
    shown = goals.columns(rows["goal_heatmap"])
    assert shown[:2] == [g.seed.id, g.kept[-1]] and shown[-1] is None
    val_goals, values = goals.grid(rows["goal_heatmap"], "val")
    assert val_goals == ["goal-c", "goal-d"]  # equal difficulty: by name
    assert values[0][0] == pytest.approx(0.405) and values[0][-1] == pytest.approx(0.205)
    test_goals, _ = goals.grid(rows["goal_heatmap"], "test")
    assert test_goals == ["goal-e"]


def test_progress_rows_carry_each_library_the_incumbent_and_the_baselines(synthetic_run):
    path, g = synthetic_run
    _, rows = fetched(path, g.run_id)
    baseline = {(r["split"], r["label"]): r["mean"] for r in rows["progress_by_generation"] if r["kind"] == "baseline"}
    assert baseline == {("val", "seed library"): pytest.approx(0.405), ("val", "no skills"): pytest.approx(0.205),
                        ("test", "seed library"): pytest.approx(0.355), ("test", "no skills"): pytest.approx(0.155)}
    libraries = [r for r in rows["progress_by_generation"] if r["kind"] == "library" and r["split"] == "val"]
    assert len(libraries) == 7 and all(r["lo"] <= r["mean"] <= r["hi"] for r in libraries)


# -- the page, on a real run and through the command -----------------------------------------------------------

def test_a_real_runs_report_has_every_section_and_every_figure(scripted_run):
    with open_for_reading(scripted_run.archive) as reader:
        run_id = reader.latest_run()
        html = build.build_page(reader, run_id, QUERIES, "archive", [])
    page = Page(html)
    assert page.sections == ["summary"] + SECTIONS
    assert page.empty == [] and len(page.charts) == len(data.QUERIES)
    assert all(src.startswith("data:image/svg+xml;base64,") and len(src) > 2000 for src in page.images.values())
    assert set(page.images) == set(page.charts)
    assert "MAGIC-SUM" in html  # the accepted rewrite's diff against the seed
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # nothing from the network
    for figure in data.QUERIES:
        assert data.command(figure, run_id) in html


def test_evolve_run_writes_the_report_every_generation_and_at_the_end_and_prints_its_path(scripted_run):
    written = re.findall(r"HTML report: (\S+)", scripted_run.stderr)
    assert len(written) == 4  # generations 0, 1, 2 and the end
    assert len(set(written)) == 1 and Path(written[0]).is_file()
    assert Path(written[0]).parent.parent == scripted_run.folder / "state" / "runs"


def test_evolve_report_writes_the_page_and_prints_its_path(scripted_run, tmp_path, capsys):
    assert main(["report", "--run", str(scripted_run.archive), "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == str(tmp_path / "report.html") and Page(Path(printed).read_text()).sections[-1] == "overfitting"
    run_id = next(iter((scripted_run.folder / "state" / "runs").iterdir())).name
    assert main(["report", run_id[:12], "--run", str(scripted_run.archive), "--out", str(tmp_path)]) == 0
    assert main(["report", "run-nothing", "--run", str(scripted_run.archive), "--out", str(tmp_path)]) == 2
    assert "has no run 'run-nothing'" in capsys.readouterr().err


def test_evolve_report_reads_an_old_archive_through_an_upgraded_copy_and_says_so(tmp_path, capsys):
    path = tmp_path / "old.duckdb"
    hand_built_v1(path)
    assert main(["report", "--run", str(path), "--out", str(tmp_path / "out")]) == 0
    html = (tmp_path / "out" / "report.html").read_text()
    assert "upgraded copy" in capsys.readouterr().err and "has archive schema 1" in html
    page = Page(html)
    assert page.sections == ["summary"] + SECTIONS and "lineage" in page.images and "split-gap" in page.images


def test_evolve_report_on_a_live_run_reads_its_snapshot(tmp_path, capsys):
    path = tmp_path / "live.duckdb"
    with LiveWriter(path) as writer:
        assert writer.ask("trials") == "ok"
        assert main(["report", "--run", str(path), "--out", str(tmp_path / "out")]) == 0
    html = (tmp_path / "out" / "report.html").read_text()
    assert "is held by a running process" in capsys.readouterr().err and "reading its snapshot" in html
    assert "val-over-trials" in Page(html).images


def test_refusal_reasons_name_the_gate_the_minibatch_the_race_and_declined_proposals(synthetic_run, tmp_path):
    import shutil

    from evolve.archive import Archive

    path, g = tmp_path / "evolve.duckdb", synthetic_run[1]
    shutil.copyfile(synthetic_run[0], path)
    with Archive.open(path, snapshots=False) as archive:
        gated = g.libraries[g.kept[1]].with_skill(g.seed["pitfalls"].with_body("Too long " * 3))
        archive.add_edge(g.run_id, gated, [g.kept[1]], "compress", "shorter | gate: library is 5000 bytes; unsafe",
                         generation=2, accepted=False)
        archive.event(g.run_id, "rescore-refused", {"generation": 3, "library": g.kept[3], "val": 0.7})
        archive.event(g.run_id, "declined", {"generation": 3, "operator": "dspy-gepa", "reason": "no train goals"})
        raced = next(e["child"] for e in g.edges if e["generation"] == 3 and not e["accepted"])
        archive.event(g.run_id, "race", {"generation": 3, "stage": "minibatch", "challenger": raced,
                                         "verdict": "not better", "at_cap": False})
        archive.event(g.run_id, "race", {"generation": 3, "stage": "incumbency", "challenger": g.kept[3],
                                         "verdict": "undecided", "at_cap": True})
    _, rows = fetched(path, g.run_id)
    reasons = {(r["operator"], r["reason"]): r["children"] for r in rows["refusal_reasons"]}
    assert reasons == {("add-skill", "minibatch: not better than its parent"): 1,
                       ("compress", "minibatch race: not better"): 1,  # (generation 3's refused child)
                       ("crossover", "minibatch: not better than its parent"): 1,
                       ("compress", "gate: library is # bytes"): 1,
                       ("reflective", "incumbency race: undecided at the cap"): 1,
                       ("dspy-gepa", "declined: no train goals"): 1}
    statuses = {n["library_id"]: n["status"] for n in rows["lineage"]}
    assert statuses[gated.id] == "refused by the gate" and statuses[g.kept[3]] == "lost to the incumbent"
