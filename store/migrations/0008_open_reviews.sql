-- Open review items (issue 17). The desk and the digest read the open items of one invitee,
-- count those of a page of invitees, and list the open items a page at a time in order. Indexes
-- of the open items alone, which an item leaves when it is resolved, serve each of these
-- exactly: (resolved_at, notified_at) served none of them alone, and with statistics of a
-- store where few items are open the planner could prefer it to (invitee, id) and read every
-- open item to find one invitee's. IF NOT EXISTS: a step that only adds indexes can run on any
-- store that has the table.
CREATE INDEX IF NOT EXISTS reviews_open_invitee ON reviews (invitee, id) WHERE resolved_at = 0;
CREATE INDEX IF NOT EXISTS reviews_open_id ON reviews (id) WHERE resolved_at = 0;
