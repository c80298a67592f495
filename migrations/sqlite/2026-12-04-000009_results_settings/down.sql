DROP TABLE population_margins;
ALTER TABLE surveys DROP COLUMN min_cell;
ALTER TABLE surveys DROP COLUMN min_base;
