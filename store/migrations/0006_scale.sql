-- Scale (issue 17). A queued message keeps its cause (the job or the message that queued it)
-- on its outbox row: the "queued" event that said so repeated the row, and a campaign of
-- 100,000 invitees wrote 600,000 of them that nothing read.
ALTER TABLE outbox ADD COLUMN cause TEXT NOT NULL DEFAULT '';
-- The digest reads the events of a few kinds (answer, failed, agreement) among hundreds of
-- thousands.
CREATE INDEX events_kind ON events (kind, id);
