ALTER TABLE invitations DROP COLUMN draft_section;
