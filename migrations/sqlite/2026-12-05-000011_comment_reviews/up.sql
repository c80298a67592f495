-- Free-text answers as staff may show them. Coordinators read their municipality's comments and mask any passage
-- that names or points to a person, then approve it; only an approved comment, as masked, reaches viewers and
-- exports. The original
-- stays in `answers` for coordinators. No foreign key to `responses`: settling rewrites a response with its id, and
-- the review must survive that.
CREATE TABLE comment_reviews (
    response_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    shown_text TEXT NOT NULL,
    masked_passages INTEGER NOT NULL DEFAULT 0 CHECK (masked_passages >= 0),
    approved BOOLEAN NOT NULL DEFAULT FALSE,
    reviewed_by TEXT REFERENCES users (id),
    reviewed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (response_id, item_id)
);
CREATE INDEX comment_reviews_survey ON comment_reviews (survey_id);
