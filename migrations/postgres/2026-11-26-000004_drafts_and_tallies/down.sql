ALTER TABLE answers DROP CONSTRAINT answers_pkey;
CREATE INDEX answers_response_id ON answers (response_id);
ALTER TABLE answers DROP COLUMN position;
DROP INDEX responses_unsettled;
ALTER TABLE responses DROP COLUMN settled;
DROP TABLE completion_tallies;
DROP TABLE drafts;
