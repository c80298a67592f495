ALTER TABLE surveys DROP COLUMN contact;
ALTER TABLE surveys DROP COLUMN sender;
