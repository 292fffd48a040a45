-- The QA workspace: samples, reviews, and derived columns on `records` so the score sheet is a few
-- aggregate queries over an index (docs/benchmarks.md §7), not a loop over reports.
-- One text for SQLite and PostgreSQL, as the earlier migrations.

-- Whether this row is its id's highest version (kept by the insert; the list and stats
-- endpoints still use NOT EXISTS, the sheet reads this column).
ALTER TABLE records ADD COLUMN latest BOOLEAN NOT NULL DEFAULT TRUE;
UPDATE records SET latest = FALSE
 WHERE EXISTS (SELECT 1 FROM records r2 WHERE r2.id = records.id AND r2.version > records.version);
-- A prescription with at least one formulary antibiotic (sheet::has_antibiotic).
ALTER TABLE records ADD COLUMN abx BOOLEAN;
-- Missed-report cases: error findings of XV-04 in the report. NULL = not derived yet: rows stored
-- before this migration are filled at start by the server (Store::backfill_derived), which needs
-- the engine.
ALTER TABLE records ADD COLUMN missed BIGINT;
-- QA's current judgement of this version (the latest review revision), NULL when unreviewed.
-- The reviews themselves are in `reviews`, every revision kept.
ALTER TABLE records ADD COLUMN review_revision BIGINT;
ALTER TABLE records ADD COLUMN review_qualified BOOLEAN;
ALTER TABLE records ADD COLUMN review_deduction DOUBLE PRECISION;

-- The sheet reads only latest versions in a period of the document's own date: a partial index
-- that covers every column it aggregates, so the table rows (with their bodies) are never read.
CREATE INDEX records_sheet ON records (doc_at, kind, department, doctor, qualified, deduction,
    abx, missed, review_revision, review_qualified, review_deduction) WHERE latest;

-- Findings per rule (a rule firing on two items is two hits); existing rows count one until the
-- start-time backfill recounts them.
ALTER TABLE record_rules ADD COLUMN hits BIGINT NOT NULL DEFAULT 1;

CREATE TABLE samples (
    id           TEXT PRIMARY KEY,
    name         TEXT,
    period_from  TEXT NOT NULL,
    period_to    TEXT NOT NULL,
    -- JSON arrays / object, as given (defaults filled in)
    kinds        TEXT NOT NULL,
    departments  TEXT NOT NULL,
    doctors      TEXT NOT NULL,
    size         TEXT NOT NULL,
    seed         BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

CREATE TABLE sample_records (
    sample_id      TEXT NOT NULL REFERENCES samples (id) ON DELETE CASCADE,
    record_id      TEXT NOT NULL,
    record_version BIGINT NOT NULL,
    -- order of the draw; records added by hand come after
    position       BIGINT NOT NULL,
    -- 'drawn', or 'added' (POST /samples/{id}/records)
    origin         TEXT NOT NULL,
    PRIMARY KEY (sample_id, record_id),
    FOREIGN KEY (record_id, record_version) REFERENCES records (id, version)
);

-- Every revision of every review is kept: a changed review is a new row.
CREATE TABLE reviews (
    record_id      TEXT NOT NULL,
    record_version BIGINT NOT NULL,
    revision       BIGINT NOT NULL,
    reviewer       TEXT NOT NULL,
    reviewed_at    TEXT NOT NULL,
    -- JSON: [{rule, path, decision, reason?}], [{item, deduction, note?}]
    findings       TEXT NOT NULL,
    manual         TEXT NOT NULL,
    note           TEXT,
    deduction      DOUBLE PRECISION NOT NULL,
    qualified      BOOLEAN NOT NULL,
    PRIMARY KEY (record_id, record_version, revision),
    FOREIGN KEY (record_id, record_version) REFERENCES records (id, version)
);

-- The decisions of each revision, one row per finding decided (rule dismissal rates).
CREATE TABLE review_findings (
    record_id      TEXT NOT NULL,
    record_version BIGINT NOT NULL,
    revision       BIGINT NOT NULL,
    rule           TEXT NOT NULL,
    path           TEXT NOT NULL,
    decision       TEXT NOT NULL CHECK (decision IN ('confirmed', 'dismissed')),
    PRIMARY KEY (record_id, record_version, revision, rule, path),
    FOREIGN KEY (record_id, record_version, revision)
        REFERENCES reviews (record_id, record_version, revision)
);
