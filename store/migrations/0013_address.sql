-- A changed address (a bounce, and the staff found another): the address that holds now,
-- kept with the invitee's state; '' while the list's address holds. The change itself, with
-- the old address and who made it, is an "address" event. The daemon reads the changed
-- addresses at start and again after each change: an index of those alone.
ALTER TABLE invitees ADD COLUMN email TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS invitees_email ON invitees (email, code) WHERE email <> '';
