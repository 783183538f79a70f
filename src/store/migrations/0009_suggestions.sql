-- Gloss project schema, version 9: predictions as suggestions in the labelling screen (issue 5,
-- src/suggestions.rs).

-- Which prediction an annotation version started from, when the annotator accepted or corrected
-- a suggestion (origin 'accepted_prediction' / 'corrected_prediction'); NULL for everything else.
-- The pre-label report reads it to say which model and prompt version each one came from.
ALTER TABLE annotations ADD COLUMN prediction_id INTEGER REFERENCES predictions(id);
CREATE INDEX annotations_by_prediction ON annotations(prediction_id)
    WHERE prediction_id IS NOT NULL;

-- The score of the task's latest prediction (the one stored last; NULL when it has no score or
-- the task has none): derived data for the "lowest confidence first" queue, kept in step by the
-- triggers below so that every way a prediction is written (runs, the built-in model, imports)
-- keeps it right without each writer having to remember.
ALTER TABLE tasks ADD COLUMN latest_prediction_score REAL;

UPDATE tasks SET latest_prediction_score = (
    SELECT p.score FROM predictions p WHERE p.task_id = tasks.id ORDER BY p.id DESC LIMIT 1
);

CREATE TRIGGER predictions_keep_task_score_on_insert AFTER INSERT ON predictions
BEGIN
    UPDATE tasks SET latest_prediction_score = (
        SELECT p.score FROM predictions p WHERE p.task_id = NEW.task_id ORDER BY p.id DESC LIMIT 1
    ) WHERE id = NEW.task_id;
END;

CREATE TRIGGER predictions_keep_task_score_on_delete AFTER DELETE ON predictions
BEGIN
    UPDATE tasks SET latest_prediction_score = (
        SELECT p.score FROM predictions p WHERE p.task_id = OLD.task_id ORDER BY p.id DESC LIMIT 1
    ) WHERE id = OLD.task_id;
END;

-- "Lowest confidence first" walks the open scored tasks by score, then the open unscored ones by
-- id: two partial indexes, so each is a short index walk at a million tasks, like
-- `tasks_open_by_id`.
CREATE INDEX tasks_open_by_prediction_score ON tasks(latest_prediction_score, id)
    WHERE open = 1 AND latest_prediction_score IS NOT NULL;
CREATE INDEX tasks_open_unscored_by_id ON tasks(id)
    WHERE open = 1 AND latest_prediction_score IS NULL;

-- The prediction an autosaved draft started from: an edited suggestion that was autosaved (and
-- then restored after Back or a restart) is still saved as a correction of that prediction.
ALTER TABLE autosaved_drafts ADD COLUMN prediction_id INTEGER REFERENCES predictions(id);
