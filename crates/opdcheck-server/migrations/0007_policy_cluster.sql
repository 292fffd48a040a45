-- Servers that agree (issue 13): several servers on one database follow the same policy and
-- share sign-in limits. One text for SQLite and PostgreSQL, as the earlier migrations.

-- A version stored by POST /api/v1/policy/rollback names the version whose override it copied
-- (0 = the embedded default); NULL for a version an admin set with PUT.
ALTER TABLE policies ADD COLUMN rolled_back_from BIGINT;

-- Failed (or in-flight) sign-in attempts of the last window, one row each, so every server on
-- this database counts the same failures. A row is written before the password is checked and
-- deleted again when the attempt succeeds or is not judged; rows older than the window are
-- purged on each attempt. Never a password: the attempted username (at most 64 characters)
-- and the client address ('' when unknown).
CREATE TABLE login_failures (
    id          TEXT PRIMARY KEY,
    username    TEXT NOT NULL,
    client      TEXT NOT NULL,
    -- Unix seconds.
    at          BIGINT NOT NULL,
    -- Cleared by a successful sign-in: the account's count starts over, the address's does not.
    for_account BOOLEAN NOT NULL
);
CREATE INDEX login_failures_username ON login_failures (username, at);
CREATE INDEX login_failures_client ON login_failures (client, at);
CREATE INDEX login_failures_at ON login_failures (at);
