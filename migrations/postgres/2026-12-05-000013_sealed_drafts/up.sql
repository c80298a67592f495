-- Drafts sealed so that a copy of the database neither reads them nor ties them to a letter: stored under a key
-- derived from the resident's code under its own label (not the letter's hash), their language, answers and
-- submission id sealed with a key derived from the code, which is never stored.
--
-- Drafts saved before this cannot be sealed without their code: they are kept apart, as they were, and sealed and
-- moved here the next time their resident types the code (then deleted from `legacy_drafts`). A draft of a survey
-- already closed can never be resumed: its contents are wiped now and only its count kept.
ALTER TABLE drafts RENAME TO legacy_drafts;
ALTER TABLE legacy_drafts RENAME CONSTRAINT drafts_pkey TO legacy_drafts_pkey;
DROP INDEX drafts_survey;
CREATE INDEX legacy_drafts_survey ON legacy_drafts (survey_id, municipality_code);

-- A draft left behind by a letter answered on paper (or otherwise) is no one's to resume: it goes, with its count.
UPDATE progress_tallies SET drafts = drafts - (
    SELECT COUNT(*) FROM legacy_drafts l JOIN invitations i ON i.code_hash = l.key_hash
    WHERE i.disposition = 'completed' AND l.survey_id = progress_tallies.survey_id
      AND l.municipality_code = progress_tallies.municipality_code AND l.reached_section = progress_tallies.section
);
DELETE FROM legacy_drafts WHERE key_hash IN (SELECT code_hash FROM invitations WHERE disposition = 'completed');

CREATE TABLE drafts (
    key_hash TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    -- The furthest section (1-based) the resident has saved: counted on the dashboard, so not sealed.
    reached_section INTEGER NOT NULL,
    updated_on DATE NOT NULL,
    -- Language, answers and submission id as JSON, sealed (XChaCha20-Poly1305, base64 of nonce and ciphertext);
    -- empty for a wiped draft that is only counted.
    sealed TEXT NOT NULL
);
CREATE INDEX drafts_survey ON drafts (survey_id, municipality_code);

INSERT INTO drafts (key_hash, survey_id, municipality_code, reached_section, updated_on, sealed)
SELECT md5(random()::text || clock_timestamp()::text || survey_id) || md5(random()::text), survey_id, municipality_code, reached_section, updated_on, ''
FROM legacy_drafts
WHERE survey_id IN (SELECT id FROM surveys WHERE state = 'closed');
DELETE FROM legacy_drafts WHERE survey_id IN (SELECT id FROM surveys WHERE state = 'closed');
