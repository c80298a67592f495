-- A survey's published results: a frozen snapshot of its disclosure-controlled figures (as JSON: the results, their
-- labels in Swedish and English, the response rates and the survey's facts), shown at /resultat/{survey} without
-- sign-in. Publishing again replaces it; withdrawing deletes it. Late paper forms change the survey, not this.
CREATE TABLE publications (
    survey_id TEXT PRIMARY KEY REFERENCES surveys (id) ON DELETE CASCADE,
    published_at TIMESTAMP NOT NULL,
    published_by TEXT REFERENCES users (id),
    -- The earlier wave the figures are compared with, if any.
    compared_with TEXT REFERENCES surveys (id) ON DELETE SET NULL,
    snapshot TEXT NOT NULL
);
