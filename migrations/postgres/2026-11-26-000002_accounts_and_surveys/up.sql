-- Staff accounts, their sessions and API tokens, sign-in throttling, the audit log, survey waves and the
-- invitations (letters with codes) of each wave.
--
-- Anonymity by construction: invitations know their survey, municipality, letter number, the keyed hash of their
-- code and their disposition, but not when they completed; responses (a later migration) will have no column that
-- leads back to an invitation.

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'viewer')),
    created_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP
);

CREATE TABLE user_municipalities (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    PRIMARY KEY (user_id, municipality_code)
);

-- A session is known by the keyed hash of its cookie token only.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user_id ON api_tokens (user_id);

-- One-time links that create the first administrator while no user exists.
CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Failed sign-ins per account (keyed hash of the e-mail address) and per client address, shared by all instances.
CREATE TABLE auth_throttle (
    throttle_key TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    window_started_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);

-- Who did what, when, from where. Never answers or codes. No foreign key: history outlives accounts.
CREATE TABLE audit_events (
    id TEXT PRIMARY KEY NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor_user_id TEXT,
    actor_email TEXT,
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT NOT NULL DEFAULT '{}',
    source_address TEXT
);
CREATE INDEX audit_events_occurred_at ON audit_events (occurred_at);

CREATE TABLE surveys (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    instrument_key TEXT NOT NULL,
    instrument_version TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'open', 'closed')),
    access TEXT NOT NULL CHECK (access IN ('codes', 'open_link')),
    opens_on DATE NOT NULL,
    closes_on DATE NOT NULL,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    copied_from TEXT REFERENCES surveys (id) ON DELETE SET NULL,
    CHECK (closes_on >= opens_on)
);

CREATE TABLE survey_municipalities (
    survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    sample_size INTEGER NOT NULL CHECK (sample_size >= 0),
    target_percent DOUBLE PRECISION CHECK (target_percent IS NULL OR (target_percent > 0 AND target_percent <= 100)),
    PRIMARY KEY (survey_id, municipality_code)
);

-- One letter to one sampled person. The code itself is never stored, only its keyed hash.
CREATE TABLE invitations (
    id TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL,
    municipality_code TEXT NOT NULL,
    letter_serial INTEGER NOT NULL CHECK (letter_serial > 0),
    code_hash TEXT NOT NULL UNIQUE,
    disposition TEXT NOT NULL DEFAULT 'not_returned',
    FOREIGN KEY (survey_id, municipality_code)
        REFERENCES survey_municipalities (survey_id, municipality_code) ON DELETE CASCADE,
    UNIQUE (survey_id, municipality_code, letter_serial)
);
CREATE INDEX invitations_disposition ON invitations (survey_id, municipality_code, disposition);
