-- A returned agreement is a PDF: whether it carries a digital signature, and the SHA-256 of the
-- PDF that returned it, kept with the invitee's state for the staff who confirm it. (Numbered
-- 0007 so that the branches that took 0004 to 0006 keep theirs.)
ALTER TABLE invitees ADD COLUMN agreement_signed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invitees ADD COLUMN returned_sha256 TEXT NOT NULL DEFAULT '';
