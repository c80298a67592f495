-- Sealed drafts cannot be opened without their codes: going back keeps only the drafts not sealed yet.
DROP TABLE drafts;
DROP INDEX legacy_drafts_survey;
ALTER TABLE legacy_drafts RENAME TO drafts;
ALTER TABLE drafts RENAME CONSTRAINT legacy_drafts_pkey TO drafts_pkey;
CREATE INDEX drafts_survey ON drafts (survey_id, municipality_code);
