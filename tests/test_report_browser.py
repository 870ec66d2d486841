"""The report of a scripted-world run in a real headless browser (Debian's chromium, which scripts/setup installs):
every section and figure rendered with a non-empty image, no console error, no request beyond the file itself,
and a screenshot kept as a test artifact (EVOLVE_TEST_ARTIFACTS, default .evolve/test-artifacts/)."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from evolve.visual import data

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SECTIONS = ["summary", "progress", "lineage", "goals", "operators", "cost", "overfitting"]

pytestmark = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK),
    reason="no chromium on this machine: scripts/setup installs Debian's chromium when it runs as root with apt; "
           "elsewhere install a chromium at /usr/bin/chromium to run the browser tests")

# For each section and figure: whether it is there and what its image measures, as the browser laid it out.
MEASURE = """() => ({
  sections: [...document.querySelectorAll('main > section')].map(s => s.id),
  charts: [...document.querySelectorAll('[data-chart]')].map(c => {
    const img = c.querySelector('img');
    const box = img ? img.getBoundingClientRect() : null;
    return {key: c.dataset.chart, section: c.closest('section').id, loaded: !!img && img.complete,
            natural: img ? [img.naturalWidth, img.naturalHeight] : [0, 0], shown: box ? [box.width, box.height] : [0, 0],
            empty: !!c.querySelector('.empty')};
  }),
  details: document.querySelectorAll('#lineage details').length,
})"""


@pytest.fixture
def artifacts() -> Path:
    folder = Path(os.environ.get("EVOLVE_TEST_ARTIFACTS", ROOT / ".evolve" / "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_report_renders_in_chromium_with_every_figure_no_error_and_no_network(scripted_run, artifacts):
    from playwright.sync_api import sync_playwright

    report = next((scripted_run.folder / "state" / "runs").glob("*/report.html"))
    url = report.resolve().as_uri()
    console, requests = [], []
    with tempfile.TemporaryDirectory(prefix="evolve-chromium-") as profile, sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=ARGS, viewport={"width": 1200, "height": 900})
        try:
            page = browser.new_page()
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning")
                    else None)
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(url, wait_until="load")
            seen = page.evaluate(MEASURE)
            page.screenshot(path=str(artifacts / "report-browser.png"), full_page=True)
        finally:
            browser.close()
    assert console == []
    assert requests == [url]  # the page itself; its images are data URIs (no request of their own)
    assert seen["sections"] == SECTIONS
    charts = {c["key"]: c for c in seen["charts"]}
    assert len(charts) == len(data.QUERIES)
    for key, chart in charts.items():
        assert chart["loaded"] and not chart["empty"], key
        assert min(chart["natural"]) > 50 and min(chart["shown"]) > 50, (key, chart)
    assert seen["details"] >= 2  # the seed and the kept child, with their notes and diff
    assert (artifacts / "report-browser.png").stat().st_size > 50_000
