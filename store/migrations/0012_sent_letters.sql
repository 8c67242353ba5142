-- What a letter said when it went out, written in the transaction that marks its outbox row
-- sent. Every sent row keeps the SHA-256 of its subject, a line feed and its text part: a
-- letter to an invitee is composed from its row and the campaign alone, and the sum tells
-- whether the letter composed again is the one sent. The sum is a column of the row, which
-- marking it sent writes anyway: a table of its own took a page of its own in every commit of
-- the sender, half again the bytes written for 20,000 invitations; their text, kept for
-- 100,000 invitees and six letters each, would take gigabytes.
ALTER TABLE outbox ADD COLUMN sent_sha256 BLOB;
-- The staff's letters are written from the store as it stands when they are composed (the
-- digest's figures, a participant list): composed again later, they would tell today's
-- figures under the day they were sent. So their subject and text part are kept.
CREATE TABLE sent_letters (
	outbox  INTEGER PRIMARY KEY REFERENCES outbox (id),
	subject TEXT NOT NULL,
	text    TEXT NOT NULL
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
