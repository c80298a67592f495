DROP INDEX responses_survey_municipality;
CREATE INDEX responses_survey_municipality ON responses (survey_id, municipality_code, mode);
CREATE TABLE answers (
    response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    item_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    option_code TEXT,
    number_value BIGINT,
    text_value TEXT,
    PRIMARY KEY (response_id, item_id, position)
);
INSERT INTO answers
SELECT responses.id, entry->>'i', COALESCE((entry->>'p')::integer, 0),
       entry->>'o', (entry->>'n')::bigint, entry->>'t'
FROM responses, json_array_elements(responses.answers::json) AS entry;
CREATE INDEX answers_item ON answers (item_id, option_code);
ALTER TABLE responses DROP COLUMN answers;
