DROP TABLE municipalities;
DROP TABLE counties;
