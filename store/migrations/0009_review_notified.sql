-- When the staff was last told of review items (issue 17). The daemon asks before every
-- notification it may send; MAX(notified_at) read every item, resolved ones too, each time.
-- From an index of notified_at it is the last entry of the index.
CREATE INDEX IF NOT EXISTS reviews_notified ON reviews (notified_at);
