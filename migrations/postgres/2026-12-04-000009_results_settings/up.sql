-- What results need besides the answers: each survey's disclosure settings, and the population each municipality's
-- answers are weighted to.
--
-- Disclosure: results show no index, share or percentage on fewer than `min_base` valid answers, and no count under
-- `min_cell`. They only change what results show, so they may change in every state of a survey.
ALTER TABLE surveys ADD COLUMN min_base INTEGER NOT NULL DEFAULT 30 CHECK (min_base BETWEEN 1 AND 10000);
ALTER TABLE surveys ADD COLUMN min_cell INTEGER NOT NULL DEFAULT 5 CHECK (min_cell BETWEEN 1 AND 1000);

-- Population margins: how many residents of a municipality are in each option of a background item of the survey's
-- questionnaire (age band, gender …), the totals that results are raked to. An item's options are stored all
-- together or not at all. A municipality that leaves the survey takes its margins with it.
CREATE TABLE population_margins (
    survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    item_id TEXT NOT NULL,
    option_code TEXT NOT NULL,
    population BIGINT NOT NULL CHECK (population >= 0),
    PRIMARY KEY (survey_id, municipality_code, item_id, option_code),
    FOREIGN KEY (survey_id, municipality_code)
        REFERENCES survey_municipalities (survey_id, municipality_code) ON DELETE CASCADE
);
