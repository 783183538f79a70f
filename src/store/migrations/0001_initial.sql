-- Gloss project schema, version 1.
-- Append-only where history matters: annotations, configs and guidelines get new rows, never
-- updates. Rows that can travel between machines carry a UUID v7 (`uid`). Times are Unix
-- milliseconds, UTC.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE configs (
    version    INTEGER PRIMARY KEY,
    uid        TEXT NOT NULL UNIQUE,
    xml        TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT
) STRICT;

CREATE TABLE guidelines (
    version    INTEGER PRIMARY KEY,
    uid        TEXT NOT NULL UNIQUE,
    markdown   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT
) STRICT;

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    source_path TEXT NOT NULL,
    format      TEXT NOT NULL,
    n_imported  INTEGER NOT NULL,
    n_skipped   INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

-- `open` is 1 while the task has fewer submitted annotations than the project's overlap; the
-- partial index on it keeps "next task" a short index walk at a million tasks.
CREATE TABLE tasks (
    id            INTEGER PRIMARY KEY,
    uid           TEXT NOT NULL UNIQUE,
    external_id   TEXT,
    data          TEXT NOT NULL,
    import_id     INTEGER REFERENCES imports(id),
    source_line   INTEGER,
    gold_result   TEXT,
    n_submitted   INTEGER NOT NULL DEFAULT 0,
    open          INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX tasks_open_by_id ON tasks(id) WHERE open = 1;

CREATE TABLE annotators (
    id         INTEGER PRIMARY KEY,
    uid        TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL CHECK (role IN ('annotator', 'reviewer', 'lead')),
    created_at INTEGER NOT NULL
) STRICT;

-- One row per saved version. (uid, version) identifies a version; the current version of an
-- annotator's annotation of a task is the row `annotation_heads` points at.
CREATE TABLE annotations (
    id                 INTEGER PRIMARY KEY,
    uid                TEXT NOT NULL,
    version            INTEGER NOT NULL,
    task_id            INTEGER NOT NULL REFERENCES tasks(id),
    annotator_id       INTEGER NOT NULL REFERENCES annotators(id),
    status             TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'skipped')),
    result             TEXT NOT NULL,
    config_version     INTEGER NOT NULL REFERENCES configs(version),
    guidelines_version INTEGER REFERENCES guidelines(version),
    lead_time_ms       INTEGER NOT NULL,
    origin             TEXT NOT NULL CHECK (origin IN ('human', 'import', 'accepted_prediction', 'corrected_prediction', 'review_fix', 'merge')),
    created_at         INTEGER NOT NULL,
    UNIQUE (uid, version)
) STRICT;

-- The current version per (task, annotator): derived from `annotations`, kept in the same
-- transaction as every save so that the queue and the exports need no "latest version" scans.
CREATE TABLE annotation_heads (
    task_id       INTEGER NOT NULL REFERENCES tasks(id),
    annotator_id  INTEGER NOT NULL REFERENCES annotators(id),
    annotation_id INTEGER NOT NULL REFERENCES annotations(id),
    status        TEXT NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (task_id, annotator_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX annotation_heads_by_annotator ON annotation_heads(annotator_id, updated_at);

CREATE TABLE predictions (
    id            INTEGER PRIMARY KEY,
    uid           TEXT NOT NULL UNIQUE,
    task_id       INTEGER NOT NULL REFERENCES tasks(id),
    model_version TEXT NOT NULL,
    provider      TEXT,
    prompt_version INTEGER,
    result        TEXT NOT NULL,
    score         REAL,
    tokens_in     INTEGER,
    tokens_out    INTEGER,
    cost          REAL,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX predictions_by_task ON predictions(task_id);

CREATE TABLE reviews (
    id            INTEGER PRIMARY KEY,
    uid           TEXT NOT NULL UNIQUE,
    annotation_id INTEGER NOT NULL REFERENCES annotations(id),
    reviewer_id   INTEGER NOT NULL REFERENCES annotators(id),
    verdict       TEXT NOT NULL CHECK (verdict IN ('accept', 'reject', 'fix')),
    comment       TEXT,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX reviews_by_annotation ON reviews(annotation_id);

CREATE TABLE assignments (
    id           INTEGER PRIMARY KEY,
    uid          TEXT NOT NULL UNIQUE,
    task_id      INTEGER NOT NULL REFERENCES tasks(id),
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    kind         TEXT NOT NULL CHECK (kind IN ('regular', 'gold', 'calibration')),
    created_at   INTEGER NOT NULL,
    done_at      INTEGER,
    UNIQUE (task_id, annotator_id)
) STRICT;

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_uid  TEXT,
    detail      TEXT NOT NULL DEFAULT '{}'
) STRICT;
