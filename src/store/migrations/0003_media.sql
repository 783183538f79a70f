-- Gloss project schema, version 3: the media files tasks point at, with their pixel size.
-- Label Studio keeps no image size with a task (only `original_width/height` inside each
-- region result, known once someone has drawn a region), but COCO, YOLO and VOC need the size of
-- every image, labelled or not. Import reads it once (headers only, EXIF orientation applied)
-- and keeps it here rather than inside the task's `data`, so the data stays exactly what the
-- user imported and Label Studio export stays lossless. One row per (task, data field) that an
-- `Image` object shows and that names a local file inside the project's allowed folders; `path`
-- is the resolved file path the size was read from. URLs get no row: they are not fetched.
CREATE TABLE task_media (
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    field   TEXT NOT NULL,
    path    TEXT NOT NULL,
    width   INTEGER NOT NULL,
    height  INTEGER NOT NULL,
    PRIMARY KEY (task_id, field)
) STRICT, WITHOUT ROWID;
