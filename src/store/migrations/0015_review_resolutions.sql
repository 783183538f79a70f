-- Gloss project schema, version 15: review and adjudication (issue 6, src/review/).

-- A `fix` review says the reviewed annotation version was wrong and names the version that holds
-- the corrected answer: a new version of the same annotation when a reviewer fixed one
-- annotator's work, or the reviewer's own annotation of the task when they adjudicated a
-- disagreement (every submitted annotation of the task then gets a review pointing at it:
-- `accept` where it already gave that answer, `fix` where it did not). NULL for `accept` and
-- `reject`. `--only reviewed` exports a head version whose latest review is `accept` and any
-- version some review names here.
ALTER TABLE reviews ADD COLUMN resolution_annotation_id INTEGER REFERENCES annotations(id);
CREATE INDEX reviews_by_resolution ON reviews(resolution_annotation_id)
    WHERE resolution_annotation_id IS NOT NULL;
