-- Open review items by reason (the desk's filter by kind of item). The desk counts the open
-- items of each reason on every page of items and lists the open items of a few reasons a page
-- at a time; without an index it would read every open item and parse its reason's JSON for
-- each. The expression is store.reasonCode, written the same way, so that the planner uses it.
CREATE INDEX IF NOT EXISTS reviews_open_reason ON reviews ((CASE WHEN why = '' THEN '' ELSE json_extract(why, '$.code') END), id) WHERE resolved_at = 0;
