-- Citizen promises (medborgarlöften): what the police and a municipality promise its residents after a safety
-- survey, for a period, with the questions and areas of the questionnaire each promise is meant to move. Later
-- surveys' results follow them (compared with the survey before the promise started).
CREATE TABLE promises (
    id TEXT PRIMARY KEY NOT NULL,
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    title TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    responsible TEXT NOT NULL CHECK (responsible IN ('police', 'municipality', 'both')),
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('planned', 'ongoing', 'kept', 'not_kept', 'withdrawn')),
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX promises_municipality ON promises (municipality_code, starts_on);

-- A question (`item`) or an area (`area`) of the questionnaire a promise is meant to move, by its id, in the order
-- given.
CREATE TABLE promise_targets (
    promise_id TEXT NOT NULL REFERENCES promises (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('item', 'area')),
    target_id TEXT NOT NULL,
    PRIMARY KEY (promise_id, position),
    UNIQUE (promise_id, kind, target_id)
);
