-- Responses and their answers. Anonymous by construction: no column leads back to an invitation or a person. A
-- response has a random id (UUIDv4, never time-ordered), its survey, municipality, mode (web or paper), the Swedish
-- calendar day it came in (never a time), and the questionnaire version it answered. (PostgreSQL's heap keeps rows
-- roughly in insertion order; nothing the service shows or exports uses that order.)
CREATE TABLE responses (
    id TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    mode TEXT NOT NULL CHECK (mode IN ('web', 'paper')),
    submitted_on DATE NOT NULL,
    instrument_version TEXT NOT NULL,
    language TEXT NOT NULL
);
CREATE INDEX responses_survey_municipality ON responses (survey_id, municipality_code, mode);

-- One row per answered item (a multiple-choice answer has one row per chosen option).
CREATE TABLE answers (
    response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    item_id TEXT NOT NULL,
    option_code TEXT,
    number_value BIGINT,
    text_value TEXT
);
CREATE INDEX answers_response_id ON answers (response_id);
CREATE INDEX answers_item ON answers (item_id, option_code);

-- Idempotent submits: the id a form carried, so that a repeated submit (double click, retry after a lost reply)
-- stores nothing twice. Kept apart from responses: it names no response.
CREATE TABLE submissions (
    submission_id TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    submitted_on DATE NOT NULL
);
