-- Questionnaires imported by staff: a police region's own form, a new translation, next year's wording. The
-- built-in instrument ships in the binary and is not stored here.
--
-- A stored version never changes. Surveys and responses name their instrument by key and version only, so the
-- document behind a key and version must stay what it was when they were made; a changed form is imported under a
-- new version instead. That is also why the service can cache parsed instruments without ever invalidating them.
CREATE TABLE instruments (
    instrument_key TEXT NOT NULL,
    version TEXT NOT NULL,
    -- The title in the instrument's default language, for lists without parsing every document.
    title TEXT NOT NULL,
    -- The validated instrument as JSON, written by the service itself (not the uploaded text), so that an export
    -- gives back exactly what a later import is compared with.
    document TEXT NOT NULL,
    -- Who imported it; the instrument outlives the account (NULL also for imports from the command line).
    imported_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    imported_at TIMESTAMP NOT NULL,
    PRIMARY KEY (instrument_key, version)
);
