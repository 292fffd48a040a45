-- Users (doctor / qa / admin), their sign-in sessions and integrators' API keys. Tokens and
-- keys are stored as SHA-256 only: a copy of the database signs nobody in.
CREATE TABLE users (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('doctor', 'qa', 'admin')),
    doctor_id     TEXT,
    created_at    TEXT NOT NULL
);

CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY,
    username     TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (username);

CREATE TABLE api_keys (
    key_sha256 TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
