-- The furthest section a letter's draft has reached, beside the letter: never the draft's key or contents, which
-- need the code. A paper form that answers a started letter takes its draft out of the counts by this, since the
-- draft itself cannot be found without the code. The section stays on the answered letter while its draft waits to
-- be deleted (the next time the code is typed), so that a recount leaves that draft out too.
ALTER TABLE invitations ADD COLUMN draft_section INTEGER;
UPDATE invitations SET draft_section = (
    SELECT reached_section FROM legacy_drafts WHERE legacy_drafts.key_hash = invitations.code_hash
)
WHERE code_hash IN (SELECT key_hash FROM legacy_drafts);
