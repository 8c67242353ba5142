-- The review items about one stored message (issue 17). `rsvpd replay --apply` asks, for each
-- message that reads differently now, whether an earlier replay opened the same item, open or
-- resolved; it read every item, resolved ones too, inside its write transaction to find out.
CREATE INDEX IF NOT EXISTS reviews_inbound ON reviews (inbound) WHERE inbound IS NOT NULL;
