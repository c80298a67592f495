-- The languages a survey offers its residents, as language codes separated by commas; the questionnaire's default
-- language is offered whatever this says. A coordinator turns languages on (a translation no native speaker has
-- reviewed only after confirming so). Surveys stored before offered Swedish and English, and keep doing so.
ALTER TABLE surveys ADD COLUMN languages TEXT NOT NULL DEFAULT 'sv,en';

-- A questionnaire's translation that a native speaker has reviewed: who reviewed it, who recorded that, and when.
-- A translation without a row here is a draft. Staff may withdraw a review (the row goes; the audit log keeps it).
CREATE TABLE translation_reviews (
    instrument_key TEXT NOT NULL,
    instrument_version TEXT NOT NULL,
    language TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    recorded_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    reviewed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (instrument_key, instrument_version, language)
);
