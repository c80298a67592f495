DROP TABLE submissions;
DROP TABLE answers;
DROP TABLE responses;
