DROP TABLE letter_batches;
