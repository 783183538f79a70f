-- Gloss project schema, version 7: pre-labelling by language models (src/prelabel/).
-- Prompt templates are versioned like configs and guidelines: append-only rows, a run names the
-- version it used, so a prediction can always be traced to the exact instructions that made it.
CREATE TABLE prompt_templates (
    version    INTEGER PRIMARY KEY,
    uid        TEXT NOT NULL UNIQUE,
    template   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT
) STRICT;

-- One row per `gloss prelabel` run (or a run started from the app). Counters are rewritten as
-- the run goes, so a run that was cancelled or crashed still says how far it got. Never holds a
-- key: only the provider's name, the model and the base URL.
CREATE TABLE prelabel_runs (
    id             INTEGER PRIMARY KEY,
    uid            TEXT NOT NULL UNIQUE,
    provider       TEXT NOT NULL,
    model          TEXT NOT NULL,
    base_url       TEXT NOT NULL,
    prompt_version INTEGER NOT NULL REFERENCES prompt_templates(version),
    status         TEXT NOT NULL CHECK (status IN ('running', 'finished', 'cancelled', 'failed')),
    n_planned      INTEGER NOT NULL,
    n_predicted    INTEGER NOT NULL DEFAULT 0,
    n_refused      INTEGER NOT NULL DEFAULT 0,
    n_failed       INTEGER NOT NULL DEFAULT 0,
    tokens_in      INTEGER NOT NULL DEFAULT 0,
    tokens_out     INTEGER NOT NULL DEFAULT 0,
    cost           REAL,
    started_at     INTEGER NOT NULL,
    finished_at    INTEGER,
    created_by     TEXT
) STRICT;

-- The prediction metadata 0001 did not have: how long the request took and which run made it.
-- (`provider`, `prompt_version`, `tokens_in`, `tokens_out`, `cost` exist since 0001.)
ALTER TABLE predictions ADD COLUMN duration_ms INTEGER;
ALTER TABLE predictions ADD COLUMN run_id INTEGER REFERENCES prelabel_runs(id);

-- "Which tasks have no prediction from this provider, model and prompt version yet" is the
-- question every run and every resume asks first.
CREATE INDEX predictions_by_model ON predictions (provider, model_version, prompt_version, task_id);
