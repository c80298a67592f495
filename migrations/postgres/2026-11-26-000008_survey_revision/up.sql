-- A survey's revision: raised by every change to what its rates are read from (its counters, its municipalities, its
-- title, the reminder lists taken out), in the same transaction as the change. A rates read that finds the revision it
-- has already read answers from memory instead of reading the counters again; the number itself means nothing else.
ALTER TABLE surveys ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
