DROP TABLE translation_reviews;
ALTER TABLE surveys DROP COLUMN languages;
