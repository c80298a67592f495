DROP TABLE spent_resume_codes;
