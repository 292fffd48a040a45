-- One migration for SQLite and PostgreSQL: only types and syntax both accept (TEXT, BIGINT,
-- BOOLEAN, DOUBLE PRECISION, composite keys). Timestamps are fixed-width UTC RFC 3339 text,
-- so they compare and sort the same on both.
CREATE TABLE records (
    id          TEXT NOT NULL,
    version     BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    department  TEXT,
    doctor      TEXT,
    visit_id    TEXT,
    -- sha256 of record_no / id_number: finds a patient's earlier records (HX rules) without
    -- storing the identifier in a second, indexed place.
    patient_key TEXT,
    -- the document's own date (visit_at, issued_at, requested_at, reported_at), as written
    doc_at      TEXT,
    body        TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    report      TEXT NOT NULL,
    qualified   BOOLEAN NOT NULL,
    deduction   DOUBLE PRECISION NOT NULL,
    ruleset     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE INDEX records_patient ON records (patient_key, kind);
CREATE INDEX records_created ON records (created_at);

-- The rules a record's server report found (for the `rule` filter).
CREATE TABLE record_rules (
    id      TEXT NOT NULL,
    version BIGINT NOT NULL,
    rule    TEXT NOT NULL,
    PRIMARY KEY (id, version, rule),
    FOREIGN KEY (id, version) REFERENCES records (id, version) ON DELETE CASCADE
);
CREATE INDEX record_rules_rule ON record_rules (rule);
