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
) WITHOUT ROWID;
INSERT INTO answers
SELECT responses.id, json_extract(entry.value, '$.i'), COALESCE(json_extract(entry.value, '$.p'), 0),
       json_extract(entry.value, '$.o'), json_extract(entry.value, '$.n'), json_extract(entry.value, '$.t')
FROM responses, json_each(responses.answers) AS entry;
CREATE INDEX answers_item ON answers (item_id, option_code);
ALTER TABLE responses DROP COLUMN answers;
