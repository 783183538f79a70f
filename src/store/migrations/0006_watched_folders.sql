-- Gloss project schema, version 6: watched folders, and lookups of media by file.
-- A watched folder is a media folder whose new files become tasks: while the project is open
-- (the desktop app, `gloss watch`) as they appear, and when it is opened again for the files that
-- appeared while it was closed (reconcile). `path` is the folder's real path (symlinks resolved),
-- the form `media_roots` (0004) and the media tables hold, so "is this file already a task" and
-- "is this file inside a watched folder" are plain comparisons. Removing a watch deletes its row
-- (the audit log keeps the history); the tasks stay.
CREATE TABLE watched_folders (
    path       TEXT PRIMARY KEY,
    added_at   INTEGER NOT NULL,
    added_by   TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- A folder import skips files a task already shows, found by their real path: without these
-- indexes each lookup would scan every media row. Text-only projects write no media rows, so
-- their imports pay nothing for them.
CREATE INDEX task_media_by_path ON task_media (path);
CREATE INDEX task_audio_by_path ON task_audio (path);
