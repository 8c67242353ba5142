-- The first schema: the invitees' state, the append-only event log, the outbox and the
-- inbound ledger. Times are Unix milliseconds (UTC).

CREATE TABLE invitees (
	code        TEXT PRIMARY KEY,
	status      TEXT NOT NULL DEFAULT 'new',      -- new, invited, attending, declined, unclear
	meeting     TEXT NOT NULL DEFAULT '',
	headcount   INTEGER NOT NULL DEFAULT 0,
	companions  TEXT NOT NULL DEFAULT '[]',       -- JSON array of names or roles
	agreement   TEXT NOT NULL DEFAULT 'none',     -- none, sent, returned, confirmed
	delivery    TEXT NOT NULL DEFAULT 'ok',       -- ok, undeliverable
	away_until  TEXT NOT NULL DEFAULT '',         -- out-of-office return date, YYYY-MM-DD
	sequence    INTEGER NOT NULL DEFAULT 0,       -- iCalendar SEQUENCE of the current entry
	partstat    TEXT NOT NULL DEFAULT '',         -- the calendar's answers per meeting, JSON
	answered_at INTEGER NOT NULL DEFAULT 0,
	updated_at  INTEGER NOT NULL DEFAULT 0
);

-- Every change, with the message or job that caused it. Never updated, never deleted.
CREATE TABLE events (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	at      INTEGER NOT NULL,
	invitee TEXT NOT NULL DEFAULT '',
	kind    TEXT NOT NULL,
	cause   TEXT NOT NULL,
	detail  TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_invitee ON events (invitee, id);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

-- Messages to send: written in the same transaction as their cause, keyed so that the same
-- cause can never queue a message twice.
CREATE TABLE outbox (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	key          TEXT NOT NULL UNIQUE,
	kind         TEXT NOT NULL,
	invitee      TEXT NOT NULL DEFAULT '',
	recipient    TEXT NOT NULL,
	message_id   TEXT NOT NULL,
	params       TEXT NOT NULL DEFAULT '{}',
	status       TEXT NOT NULL DEFAULT 'pending', -- pending, sent, failed
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_attempt INTEGER NOT NULL,
	last_error   TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	sent_at      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_due ON outbox (status, next_attempt);

-- Every fetched message, stored raw before it is read.
CREATE TABLE inbound (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	mailbox     TEXT NOT NULL,
	uidvalidity INTEGER NOT NULL,
	uid         INTEGER NOT NULL,
	message_id  TEXT NOT NULL DEFAULT '',
	raw         BLOB NOT NULL,
	received_at INTEGER NOT NULL,
	status      TEXT NOT NULL DEFAULT 'new',     -- new, applied, duplicate, failed
	reading     TEXT NOT NULL DEFAULT '',        -- the reading applied, as JSON
	applied_at  INTEGER NOT NULL DEFAULT 0,
	error       TEXT NOT NULL DEFAULT '',
	UNIQUE (mailbox, uidvalidity, uid)
);
CREATE INDEX inbound_message_id ON inbound (message_id);
CREATE INDEX inbound_status ON inbound (status);
