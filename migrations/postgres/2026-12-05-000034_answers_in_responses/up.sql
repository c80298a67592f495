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
-- The ids of a survey's responses (read to tell which are new since results were computed) without reading the rows,
-- whose answers make them wide: an index-only scan.
CREATE INDEX responses_survey_ids ON responses (survey_id, municipality_code, id);
