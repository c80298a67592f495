-- PostgreSQL's saved page in one call (a function on the server). SQLite runs in the service, where a statement costs
-- no round trip: nothing to change here; the migration exists so that both backends carry the same versions.
SELECT 1;
