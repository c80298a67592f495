-- Codes handed out in one action: a batch of a municipality's letters (a range of letter numbers). A request that
-- carries a key (the API's Idempotency-Key, the page's one-time form key) finds its batch again by the key's keyed
-- hash, so a retried or double-clicked request answers the first batch instead of handing out a second one; for a
-- day the batch's letters are kept sealed under a key derived from the request's key (never stored), so that the
-- retry can give the same codes again. A batch withdrawn before it was sent leaves the denominators: its letters are
-- deleted, its numbers are not used again.
CREATE TABLE letter_batches (
    id TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    municipality_code TEXT NOT NULL,
    first_serial INTEGER NOT NULL,
    last_serial INTEGER NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    issued_by TEXT,
    request_key TEXT UNIQUE,
    sealed TEXT NOT NULL DEFAULT '',
    withdrawn_at TIMESTAMP,
    CHECK (last_serial >= first_serial)
);
CREATE INDEX letter_batches_survey ON letter_batches (survey_id, municipality_code, first_serial);
