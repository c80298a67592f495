ALTER TABLE surveys DROP COLUMN revision;
