DROP INDEX audit_events_action_target;
DROP TABLE spent_resume_codes;
