DROP TABLE comment_reviews;
