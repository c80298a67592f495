CREATE TABLE answers_rowid (
    response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    item_id TEXT NOT NULL,
    option_code TEXT,
    number_value BIGINT,
    text_value TEXT
);
INSERT INTO answers_rowid SELECT response_id, item_id, option_code, number_value, text_value FROM answers;
DROP TABLE answers;
ALTER TABLE answers_rowid RENAME TO answers;
CREATE INDEX answers_response_id ON answers (response_id);
CREATE INDEX answers_item ON answers (item_id, option_code);
DROP INDEX responses_unsettled;
ALTER TABLE responses DROP COLUMN settled;
DROP TABLE completion_tallies;
DROP TABLE drafts;
