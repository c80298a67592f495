-- Who asks: the sender residents see on every page of a survey, and the contact they can ask with questions (JSON
-- text, `{"phone": …, "email": …}`, at least one of the two). A draft may lack them; a survey cannot open without
-- both. Surveys stored before have none (their pages show the service's own contact instead).
ALTER TABLE surveys ADD COLUMN sender TEXT;
ALTER TABLE surveys ADD COLUMN contact TEXT;
