ALTER TABLE completion_tallies DROP COLUMN without_letter;
ALTER TABLE completion_tallies DROP COLUMN break_off;
ALTER TABLE completion_tallies DROP COLUMN partial;
ALTER TABLE completion_tallies RENAME COLUMN submitted TO completes;
DROP TABLE progress_tallies;
DROP TABLE disposition_tallies;
