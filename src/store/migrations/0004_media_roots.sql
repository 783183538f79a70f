-- Gloss project schema, version 4: the folders media may be read from, and audio files.
-- Media is read only inside the project's allowed folders. The project file's own folder is
-- always allowed and is not stored (the file may move). Every other allowed folder is one the
-- user imported from: the folder of an imported task file whose tasks named local media, or an
-- imported media folder. Rows are never deleted by Gloss; `path` is the folder's real path
-- (symlinks resolved) so a containment check is a plain prefix test on real paths.
CREATE TABLE media_roots (
    path       TEXT PRIMARY KEY,
    added_at   INTEGER NOT NULL,
    added_by   TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- One row per (task, data field) that an `Audio` object plays and that names a local file inside
-- the allowed folders, like `task_media` for images (0003). `path` is the file's real path at
-- import. Duration and peaks are computed from the file when needed, not here.
CREATE TABLE task_audio (
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    field   TEXT NOT NULL,
    path    TEXT NOT NULL,
    PRIMARY KEY (task_id, field)
) STRICT, WITHOUT ROWID;
