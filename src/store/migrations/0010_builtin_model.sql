-- Gloss project schema, version 10: the built-in offline text classifier (src/prelabel/builtin/).
-- A model is trained on the project's own labels and stored here, so a later run (or the
-- desktop's background trainer) can reuse it instead of training again, and every prediction it
-- made can be traced to the exact weights and training set.
CREATE TABLE builtin_models (
    id                   INTEGER PRIMARY KEY,
    uid                  TEXT NOT NULL UNIQUE,
    -- What its predictions are stored under: `builtin-logreg@t<N examples>-<hash>`, the hash
    -- being of the training set and the algorithm's settings, so the same data gives the same
    -- name (and the same weights: training is deterministic).
    model_version        TEXT NOT NULL UNIQUE,
    -- The `Choices` control it labels, and whether it takes one value or several.
    control              TEXT NOT NULL,
    choice               TEXT NOT NULL CHECK (choice IN ('single', 'multiple')),
    -- JSON array of the values it can predict (the config's stored values), in weight order.
    labels               TEXT NOT NULL,
    n_examples           INTEGER NOT NULL,
    -- Hash of the training set (task ids and labels) and the settings: "nothing new was
    -- labelled" is "the fingerprint is unchanged".
    training_fingerprint TEXT NOT NULL,
    -- The newest `annotations.id` when the training set was read: the background trainer counts
    -- submissions after it to decide when to train again.
    last_annotation_id   INTEGER NOT NULL,
    n_buckets            INTEGER NOT NULL,
    -- f32 little-endian: n_buckets rows of n_labels weights (bucket-major), then n_labels biases.
    weights              BLOB NOT NULL,
    -- JSON: held-out accuracy and macro-F1, epochs, training time.
    metrics              TEXT NOT NULL,
    config_version       INTEGER NOT NULL REFERENCES configs(version),
    created_at           INTEGER NOT NULL,
    created_by           TEXT
) STRICT;
CREATE INDEX builtin_models_by_control ON builtin_models (control, id);

-- One row per pre-labelling pass of a built-in model. `prelabel_runs` cannot hold these: its
-- `prompt_version` must name a stored prompt template, and the built-in model uses no prompt
-- (a sentinel template would be a lie in every report). Predictions point at their run through
-- `predictions.builtin_run_id`; their `provider` is 'builtin', `prompt_version` and `run_id` NULL.
CREATE TABLE builtin_runs (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    model_id    INTEGER NOT NULL REFERENCES builtin_models(id),
    status      TEXT NOT NULL CHECK (status IN ('running', 'finished', 'cancelled', 'failed')),
    n_planned   INTEGER NOT NULL,
    n_predicted INTEGER NOT NULL DEFAULT 0,
    n_refused   INTEGER NOT NULL DEFAULT 0,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    created_by  TEXT
) STRICT;

ALTER TABLE predictions ADD COLUMN builtin_run_id INTEGER REFERENCES builtin_runs(id);
