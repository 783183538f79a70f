-- Gloss project schema, version 2: the editor's autosaved work in progress.
-- One row per (task, annotator), replaced on every autosave and deleted when the annotator
-- saves a version. It is a scratch buffer that survives a crash or restart, not history: the
-- annotations table stays append-only.
CREATE TABLE autosaved_drafts (
    task_id      INTEGER NOT NULL REFERENCES tasks(id),
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    result       TEXT NOT NULL,
    saved_at     INTEGER NOT NULL,
    PRIMARY KEY (task_id, annotator_id)
) STRICT, WITHOUT ROWID;
