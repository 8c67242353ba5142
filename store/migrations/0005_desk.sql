-- The staff desk in a browser: the sign-in links asked for (each used once) and the sessions
-- they opened. A session is kept by the SHA-256 of its cookie, so that the store alone does
-- not sign anyone in. (0004 is left for a schema change made beside this one; IF NOT EXISTS
-- lets this step run again on a store that took it under another number.)
CREATE TABLE IF NOT EXISTS desk_signins (
	nonce      TEXT PRIMARY KEY,
	staff      TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS desk_signins_staff ON desk_signins (staff, created_at);

CREATE TABLE IF NOT EXISTS desk_sessions (
	id_sha256  TEXT PRIMARY KEY,
	staff      TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	ended_at   INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX IF NOT EXISTS outbox_invitee ON outbox (invitee, id);
CREATE INDEX IF NOT EXISTS reviews_invitee ON reviews (invitee, id);
