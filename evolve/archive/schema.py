"""The archive's tables, as an ordered list of migrations, and the schema version that says which ones ran.

Contract:
- `MIGRATIONS[i]` takes an archive from version i to version i + 1. A released step never changes (a test pins
  their hashes); a schema change is a new step appended at the end.
- Views and macros are rebuilt (from `views.VIEWS`) in the same transaction as any migration, so an archive's
  views always match its version. Changing a view therefore also needs a new (possibly view-only) step.
- `migrate()` runs every pending step and the view rebuild in ONE transaction: an archive is either fully
  upgraded or left exactly as it was.

Column conventions: times are TIMESTAMP in UTC; hashes are lowercase hex sha256; list and record columns are typed
(LIST, STRUCT, MAP); only free-form payloads (a run's configuration, an event's payload) are JSON.
"""
from __future__ import annotations

import datetime as dt

import duckdb

from .views import VIEWS

# v1: the core record of a run.
_V1 = """
CREATE TABLE schema_version (
    version     INTEGER NOT NULL,        -- the version this row's migration produced
    applied_at  TIMESTAMP NOT NULL,
    description VARCHAR NOT NULL
);
CREATE TABLE runs (
    run_id       VARCHAR PRIMARY KEY,    -- 'run-YYYYMMDD-HHMMSS-xxxx'
    started_at   TIMESTAMP NOT NULL,
    config       JSON,                   -- the run's configuration, as given (free-form)
    seed_library VARCHAR,                -- the library the run started from (the "seed" baseline); NULL: none
    note         VARCHAR NOT NULL DEFAULT ''
);
CREATE TABLE skills (                    -- content-addressed: one row per distinct normalised SKILL.md text
    sha256     VARCHAR PRIMARY KEY,
    name       VARCHAR NOT NULL,
    text       VARCHAR NOT NULL,
    nbytes     INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE libraries (                 -- a library is its manifest; its id is the sha256 of the manifest
    library_id VARCHAR PRIMARY KEY,
    manifest   MAP(VARCHAR, VARCHAR) NOT NULL,   -- skill name -> skills.sha256
    n_skills   INTEGER NOT NULL,
    nbytes     INTEGER NOT NULL,                 -- total bytes of its skills
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE edges (                     -- how a library was made in a run: parents + operator -> child
    edge_id      BIGINT NOT NULL,
    run_id       VARCHAR NOT NULL,
    child        VARCHAR NOT NULL,
    parents      VARCHAR[] NOT NULL,     -- [] for a root (the seed library, a seed with no parent)
    operator     VARCHAR NOT NULL,       -- 'seed', 'manual', 'reflective', 'crossover', ...
    note         VARCHAR NOT NULL DEFAULT '',  -- the operator's note on what it changed (the CHANGELOG entry)
    mutator_call BIGINT,                 -- llm_calls.call_id of the call that proposed it, if any
    generation   INTEGER NOT NULL,
    accepted     BOOLEAN,                -- the gate's decision: kept (true), rejected (false), undecided (NULL)
    origin       BOOLEAN NOT NULL,       -- the first edge recorded for this child in this run (what made it)
    created_at   TIMESTAMP NOT NULL
);
CREATE TABLE trials (                    -- one row per (run, library, trial key): see writer.record_trials
    trial_id          BIGINT NOT NULL,
    run_id            VARCHAR NOT NULL,
    generation        INTEGER NOT NULL,
    library_id        VARCHAR,           -- NULL: no skills
    condition         VARCHAR NOT NULL,  -- 'population' (an individual), 'seed', 'none', or a baseline's label
    goal              VARCHAR NOT NULL,
    split             VARCHAR NOT NULL,  -- train / val / test
    model             VARCHAR NOT NULL,
    seed              INTEGER NOT NULL,
    trial_key         VARCHAR NOT NULL,  -- the prompt hash: sha256 of what the student saw and how it was asked
    ident             BIGINT NOT NULL,   -- 64-bit hash of (run, library, key): a cheap first test for duplicates
    injected          VARCHAR[] NOT NULL,
    used              VARCHAR[] NOT NULL,
    over_budget       VARCHAR[] NOT NULL,
    status            VARCHAR NOT NULL CHECK (status IN ('scored', 'missing')),
    score             DOUBLE CHECK ((status = 'scored') = (score IS NOT NULL)),  -- NULL exactly when missing
    executed          BOOLEAN NOT NULL,
    turns             INTEGER NOT NULL,
    stop_reason       VARCHAR NOT NULL,
    missing_reason    VARCHAR,
    prompt_tokens     INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    cost_usd          DOUBLE,            -- NULL: unknown
    wall_s            DOUBLE NOT NULL,
    cached            BOOLEAN NOT NULL,
    created_at        TIMESTAMP NOT NULL
);
CREATE TABLE evaluations (               -- what the checks said about a trial's final notebook, and its turns
    trial_id   BIGINT NOT NULL,
    run_id     VARCHAR NOT NULL,
    checks     STRUCT(name VARCHAR, passed BOOLEAN, message VARCHAR)[] NOT NULL,
    feedback   VARCHAR NOT NULL,         -- the final evaluation's feedback: what the mutator reads
    transcript STRUCT(outcome VARCHAR, score DOUBLE, executed BOOLEAN, error VARCHAR, feedback VARCHAR,
                      reply VARCHAR, prompt_tokens INTEGER, completion_tokens INTEGER,
                      model_s DOUBLE, exec_s DOUBLE)[] NOT NULL
);
CREATE TABLE score_totals (              -- running totals behind library_scores, kept by the writer in the same
    run_id      VARCHAR NOT NULL,         -- transaction as the trials (why: best_so_far at a million trials
    library_key VARCHAR NOT NULL,         -- must not re-aggregate them all); '' = no skills
    split       VARCHAR NOT NULL,
    n           BIGINT NOT NULL,          -- scored library trials
    total       DOUBLE NOT NULL,          -- sum of their scores
    missing     BIGINT NOT NULL,          -- missing library trials
    PRIMARY KEY (run_id, library_key, split)
);
CREATE TABLE llm_calls (
    call_id           BIGINT NOT NULL,
    run_id            VARCHAR NOT NULL,
    generation        INTEGER,
    role              VARCHAR NOT NULL,
    model             VARCHAR NOT NULL,
    resolved_model    VARCHAR,
    ok                BOOLEAN NOT NULL,
    prompt_tokens     INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    latency_s         DOUBLE NOT NULL,
    cost_usd          DOUBLE,
    attempts          INTEGER NOT NULL,
    error             VARCHAR,
    started_at        TIMESTAMP
);
CREATE TABLE events (
    event_id BIGINT NOT NULL,
    run_id   VARCHAR,
    created_at TIMESTAMP NOT NULL,
    kind     VARCHAR NOT NULL,
    payload  JSON                        -- free-form
);
"""

# v2: the optional LLM judge's verdict beside the objective checks (a missing verdict is NULL, never a zero).
_V2 = """
ALTER TABLE evaluations ADD COLUMN judge_status VARCHAR;            -- 'judged', 'missing' or NULL (not judged)
ALTER TABLE evaluations ADD COLUMN judge_model VARCHAR;
ALTER TABLE evaluations ADD COLUMN judge_scores MAP(VARCHAR, INTEGER);  -- rubric dimension -> score
ALTER TABLE evaluations ADD COLUMN judge_mean DOUBLE;
"""

# v3: views only (best_so_far follows the engine's incumbent; see views.py). The step itself changes no table.
_V3 = "SELECT 1;"

# v4: score integrity. A trial's final evaluation says which isolation held while its notebook ran, what the trusted
# replay concluded, and why the notebook was caught forging (NULL: it was not).
_V4 = """
ALTER TABLE evaluations ADD COLUMN isolation VARCHAR[];               -- sandbox features active; NULL: not recorded
ALTER TABLE evaluations ADD COLUMN replay_status VARCHAR;             -- confirmed, forged, unconfirmed, not-declared
ALTER TABLE evaluations ADD COLUMN integrity VARCHAR;                 -- the reason, when caught forging; else NULL
"""

# v5: how each turn's reply became a notebook (evolve.notebook.ConversionPath), in transcript order.
_V5 = """
ALTER TABLE evaluations ADD COLUMN conversions VARCHAR[];             -- per turn: json, fences, percent, bare, rejected
"""

# v6: the harness's per-turn decisions, in transcript order (evolve.trial.Turn): why generation stopped, the
# answer budget, cells kept by a repair, the skill passages put into the feedback, resamples, solved.
_V6 = """
ALTER TABLE evaluations ADD COLUMN turn_details STRUCT(finish_reason VARCHAR, max_tokens INTEGER, kept_cells INTEGER,
                                                       hints VARCHAR[], resample INTEGER, solved BOOLEAN)[];
"""

# v7: where time goes (evolve.phases): per trial, seconds per phase summed over its turns (NULL: not measured);
# per model call, the provider's cached prompt tokens, its own prompt and generation times, and the request as
# sent (evolve.request_shape: parameters sent, and those dropped for that model with the reason).
_V7 = """
ALTER TABLE trials ADD COLUMN phases STRUCT(queue_s DOUBLE, model_wait_s DOUBLE, prompt_s DOUBLE, generation_s DOUBLE,
                                            kernel_start_s DOUBLE, imports_s DOUBLE, execution_s DOUBLE,
                                            checks_s DOUBLE, replay_s DOUBLE);
ALTER TABLE llm_calls ADD COLUMN cached_tokens INTEGER;               -- prompt tokens served from cache; NULL: unknown
ALTER TABLE llm_calls ADD COLUMN prompt_s DOUBLE;                     -- the provider's own prompt time; NULL: unknown
ALTER TABLE llm_calls ADD COLUMN generation_s DOUBLE;                 -- the provider's own generation time
ALTER TABLE llm_calls ADD COLUMN request VARCHAR;                     -- JSON: what was sent, what was dropped and why
ALTER TABLE llm_calls ADD COLUMN uid VARCHAR;                         -- the call's identity (evolve.models.CallRecord)
"""

# v8: a skill is its whole folder (evolve.bundle). skills.sha256 is then the package's identity (SKILL.md's own hash
# when it bundles nothing, so no earlier row changes) and skills.text its SKILL.md; each bundled file is stored once
# by the hash of its content and listed per skill by path.
_V8 = """
CREATE TABLE files (                     -- content-addressed: one row per distinct canonical file content
    sha256     VARCHAR PRIMARY KEY,
    content    BLOB NOT NULL,
    nbytes     INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE skill_files (               -- the bundled files of a skill (none for a SKILL.md-only skill)
    skill  VARCHAR NOT NULL,             -- skills.sha256
    path   VARCHAR NOT NULL,             -- relative to the skill folder: references/x.md, scripts/y.py, assets/z
    sha256 VARCHAR NOT NULL,             -- files.sha256
    PRIMARY KEY (skill, path)
);
"""

# v9: views only. turn_outcomes' last_ran / last_solved are the trial's answer (since harness 5 the last notebook
# that ran, which a later crash does not replace), not the last notebook executed.
_V9 = "SELECT 1;"

MIGRATIONS: tuple[tuple[str, str], ...] = (
    ("core tables: runs, skills, libraries, edges, trials, evaluations, llm_calls, events", _V1),
    ("judge verdicts on evaluations", _V2),
    ("views: best_so_far follows the engine's incumbent", _V3),
    ("score integrity: isolation, replay status and integrity flag on evaluations", _V4),
    ("per-turn conversion path of the student's replies", _V5),
    ("per-turn harness details: finish reason, answer budget, kept cells, hints, resamples, solved", _V6),
    ("time per phase on trials; cached tokens, provider timings and the request sent on model calls", _V7),
    ("skills as whole folders: bundled files stored once by hash, listed per skill", _V8),
    ("views: turn_outcomes' last turn is the trial's answer (the last notebook that ran)", _V9),
)
SCHEMA_VERSION = len(MIGRATIONS)


def table_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1").fetchall()]


def version_of(con: duckdb.DuckDBPyConnection) -> int | None:
    """The archive's schema version; 0 for an empty database; None when it holds tables but is not an archive."""
    tables = table_names(con)
    if "schema_version" not in tables:
        return 0 if not tables else None
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]


def migrate(con: duckdb.DuckDBPyConnection, current: int) -> int:
    """Apply MIGRATIONS[current:] and rebuild the views, in one transaction. Returns the new version."""
    if current >= SCHEMA_VERSION:
        return current
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.execute("BEGIN TRANSACTION")
    try:
        for version in range(current + 1, SCHEMA_VERSION + 1):
            description, sql = MIGRATIONS[version - 1]
            con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES (?, ?, ?)", [version, now, description])
        con.execute(VIEWS)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return SCHEMA_VERSION
