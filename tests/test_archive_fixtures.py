"""The generated archive (tests/conftest.py: `generated_file`) is what synthetic.py promises, so the other archive
tests can rely on it."""
import pytest

from evolve.archive import Archive
from evolve.archive.synthetic import GOALS


def test_the_generated_run_has_what_synthetic_promises(generated_file):
    path, g = generated_file
    with Archive.open(path, snapshots=False) as archive:
        counts = archive.rows("SELECT (SELECT count(*) FROM trials) AS trials, (SELECT count(*) FROM edges) AS edges, "
                              "(SELECT count(*) FROM evaluations) AS evaluations, "
                              "(SELECT count(*) FROM llm_calls) AS calls, (SELECT count(*) FROM libraries) AS libs")[0]
    libraries = 1 + 3 * 2
    assert counts == {"trials": (libraries + 1) * len(GOALS) * 2, "edges": libraries, "evaluations": counts["trials"],
                      "calls": counts["trials"] + 3 * 2, "libs": libraries}
    assert len(g.trials) == counts["trials"] and len(g.kept) == 4
    assert g.quality[g.kept[-1]] == pytest.approx(0.70)
