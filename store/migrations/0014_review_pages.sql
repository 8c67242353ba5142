-- The pages of review items in a store without statistics, as rsvpd keeps it (it never runs
-- ANALYZE). Without statistics SQLite takes an equality on the first column of an index for a
-- few rows, and (resolved_at, notified_at) looked to it the best way to every query of open
-- items: `rsvpd review` read all 20,000 open items by it and sorted them for a page of 100, as
-- the desk's page and the digest's lists did until they named reviews_open_id. With no index
-- beginning with resolved_at, the open items are read from the indexes of open items (0008) in
-- the order a page wants, with statistics or without.
-- The one query that index served alone, the open items the staff has not been told of yet,
-- is served by the index of notified_at with resolved_at after it: notified_at = 0 AND
-- resolved_at = 0 in id order. Its first column still gives the last notification (0009).
DROP INDEX IF EXISTS reviews_open;
DROP INDEX IF EXISTS reviews_notified;
CREATE INDEX IF NOT EXISTS reviews_notified ON reviews (notified_at, resolved_at);
