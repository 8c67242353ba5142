-- Review reasons as data: a code and its parameters (JSON of campaign.Reason), written out in
-- the campaign's language when shown; items opened before keep their English text in reason.
-- A held reading's suggestion: the answer (JSON of campaign.Answer) a person accepts in one
-- action. The number of times reading an inbound message was begun: a message that fails to
-- be read twice goes to review instead of being read on every start.
ALTER TABLE reviews ADD COLUMN why TEXT NOT NULL DEFAULT '';
ALTER TABLE reviews ADD COLUMN suggestion TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
