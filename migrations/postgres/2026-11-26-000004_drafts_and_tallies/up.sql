-- A resident's answers saved page by page until they submit, so that they can stop and go on later, on another
-- device, with the same code. Keyed by the keyed hash of the code (the letter's code, or the resume code an open-link
-- resident is given); deleted in the transaction that stores the response, so nothing of it outlives the answer.
CREATE TABLE drafts (
    key_hash TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    language TEXT NOT NULL,
    -- The answers saved so far, as JSON (item id → value).
    answers TEXT NOT NULL,
    -- The furthest section (1-based) the resident has saved: where they left off.
    reached_section INTEGER NOT NULL,
    -- The id the final submit carries, so that a repeated submit stores nothing twice.
    submission_id TEXT NOT NULL,
    updated_on DATE NOT NULL
);
CREATE INDEX drafts_survey ON drafts (survey_id, municipality_code);

-- Completed responses per survey, municipality, Swedish calendar day and mode, counted in the transaction that stores
-- each response: the live response rates read these few rows instead of counting responses.
CREATE TABLE completion_tallies (
    survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    day DATE NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('web', 'paper')),
    completes INTEGER NOT NULL,
    PRIMARY KEY (survey_id, municipality_code, day, mode)
);

-- Responses are stored as they come, then rewritten in shuffled batches (`settled` becomes true), so that neither the
-- heap order nor the transaction ids (xmin) tie a response to the moment its letter was marked answered more closely
-- than "one of a batch".
ALTER TABLE responses ADD COLUMN settled BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX responses_unsettled ON responses (survey_id, settled);

-- The position of an answer within its item (a multiple-choice answer has one row per chosen option) completes the
-- answers' key.
ALTER TABLE answers ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
UPDATE answers SET position = numbered.position
FROM (
    SELECT ctid AS row_id,
           ROW_NUMBER() OVER (PARTITION BY response_id, item_id ORDER BY option_code) - 1 AS position
    FROM answers
) AS numbered
WHERE answers.ctid = numbered.row_id;
ALTER TABLE answers ALTER COLUMN position DROP DEFAULT;
DROP INDEX answers_response_id;
ALTER TABLE answers ADD PRIMARY KEY (response_id, item_id, position);
