-- Counters for the live response rates, kept exact by updating them in the transaction of every change they count:
-- reading the rates of a survey reads these few rows and never counts letters, drafts or responses.

-- Letters per survey, municipality and disposition (not returned, started, completed, undeliverable, …). Their sum
-- is the sample.
CREATE TABLE disposition_tallies (
    survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    disposition TEXT NOT NULL,
    letters INTEGER NOT NULL,
    PRIMARY KEY (survey_id, municipality_code, disposition)
);
INSERT INTO disposition_tallies (survey_id, municipality_code, disposition, letters)
SELECT survey_id, municipality_code, disposition, COUNT(*) FROM invitations
GROUP BY survey_id, municipality_code, disposition;

-- Drafts (residents who started and have not submitted) per survey, municipality and the furthest section saved
-- (0: an open-link resident who chose a municipality and saved no page yet): where residents stop.
CREATE TABLE progress_tallies (
    survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    section INTEGER NOT NULL,
    drafts INTEGER NOT NULL,
    PRIMARY KEY (survey_id, municipality_code, section)
);
INSERT INTO progress_tallies (survey_id, municipality_code, section, drafts)
SELECT survey_id, municipality_code, reached_section, COUNT(*) FROM drafts
GROUP BY survey_id, municipality_code, reached_section;

-- Submitted responses per day and mode, and how many of them were partial (50–80 % of the questions that applied
-- answered) or break-offs (under 50 %), and how many used no letter (a paper form without its letter number, or an
-- open link). Responses stored before this version count as complete until `trygghet reconcile --fix`.
ALTER TABLE completion_tallies RENAME COLUMN completes TO submitted;
ALTER TABLE completion_tallies ADD COLUMN partial INTEGER NOT NULL DEFAULT 0;
ALTER TABLE completion_tallies ADD COLUMN break_off INTEGER NOT NULL DEFAULT 0;
ALTER TABLE completion_tallies ADD COLUMN without_letter INTEGER NOT NULL DEFAULT 0;
