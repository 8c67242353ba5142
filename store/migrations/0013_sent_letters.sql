-- What a letter said when it went out, written in the transaction that marks its outbox row
-- sent. The staff's letters are written from the store as it stands when they are composed
-- (the digest's figures, a participant list): composed again later, they would tell today's
-- figures under the day they were sent. So their subject, text part and attachments are
-- kept. A letter to an invitee is composed from its outbox row and the campaign alone; its
-- text, kept for 100,000 invitees and six letters each, would take gigabytes, so only its
-- subject and the SHA-256 of subject and text are kept: enough to tell whether the letter
-- composed again from its row is the one that was sent.
CREATE TABLE sent_letters (
	outbox  INTEGER PRIMARY KEY REFERENCES outbox (id),
	subject TEXT NOT NULL,
	text    TEXT,          -- the text part as sent; NULL where only the sum is kept
	sha256  BLOB NOT NULL  -- of the subject, a line feed and the text part
);
-- The attachments of a kept letter that cannot be made again (the digest's chart and CSV),
-- gzip-compressed: the CSV of 100,000 invitees is megabytes a day.
CREATE TABLE sent_attachments (
	outbox       INTEGER NOT NULL REFERENCES outbox (id),
	n            INTEGER NOT NULL,
	name         TEXT NOT NULL,
	content_type TEXT NOT NULL,
	inline       INTEGER NOT NULL DEFAULT 0,
	size         INTEGER NOT NULL,
	gzip         BLOB NOT NULL,
	PRIMARY KEY (outbox, n)
);
