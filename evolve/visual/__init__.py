"""The HTML report of a run (`evolve report`): one self-contained page, every figure embedded, made from the
archive alone, so it works on a finished run, a live one (its snapshot), an old archive after migration.

- data.py: which canned query (archive/queries/*.sql) feeds which figure, and fetching their rows;
- one module per section, each figure a pure function of its query's rows: progress.py, lineage.py,
  goals.py, operators.py, cost.py, overfitting.py;
- chart.py: the `Chart` value a figure returns and how a matplotlib figure becomes an embedded SVG;
- page.py (+ page.html.j2): the sections into one HTML page;
- build.py: `write_report(reads, run_id, out_dir, queries)`: fetch, draw, write `report.html`.

Only the archive (evolve/archive and the .sql files) knows table names: this package only names queries.
"""
