-- Review items for the staff, the run ledger of scheduled jobs, the IMAP position per
-- mailbox and the count of automatic answers per address and day (no mail loops).

CREATE TABLE reviews (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	inbound     INTEGER REFERENCES inbound (id),
	invitee     TEXT NOT NULL DEFAULT '',
	reason      TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	notified_at INTEGER NOT NULL DEFAULT 0,
	resolved_at INTEGER NOT NULL DEFAULT 0,
	resolution  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX reviews_open ON reviews (resolved_at, notified_at);

CREATE TABLE job_runs (
	key     TEXT PRIMARY KEY,
	due     INTEGER NOT NULL,
	ran_at  INTEGER NOT NULL,
	outcome TEXT NOT NULL                      -- done, skipped
);

CREATE TABLE mailboxes (
	name        TEXT PRIMARY KEY,
	uidvalidity INTEGER NOT NULL,
	last_uid    INTEGER NOT NULL
);

CREATE TABLE auto_answers (
	address TEXT NOT NULL,
	day     TEXT NOT NULL,
	count   INTEGER NOT NULL,
	PRIMARY KEY (address, day)
);

ALTER TABLE invitees ADD COLUMN agreement_sha256 TEXT NOT NULL DEFAULT '';
