-- Accounts that end and leave a trail (issue 11): idle sessions, scoped integrator keys, audit.
-- One text for SQLite and PostgreSQL, as the earlier migrations.

-- Sessions made before this migration carry no last use: they end here (everyone signs in once
-- more) rather than get an invented one.
DELETE FROM sessions;
ALTER TABLE sessions ADD COLUMN created_at TEXT NOT NULL DEFAULT '';
-- Refreshed on use at most once a minute; a session idle longer than the timeout is refused.
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT NOT NULL DEFAULT '';

-- Comma-separated subset of check,push,read. Keys made before scopes existed could push and read
-- every record: they keep exactly that; new keys default to check,push (set by the server).
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'check,push,read';
-- JSON array of departments the key is bound to; NULL = every department.
ALTER TABLE api_keys ADD COLUMN departments TEXT;
ALTER TABLE api_keys ADD COLUMN expires_at TEXT;
ALTER TABLE api_keys ADD COLUMN last_used_at TEXT;
-- A revoked key is kept (the audit trail names it) and refused.
ALTER TABLE api_keys ADD COLUMN revoked_at TEXT;

-- Who did what, when, from where. Never passwords, tokens, keys or document bodies: `detail` is
-- a small JSON object of non-patient parameters.
CREATE TABLE audit (
    id      TEXT PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT,
    client  TEXT,
    detail  TEXT NOT NULL
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_actor ON audit (actor, at);
CREATE INDEX audit_action ON audit (action, at);
