-- Gloss project schema, version 13: previews of big images, made once and kept.
-- The web view takes seconds to decode a 10,000 × 10,000 scan before anything shows; the core
-- makes a copy at most 2,048 px on its longest side of every image longer than 4,096 px
-- (`src/media_preview.rs`) and keeps it here, keyed by the file's real path, so tasks showing
-- the same file share one row. A row is valid only while the file is the version it was made
-- from (same size, modification time and fingerprint of its first and last 64 KiB, as for
-- `audio_peaks`) and `preview_version` is the computation's; otherwise the preview is made
-- again and the row replaced: a cache, not history.
CREATE TABLE image_previews (
    path              TEXT PRIMARY KEY,
    file_size         INTEGER NOT NULL,
    file_modified_ns  INTEGER NOT NULL,
    file_fingerprint  INTEGER NOT NULL,
    preview_version   INTEGER NOT NULL,
    -- The image's size as people see it (EXIF orientation applied), and the preview's.
    original_width    INTEGER NOT NULL,
    original_height   INTEGER NOT NULL,
    preview_width     INTEGER NOT NULL,
    preview_height    INTEGER NOT NULL,
    -- `image/jpeg`, or `image/png` for images with an alpha channel.
    media_type        TEXT NOT NULL,
    preview           BLOB NOT NULL,
    computed_at       INTEGER NOT NULL
) STRICT;
