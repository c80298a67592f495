-- A resident's saved page, in one call: one round trip to the server instead of five (`BEGIN`, the draft's locked
-- read, its write with the survey's turn, the letter's note with the counts, `COMMIT`). Every other save of the survey
-- waits for the turn from the moment a save takes it until that save commits; here nothing between the two crosses
-- the network. The service calls it outside any transaction (see `db::queries::drafts::save_page`), so the call is a
-- transaction of its own. The steps are those `app::answering::save_section` takes on SQLite, in the order
-- PostgreSQL needs (SQLite, whose writes are serial anyway, takes the survey's turn first):
--
-- 1. The draft's row is locked before it is read, so that saves of one draft (two tabs) and its submission take turns
--    on it. A first save stores its row at once, so that another first save of the same draft at the same moment
--    waits for it and then finds it, rather than counting it a second time (each statement here sees what has been
--    committed before it began).
-- 2. The draft is stored at the furthest section saved, then the survey's turn taken (`surveys.revision`): saves of
--    a survey take turns, so its counts move exactly with them. Locks come draft, survey, letter, as for every writer.
-- 3. The letter is noted (the section its draft reached; not returned becomes started) and the counts of drafts per
--    section and of letters per disposition move. A letter answered meanwhile (another tab submitted, a paper form
--    came) takes no draft: everything this call did is undone and it returns false.
--
-- The dispositions are passed by the service, whose names for them are the ones stored.
CREATE FUNCTION save_draft_page(
    draft_key TEXT,
    survey TEXT,
    municipality TEXT,
    page_reached INTEGER,
    saved_on DATE,
    contents TEXT,
    letter TEXT,
    not_returned TEXT,
    started TEXT,
    completed TEXT
) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
DECLARE
    reached_before INTEGER;
    stored BOOLEAN := FALSE;
    reached INTEGER;
    letter_before TEXT;
BEGIN
    -- The commit does not wait for the disk, as for every saved page (`db::unsynced_transaction`): the setting is
    -- read at the commit and ends with the transaction. Outside the block below, so that it holds also when the block
    -- is undone.
    PERFORM set_config('synchronous_commit', 'off', TRUE);
    -- Everything the save writes is in this block: should the letter be answered, all of it is undone.
    BEGIN
        SELECT d.reached_section INTO reached_before FROM drafts AS d WHERE d.key_hash = draft_key FOR UPDATE;
        IF NOT FOUND THEN
            INSERT INTO drafts (key_hash, survey_id, municipality_code, reached_section, updated_on, sealed)
            VALUES (draft_key, survey, municipality, page_reached, saved_on, contents)
            ON CONFLICT (key_hash) DO NOTHING;
            stored := FOUND;
            IF NOT stored THEN
                -- Stored meanwhile by another save, whose transaction has ended (or gone again since: submitted).
                SELECT d.reached_section INTO reached_before FROM drafts AS d WHERE d.key_hash = draft_key FOR UPDATE;
            END IF;
        END IF;
        reached_before := COALESCE(reached_before, 0);
        reached := GREATEST(reached_before, page_reached);
        IF NOT stored THEN
            INSERT INTO drafts (key_hash, survey_id, municipality_code, reached_section, updated_on, sealed)
            VALUES (draft_key, survey, municipality, reached, saved_on, contents)
            ON CONFLICT (key_hash) DO UPDATE SET survey_id = excluded.survey_id,
                municipality_code = excluded.municipality_code, reached_section = excluded.reached_section,
                updated_on = excluded.updated_on, sealed = excluded.sealed;
        END IF;
        UPDATE surveys SET revision = revision + 1 WHERE id = survey;
        IF letter IS NOT NULL THEN
            -- Every writer of a letter's disposition holds its survey's turn, so it cannot change after this read.
            SELECT i.disposition INTO letter_before FROM invitations AS i WHERE i.code_hash = letter;
            IF letter_before IS NULL OR letter_before = completed THEN
                RAISE EXCEPTION USING ERRCODE = 'TG001', MESSAGE = 'the letter is answered';
            END IF;
            UPDATE invitations AS i SET draft_section = reached,
                disposition = CASE WHEN i.disposition = not_returned THEN started ELSE i.disposition END
            WHERE i.code_hash = letter;
            IF letter_before = not_returned THEN
                INSERT INTO disposition_tallies (survey_id, municipality_code, disposition, letters)
                VALUES (survey, municipality, not_returned, -1), (survey, municipality, started, 1)
                ON CONFLICT (survey_id, municipality_code, disposition)
                DO UPDATE SET letters = disposition_tallies.letters + excluded.letters;
            END IF;
        END IF;
        -- A new draft, or an open-link start that saved nothing yet, was never counted (section 0 is no count).
        IF reached_before <> reached THEN
            INSERT INTO progress_tallies (survey_id, municipality_code, section, drafts)
            SELECT survey, municipality, moved.section, moved.drafts
            FROM (VALUES (reached_before, -1), (reached, 1)) AS moved (section, drafts) WHERE moved.section <> 0
            ON CONFLICT (survey_id, municipality_code, section)
            DO UPDATE SET drafts = progress_tallies.drafts + excluded.drafts;
        END IF;
        RETURN TRUE;
    EXCEPTION WHEN SQLSTATE 'TG001' THEN
        RETURN FALSE;
    END;
END
$$;
