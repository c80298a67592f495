DROP TABLE instruments;
