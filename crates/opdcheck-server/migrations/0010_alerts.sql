-- The alert-quality figures (issue 15, GET /api/v1/alerts): one row per finding of each stored
-- record's LATEST version, shown ones (`report.findings`, after tuning) and shadow ones
-- (`report.shadow`), with what the page counts of it; and the drugs each prescription prescribes
-- (the per-drug denominator). Written at ingest in the push's transaction, the older version's
-- rows removed; rows stored before this migration are filled at start (`alerts` below). A
-- visit's own record has no rows: its documents are stored as records of their own and counted
-- there. One text for SQLite and PostgreSQL, as the earlier migrations.

CREATE TABLE record_alerts (
    record_id    TEXT NOT NULL,
    version      BIGINT NOT NULL,
    -- the finding's position (live ones first, then shadow): two findings may share rule and path
    seq          BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    -- as records.doc_at
    doc_at       TEXT,
    department   TEXT,
    rule         TEXT NOT NULL,
    path         TEXT NOT NULL,
    -- the formulary drug's canonical name when the finding is at `items[i]` of a prescription
    drug         TEXT,
    shadow       BOOLEAN NOT NULL,
    -- the doctor's reason on the document (finding.reason): given, and its pick-list key
    reason_given BOOLEAN NOT NULL,
    reason_choice TEXT,
    -- the tuning entry that changed the finding
    tuning       TEXT,
    -- QA's decision in the version's current review: NULL, 'confirmed' or 'dismissed'
    decision     TEXT,
    PRIMARY KEY (record_id, version, seq),
    FOREIGN KEY (record_id, version) REFERENCES records (id, version)
);
-- A month's figures are one range scan of this index, which covers every column they read.
CREATE INDEX record_alerts_month ON record_alerts (doc_at, rule, kind, department, drug, shadow,
    reason_given, reason_choice, decision);

-- The distinct formulary drugs of each prescription's latest version.
CREATE TABLE record_drugs (
    record_id  TEXT NOT NULL,
    version    BIGINT NOT NULL,
    drug       TEXT NOT NULL,
    doc_at     TEXT,
    department TEXT,
    PRIMARY KEY (record_id, version, drug),
    FOREIGN KEY (record_id, version) REFERENCES records (id, version)
);
CREATE INDEX record_drugs_month ON record_drugs (doc_at, drug);

-- Whether the row's alert rows are written (every version stored from now on is). Rows stored
-- before are FALSE until the start-time backfill (ingest::backfill_alerts) writes them; the
-- partial index finds them without a scan of the table.
ALTER TABLE records ADD COLUMN alerts BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX records_alerts_pending ON records (id, version) WHERE latest AND NOT alerts;
