-- Open-link starts count on the dashboard only from their first saved section: forget the starts counted before.
DELETE FROM progress_tallies WHERE section = 0;
