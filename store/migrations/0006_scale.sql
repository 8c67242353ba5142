-- Scale (issue 17). A queued message keeps its cause (the job or the message that queued it)
-- on its outbox row: the "queued" event that said so repeated the row, and a campaign of
-- 100,000 invitees wrote 600,000 of them that nothing read.
ALTER TABLE outbox ADD COLUMN cause TEXT NOT NULL DEFAULT '';
-- The digest reads the events of a few kinds (answer, failed, agreement) among hundreds of
-- thousands.
CREATE INDEX events_kind ON events (kind, id);
-- The sender looks for pending rows only: an index of those alone, which a row leaves when it
-- is sent, where (status, next_attempt) moved it from one place in the index to another and
-- kept every sent row in it.
DROP INDEX outbox_due;
CREATE INDEX outbox_pending ON outbox (next_attempt, id) WHERE status = 'pending';
