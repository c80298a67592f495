-- A response's answers kept in its own row, as one JSON array of its answer rows in key order (item, then position
-- among a multiple-choice item's options): `[{"i": item, "p": position, "o": option code | "n": number | "t": text}]`,
-- with a position of 0 left out. Settling rewrites a survey's fresh responses under new ids after every submission
-- (see `settled`); with the answers in rows of their own each rewrite deleted and inserted some 500 rows, with them
-- in the response's row about 8. Text, not jsonb: the service reads and writes the array whole.
ALTER TABLE responses ADD COLUMN answers TEXT NOT NULL DEFAULT '[]';
UPDATE responses SET answers = COALESCE((
    SELECT json_agg(
        -- Without the members that are null, as the service writes them.
        json_strip_nulls(json_build_object(
            'i', item_id, 'p', NULLIF(position, 0), 'o', option_code, 'n', number_value, 't', text_value
        ))
        ORDER BY item_id COLLATE "C", position
    )::text
    FROM answers
    WHERE answers.response_id = responses.id
), '[]');
DROP TABLE answers;
-- The index by survey and municipality ends with the id, so that a survey's response ids (read to tell which are new
-- since results were computed) come from the index alone, without the rows their answers make wide. (SQLite's index
-- of a WITHOUT ROWID table holds the key anyway.)
DROP INDEX responses_survey_municipality;
CREATE INDEX responses_survey_municipality ON responses (survey_id, municipality_code, mode, id);
