DROP TABLE promise_targets;
DROP TABLE promises;
