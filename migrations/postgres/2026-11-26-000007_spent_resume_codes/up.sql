-- Resume codes of open-link answers that were submitted, by their keyed hash: so that such a code, used again, is met
-- with "already answered" rather than "code not found". Like an answered letter, the row says only that the code was
-- used, never when or by which response.
CREATE TABLE spent_resume_codes (
    code_hash TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE
);

-- The live rates read the reminder lists taken out for a survey from the audit log on every change: by action and
-- target, not by scanning the log.
CREATE INDEX audit_events_action_target ON audit_events (action, target);
